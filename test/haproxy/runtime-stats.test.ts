import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAME, HAPROXY_RUNTIME_PORT } from '../../src/haproxy/render-config.js';
import {
  isAllowedRuntimeCommand,
  mapServerStatus,
  parseServerStats,
  runtimeCommandArgv,
  SHOW_STAT_COMMAND,
  setServerStateCommand,
} from '../../src/haproxy/runtime-stats.js';
import { FIXTURES_DIR } from './helpers.js';

/** Real `show stat` output of HAProxy 2.6 running a rendered config (see live.test.ts). */
const FIXTURE = readFileSync(join(FIXTURES_DIR, 'show-stat.csv'), 'utf8');

describe('parseServerStats on real show stat output', () => {
  const stats = parseServerStats(FIXTURE);

  it('returns the server rows only, in order', () => {
    expect(FIXTURE).toContain(',FRONTEND,');
    expect(FIXTURE).toContain(',BACKEND,');
    expect(stats.map((s) => s.server)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(stats.every((s) => s.backend === BACKEND_NAME)).toBe(true);
  });

  it('maps each state and keeps the check result and address', () => {
    const [r1, r2, r3, r4, r5, r6] = stats;
    expect(r1).toEqual({
      backend: BACKEND_NAME,
      server: 'r1',
      status: 'UP',
      checkStatus: 'L4OK',
      address: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      sessions: 0,
    });
    expect(r2).toMatchObject({ status: 'UP', checkStatus: 'L4OK' });
    expect(r3).toMatchObject({ status: 'DOWN', checkStatus: 'L4CON' });
    expect(r3?.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(r4).toMatchObject({ status: 'DRAIN' });
    expect(r5).toMatchObject({ status: 'MAINT', checkStatus: '' });
    // MAINT (resolution): the name never resolved, so there is no address.
    expect(r6).toMatchObject({ status: 'MAINT', checkStatus: '', address: '' });
  });

  it('accepts CRLF line ends and a trailing prompt-less blank line', () => {
    expect(parseServerStats(FIXTURE.replace(/\n/g, '\r\n'))).toEqual(stats);
  });
});

describe('parseServerStats on synthetic rows', () => {
  const header = '# pxname,svname,status,check_status,addr,type';
  const csv = (...rows: string[]) => `${[header, ...rows].join('\n')}\n\n`;

  it('skips FRONTEND, BACKEND and listener rows by type', () => {
    const text = csv(
      'fe,FRONTEND,OPEN,,,0',
      'fe,sock-1,OPEN,,,3',
      'be,r1,UP,L4OK,10.0.0.2:80,2',
      'be,BACKEND,UP,,,1',
    );
    expect(parseServerStats(text).map((s) => s.server)).toEqual(['r1']);
  });

  it('falls back to svname when there is no type column', () => {
    const text = [
      '# pxname,svname,status,check_status,addr',
      'fe,FRONTEND,OPEN,,',
      'be,r1,UP,L4OK,10.0.0.2:80',
      'be,BACKEND,UP,,',
    ].join('\n');
    expect(parseServerStats(text).map((s) => s.server)).toEqual(['r1']);
  });

  it('finds columns by name, whatever their order', () => {
    const text = '# svname,addr,scur,pxname,check_status,status,\nr9,10.0.0.9:80,3,be,L4TOUT,DOWN 1/2,\n';
    expect(parseServerStats(text)).toEqual([
      {
        backend: 'be',
        server: 'r9',
        status: 'DOWN',
        checkStatus: 'L4TOUT',
        address: '10.0.0.9:80',
        sessions: 3,
      },
    ]);
  });

  it('drops the "check in progress" marker from check_status and reads quoted fields', () => {
    const text = csv('be,r1,UP 1/3,* L4CON,"10.0.0.2:80",2', 'be,"r,2",DOWN,"L7STS ""x""",,2');
    const [r1, r2] = parseServerStats(text);
    expect(r1).toMatchObject({ status: 'UP', checkStatus: 'L4CON', address: '10.0.0.2:80' });
    expect(r2).toMatchObject({ server: 'r,2', status: 'DOWN', checkStatus: 'L7STS "x"' });
  });

  it('throws on text that is not show stat output', () => {
    expect(() => parseServerStats('Unknown command: shwo stat\n')).toThrow(/not HAProxy "show stat" output/);
    expect(() => parseServerStats('')).toThrow(/not HAProxy "show stat" output/);
  });

  it('returns [] for a backend with no servers', () => {
    expect(parseServerStats(csv('fe,FRONTEND,OPEN,,,0', 'be,BACKEND,DOWN,,,1'))).toEqual([]);
  });
});

describe('mapServerStatus', () => {
  it.each([
    ['UP', 'UP'],
    ['UP 1/3', 'UP'],
    ['UP (agent)', 'UP'],
    ['DOWN', 'DOWN'],
    ['DOWN 1/2', 'DOWN'],
    ['DOWN (agent)', 'DOWN'],
    ['NOLB', 'NOLB'],
    ['NOLB 1/2', 'NOLB'],
    ['DRAIN', 'DRAIN'],
    ['DRAIN (agent)', 'DRAIN'],
    ['MAINT', 'MAINT'],
    ['MAINT (resolution)', 'MAINT'],
    ['MAINT (via svc_replicas/r1)', 'MAINT'],
    ['no check', 'UNKNOWN'],
    ['', 'UNKNOWN'],
    ['OPEN', 'UNKNOWN'],
    ['SOMETHING NEW', 'UNKNOWN'],
  ] as const)('%j → %s', (raw, expected) => {
    expect(mapServerStatus(raw)).toBe(expected);
  });
});

describe('runtimeCommandArgv', () => {
  it('builds the docker exec argv for show stat', () => {
    expect(SHOW_STAT_COMMAND).toBe('show stat');
    expect(runtimeCommandArgv(SHOW_STAT_COMMAND)).toEqual([
      'sh',
      '-c',
      `echo 'show stat' | nc 127.0.0.1 ${HAPROXY_RUNTIME_PORT}`,
    ]);
  });

  it('accepts the allowed commands', () => {
    for (const cmd of [
      'show stat',
      'show info',
      'show servers state',
      `show servers state ${BACKEND_NAME}`,
      `set server ${BACKEND_NAME}/r1 state drain`,
      `set server ${BACKEND_NAME}/r12 state ready`,
      `set server ${BACKEND_NAME}/r1 state maint`,
      `disable server ${BACKEND_NAME}/r1`,
      `enable server ${BACKEND_NAME}/r1`,
    ]) {
      expect(isAllowedRuntimeCommand(cmd), cmd).toBe(true);
      expect(runtimeCommandArgv(cmd)[2]).toBe(`echo '${cmd}' | nc 127.0.0.1 ${HAPROXY_RUNTIME_PORT}`);
    }
  });

  it.each([
    "show stat'; rm -rf /; echo '",
    'show stat; shutdown sessions server be/r1',
    'show stat\nshutdown frontend svc_frontend',
    'show stat $(id)',
    'show stat `id`',
    'show stat | cat',
    'shutdown frontend svc_frontend',
    'set server be/r1 state drain; show stat',
    'set server be/r1 addr 1.2.3.4',
    'set server be/r1 state up',
    'set server be/../r1 state drain',
    'set server be/-r1 state drain',
    'show  stat',
    ' show stat',
    'SHOW STAT',
    '',
  ])('refuses %j', (cmd) => {
    expect(isAllowedRuntimeCommand(cmd)).toBe(false);
    expect(() => runtimeCommandArgv(cmd)).toThrow(/not allowed/);
  });

  it('validates the port', () => {
    expect(runtimeCommandArgv('show info', 19999)[2]).toBe("echo 'show info' | nc 127.0.0.1 19999");
    for (const port of [0, 65536, 1.5, Number.NaN])
      expect(() => runtimeCommandArgv('show info', port)).toThrow();
  });
});

describe('setServerStateCommand', () => {
  it('builds set server commands for the service backend', () => {
    expect(setServerStateCommand('r3', 'drain')).toBe(`set server ${BACKEND_NAME}/r3 state drain`);
    expect(setServerStateCommand('r3', 'ready', 'other_be')).toBe('set server other_be/r3 state ready');
    expect(isAllowedRuntimeCommand(setServerStateCommand('r3', 'maint'))).toBe(true);
  });

  it('refuses hostile names and states', () => {
    expect(() => setServerStateCommand('r1; show stat', 'drain')).toThrow();
    expect(() => setServerStateCommand("r1'", 'drain')).toThrow();
    expect(() => setServerStateCommand('r1', 'drain', 'be/x')).toThrow();
    expect(() => setServerStateCommand('r1', 'up' as 'ready')).toThrow();
  });
});
