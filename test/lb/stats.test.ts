import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderHaproxyConfig } from '../../src/haproxy/render-config.js';
import { httpProbeOf, parseShowStat, statsClientFiles } from '../../src/lb/stats.js';
import { seedSpec } from '../support/seed.js';

// Captured from a real load balancer (svc-test/haproxy:local, HAProxy 2.6) after 7 requests
// for / and one for a missing page through its published port.
const SHOW_STAT = readFileSync(new URL('./fixtures/show-stat-http.csv', import.meta.url), 'utf8');

describe('parseShowStat', () => {
  it('keeps the server rows, with their counters, and leaves FRONTEND and BACKEND out', () => {
    const rows = parseShowStat(SHOW_STAT);
    expect(rows.map((r) => [r.backend, r.server, r.status, r.check, r.sessions, r.total, r.errors])).toEqual([
      ['svc_replicas', 'r1', 'UP', 'L4OK', 0, 4, 0],
      ['svc_replicas', 'r2', 'UP', 'L4OK', 0, 4, 0],
    ]);
    for (const r of rows) expect(r.address).toMatch(/^\d+\.\d+\.\d+\.\d+:80$/);
  });

  it('counts connection and response errors and 5xx answers as errors, retries and redispatches apart', () => {
    const head = '# pxname,svname,econ,eresp,hrsp_5xx,wretr,wredis,type,status,stot,addr';
    const rows = parseShowStat(`${head}\nb,r1,1,2,3,4,5,2,DOWN,9,\nb,BACKEND,1,2,3,4,5,1,DOWN,9,\n`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      server: 'r1',
      errors: 6,
      retried: 9,
      status: 'DOWN',
      total: 9,
      address: '',
    });
  });

  it("reads a probe's verdict per server, after the CSV", () => {
    const rows = parseShowStat(`${SHOW_STAT.trimEnd()}\n#probe r1 ok\n#probe r2 failed\n`);
    expect(rows.map((r) => [r.server, r.reachable])).toEqual([
      ['r1', true],
      ['r2', false],
    ]);
    expect(parseShowStat(SHOW_STAT).every((r) => r.reachable === undefined)).toBe(true);
  });

  it('says what it got when the answer is not show stat', () => {
    expect(() => parseShowStat('Unknown command\n')).toThrow(/not "show stat" output: "Unknown command"/);
  });
});

describe('statsClientFiles', () => {
  it('is a config loading the Lua client from the given directory, and the client', () => {
    const [cfg, lua] = statsClientFiles('/usr/local/etc/haproxy/.svc-stats');
    expect(cfg?.name).toBe('stats.cfg');
    expect(cfg?.content).toContain('lua-load /usr/local/etc/haproxy/.svc-stats/stats.lua');
    expect(cfg?.content).toContain(`bind abns@svc-stats-stats-${process.pid}`);
    expect(lua?.name).toBe('stats.lua');
    expect(lua?.content).toContain('s:send("show stat svc_replicas 4 -1 no-maint\\n")');
    expect(lua?.content).not.toContain('#probe');
  });

  it('the probe kind also connects to each server it lists', () => {
    const [cfg, lua] = statsClientFiles('/d', 'probe');
    expect(cfg?.content).toContain('lua-load /d/probe.lua');
    expect(lua?.content).toContain('c:connect(ip, tonumber(port))');
    expect(lua?.content).toContain('io.stdout:write("#probe "');
  });
});

describe('the HTTP probe (HealthCheckPath)', () => {
  it('reads the check from the config svc renders, and nothing else', () => {
    const cfg = renderHaproxyConfig({
      spec: { ...seedSpec, Name: 'web', HealthCheckPath: '/ready?deep=1' },
      servers: [],
      paths: { cert: '/c/cert.pem', allow: '/c/allow' },
    });
    expect(httpProbeOf(cfg)).toEqual({ path: '/ready?deep=1', host: 'web' });
    expect(
      httpProbeOf(
        renderHaproxyConfig({ spec: seedSpec, servers: [], paths: { cert: '/c/c', allow: '/c/a' } }),
      ),
    ).toBeUndefined();
    expect(httpProbeOf('    http-check send meth GET uri /a"b ver HTTP/1.1 hdr Host web\n')).toBeUndefined();
    expect(httpProbeOf('    http-check send meth GET uri /a ver HTTP/1.1 hdr Host "x"\n')).toBeUndefined();
  });

  it('the probe asks GET of the path with the Host, and passes 2xx and 3xx only', () => {
    const lua = statsClientFiles('/d', 'probe', { path: '/healthz', host: 'web' })[1]?.content ?? '';
    expect(lua).toContain('local HTTP_PATH, HTTP_HOST = "/healthz", "web"');
    expect(lua).toContain('code >= 200 and code < 400');
    const bare = statsClientFiles('/d', 'probe')[1]?.content ?? '';
    expect(bare).toContain('local HTTP_PATH, HTTP_HOST = nil, nil');
    // A value outside the allow-lists never reaches the Lua: a bare connection instead.
    const hostile =
      statsClientFiles('/d', 'probe', { path: '/a" os.exit(1) "', host: 'web' })[1]?.content ?? '';
    expect(hostile).toContain('local HTTP_PATH, HTTP_HOST = nil, nil');
  });
});
