/**
 * TLS against the real engine, the real HAProxy and real clients (Node's tls/https, and Debian's
 * openssl s_client for old protocol versions), with certificates made at test time: `https`
 * passes TLS through (the client sees the replica's own certificate); `httpsTerm` terminates it
 * with SSLCert (our certificate, X-Forwarded-Proto https, TLS 1.0/1.1 refused); bad certificates
 * are refused before anything is created; `update-cert` swaps the certificate without dropping a
 * connection; and no output, label or container setting ever holds the private key.
 */
import { execFile } from 'node:child_process';
import https from 'node:https';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelFilter } from '../../src/model/naming.js';
import { keyLeaks, makeCerts, type TestCerts } from '../support/certs.js';
import { type SvcResult, svc } from '../support/cli.js';
import {
  engine,
  freePort,
  HTTP_IMAGE,
  lbServers,
  newTenant,
  removeTenant,
  replicaHostnames,
  run,
  waitFor,
} from './support/harness.js';

const TLS_IMAGE = 'svc-test/tls:local';
const tenant = newTenant();
let certs: TestCerts;
/** Every svc output of this file, checked for key material at the end. */
const outputs: string[] = [];

beforeAll(() => {
  certs = makeCerts();
});
afterAll(async () => {
  await removeTenant(tenant);
  certs.cleanup();
});

async function svcT(args: string[]): Promise<SvcResult> {
  const r = await svc(args, { tenant });
  outputs.push(`$ svc ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The certificate the server on 127.0.0.1:port presents, and the protocol negotiated. */
function peerCertificate(port: number, ca?: string): Promise<{ subjectCN: string; protocol: string }> {
  return new Promise((res, rej) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, servername: 'svc.test', rejectUnauthorized: ca !== undefined, ca },
      () => {
        const cert = socket.getPeerCertificate();
        const out = { subjectCN: String(cert.subject?.CN ?? ''), protocol: socket.getProtocol() ?? '' };
        socket.end();
        res(out);
      },
    );
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', rej);
  });
}

interface HttpsAnswer {
  status: number;
  body: string;
  setCookie: string[];
}

function httpsGet(
  port: number,
  path: string,
  opts: { agent?: https.Agent; cookie?: string; ca?: string } = {},
): Promise<HttpsAnswer> {
  return new Promise((res, rej) => {
    const req = https.get(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: 'svc.test',
        ca: opts.ca ?? certs.ca,
        agent: opts.agent ?? false,
        headers: opts.cookie ? { cookie: opts.cookie } : {},
        timeout: 5000,
      },
      (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c) => {
          body += c;
        });
        r.on('end', () =>
          res({ status: r.statusCode ?? 0, body, setCookie: (r.headers['set-cookie'] as string[]) ?? [] }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
  });
}

/** `openssl s_client` with one protocol version forced; resolves with its exit code and output. */
function sClient(port: number, version: string): Promise<{ code: number; out: string }> {
  return new Promise((res) => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'svc.test',
        `-${version}`,
        // Let the client offer old versions at all (Debian's default security level forbids them).
        '-cipher',
        'DEFAULT:@SECLEVEL=0',
      ],
      { timeout: 10_000 },
      (err, stdout, stderr) =>
        res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin?.end('');
  });
}

async function lbId(name: string): Promise<string> {
  const [lb] = await engine.listContainers(labelFilter(tenant, name, 'lb'));
  if (!lb) throw new Error(`no load balancer for ${name}`);
  return lb.id;
}

describe('https (TLS passthrough)', () => {
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    const r = await svcT([
      'create',
      '--name',
      'pass',
      '--image',
      TLS_IMAGE,
      '--service-port',
      String(port),
      '--container-port',
      '8443',
      '--protocol',
      'https',
      '--replicas',
      '2',
      '--health-check-interval',
      '1',
      '--fip',
      '127.0.0.1',
      '--wait',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it("the client sees each replica's own certificate, in turn", async () => {
    const hosts = await replicaHostnames(tenant, 'pass');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await peerCertificate(port)).subjectCN);
    expect([...seen].sort()).toEqual([...hosts.keys()].sort());
  });

  it('health checks pass with the SSL hello check', async () => {
    const lb = await lbId('pass');
    const cfg = await engine.exec(lb, ['cat', '/usr/local/etc/haproxy/haproxy.cfg']);
    expect(cfg.stdout).toContain('option ssl-hello-chk');
    const servers = await lbServers(lb);
    expect(servers.map((s) => [s.server, s.status, s.check]).sort()).toEqual([
      ['r1', 'UP', 'L6OK'],
      ['r2', 'UP', 'L6OK'],
    ]);
  });
});

describe('httpsTerm', () => {
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    const r = await svcT([
      'create',
      '--name',
      'term',
      '--image',
      HTTP_IMAGE,
      '--service-port',
      String(port),
      '--container-port',
      '80',
      '--protocol',
      'httpsTerm',
      '--ssl-cert',
      certs.leaf.pemFile,
      '--replicas',
      '2',
      '--health-check-interval',
      '1',
      '--fip',
      '127.0.0.1',
      '--wait',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).SSLCert).toMatch(
      /^subject=CN=svc\.test; notAfter=\S+Z; sha256=[0-9A-F:]{95}$/,
    );
  });

  it('presents our certificate, verified against our CA, over TLS 1.3', async () => {
    const peer = await peerCertificate(port, certs.ca);
    expect(peer).toEqual({ subjectCN: 'svc.test', protocol: 'TLSv1.3' });
  });

  it('sends plain HTTP to the replicas with X-Forwarded-Proto https and X-Forwarded-For', async () => {
    const a = await httpsGet(port, '/cgi-bin/headers');
    expect(a.status).toBe(200);
    expect(a.body).toContain('HTTP_X_FORWARDED_PROTO=https');
    const xff = a.body.match(/^HTTP_X_FORWARDED_FOR=(.*)$/m)?.[1];
    expect(xff).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // What source address a host client reaching a FIP on 127.0.0.1 appears as (docs/spec.md).
    console.log(`httpsTerm: a host client on 127.0.0.1 appears to HAProxy as ${xff}`);
  });

  it('accepts TLS 1.2 and refuses TLS 1.0 and 1.1', async () => {
    const v12 = await sClient(port, 'tls1_2');
    expect(v12.code, v12.out).toBe(0);
    expect(v12.out).toMatch(/Protocol\s*:\s*TLSv1\.2/);
    for (const v of ['tls1', 'tls1_1']) {
      const old = await sClient(port, v);
      console.log(`httpsTerm: openssl s_client -${v}: ${old.out.match(/alert [a-z ]+/)?.[0] ?? 'no alert'}`);
      expect(old.code, old.out).not.toBe(0);
      expect(old.out).toMatch(
        /alert protocol version|unsupported protocol|wrong version number|no protocols available/i,
      );
      // The handshake failed: no certificate was sent, no cipher agreed.
      expect(old.out).toContain('no peer certificate available');
      expect(old.out).toMatch(/Cipher is \(NONE\)|Cipher\s*:\s*0000/);
    }
  });

  it('update-cert swaps the certificate without dropping a connection', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const failures: string[] = [];
    let ok = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        try {
          const a = await httpsGet(port, '/', { agent, ca: certs.ca });
          if (a.status === 200) ok++;
          else failures.push(`HTTP ${a.status}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    })();
    // A fresh-connection client too: every new connection must get one of the two certificates.
    const fresh = (async () => {
      while (!stop) {
        try {
          const a = await httpsGet(port, '/', { ca: certs.ca });
          if (a.status !== 200) failures.push(`fresh: HTTP ${a.status}`);
        } catch (err) {
          failures.push(`fresh: ${(err as Error).message}`);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const r = await svcT(['update-cert', '--ssl-cert', certs.renewed.pemFile, 'term']);
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all([load, fresh]);
    agent.destroy();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [service] = JSON.parse(r.stdout);
    expect(service.SSLCert).toMatch(/^subject=CN=svc-renewed\.test; /);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(5);
    await waitFor('the new certificate on new connections', 10_000, async () =>
      (await peerCertificate(port, certs.ca)).subjectCN === 'svc-renewed.test' ? true : undefined,
    );
    const inspect = await svcT(['inspect', 'term']);
    expect(JSON.parse(inspect.stdout)[0].SSLCert).toMatch(/^subject=CN=svc-renewed\.test; /);
  });

  it('update-cert refuses an expired or mismatched certificate, and keeps the current one', async () => {
    const expired = await svcT(['update-cert', '--ssl-cert', certs.expired.pemFile, 'term']);
    expect(expired.code).toBe(2);
    expect(expired.stderr).toMatch(/expired on 2020-01-02T00:00:00Z/);
    const mismatched = await svcT(['update-cert', '--ssl-cert', certs.mismatchedPemFile, 'term']);
    expect(mismatched.code).toBe(2);
    expect(mismatched.stderr).toMatch(/the private key does not match the certificate/);
    expect((await peerCertificate(port, certs.ca)).subjectCN).toBe('svc-renewed.test');
  });

  it('update-cert refuses a service that is not httpsTerm', async () => {
    const r = await svcT(['update-cert', '--ssl-cert', certs.leaf.pemFile, 'pass']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/only httpsTerm services have a certificate/);
  });

  it('keeps the PEM readable by HAProxy only, inside the container', async () => {
    const lb = await lbId('term');
    const ls = await engine.exec(lb, ['ls', '-ln', '/usr/local/etc/haproxy/certs/']);
    expect(ls.stdout).toMatch(/^-rw-------\s+1\s+99\s+99\s.*service\.pem$/m);
    // The copy HAProxy checked before the swap holds no key material afterwards.
    const staged = await engine.exec(lb, [
      'sh',
      '-c',
      'wc -c < /usr/local/etc/haproxy/.svc-next/certs/service.pem',
    ]);
    expect(staged.stdout.trim()).toBe('0');
  });
});

describe('SSLCert checks before anything is created', () => {
  const base = (name: string) => [
    'create',
    '--name',
    name,
    '--image',
    HTTP_IMAGE,
    '--service-port',
    '8443',
    '--container-port',
    '80',
    '--protocol',
    'httpsTerm',
  ];

  it('refuses an expired certificate, naming the date; --allow-expired takes it', async () => {
    const r = await svcT([...base('old'), '--ssl-cert', certs.expired.pemFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expired on 2020-01-02T00:00:00Z');
    expect(await engine.listContainers(labelFilter(tenant, 'old'))).toEqual([]);
    const port = await freePort();
    const ok = await svcT([
      ...base('old'),
      '--service-port',
      String(port),
      '--ssl-cert',
      certs.expired.pemFile,
      '--allow-expired',
      '--fip',
      '127.0.0.1',
      '--wait',
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).SSLCert).toMatch(
      /^subject=CN=expired\.test; notAfter=2020-01-02T00:00:00Z; /,
    );
    expect((await peerCertificate(port)).subjectCN).toBe('expired.test');
  });

  it('refuses a key that does not match the certificate', async () => {
    const r = await svcT([...base('mismatch'), '--ssl-cert', certs.mismatchedPemFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the private key does not match the certificate \(CN=svc\.test\)/);
    expect(await engine.listContainers(labelFilter(tenant, 'mismatch'))).toEqual([]);
  });
});

describe('the private key never shows', () => {
  it('in any output, label or container setting', async () => {
    outputs.push((await svcT(['ls'])).stdout, (await svcT(['inspect', 'term', 'old'])).stdout);
    await svcT(['inspect', '-o', 'yaml', 'term']);
    await svcT(['ls', '-o', 'json']);
    const dry = await svcT([
      'create',
      '--dry-run',
      '-o',
      'yaml',
      '--name',
      'dry',
      '--image',
      HTTP_IMAGE,
      '--service-port',
      '443',
      '--protocol',
      'httpsTerm',
      '--ssl-cert',
      certs.leaf.pemFile,
    ]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/SSLCert: subject=CN=svc\.test; notAfter=/);
    const ids = (await engine.listContainers(labelFilter(tenant))).map((c) => c.id);
    expect(ids.length).toBeGreaterThan(0);
    const { stdout: inspected } = await run('docker', ['inspect', ...ids], { maxBuffer: 64 * 1024 * 1024 });
    const { stdout: logs } = await run('docker', ['logs', await lbId('term')]);
    const all = [...outputs, inspected, logs].join('\n');
    expect(all).toContain('svc.test');
    // The replicas of the passthrough service made their own keys; ours are the ones we gave svc.
    expect(keyLeaks(certs, all)).toEqual([]);
  });
});

describe('examples/https-term.yaml, as written (on a free port)', () => {
  it('serves HTTPS with the certificate given by --ssl-cert', async () => {
    const port = await freePort();
    const r = await svcT([
      'create',
      '-f',
      join(import.meta.dirname, '../../examples/https-term.yaml'),
      '--ssl-cert',
      certs.leaf.pemFile,
      '--service-port',
      String(port),
      '--wait',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const a = await httpsGet(port, '/cgi-bin/headers');
    expect(a.body).toContain('HTTP_X_FORWARDED_PROTO=https');
    expect(keyLeaks(certs, r.stdout + r.stderr)).toEqual([]);
  });
});
