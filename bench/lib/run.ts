/**
 * What every scenario runs on: the bench's own tenant and names, running commands (svc, docker,
 * anything) with a time bound, free loopback ports, and polling a service until its replicas
 * answered. Every traffic goes to 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** The repository: two levels up from this file, and from its bundle (bench/.build/bench.mjs). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SVC_BIN = join(ROOT, 'bin/svc.js');
export const HTTP_IMAGE = 'svc-test/http:local';
/** The same app ignoring SIGTERM (only SIGKILL, after the grace, stops it), as many real ones do. */
export const STUBBORN_IMAGE = 'svc-test/stubborn:local';
export const LB_IMAGE = 'svc-test/haproxy:local';
/** The bench's svc tenant (removed by label at the end) and a tag for the names it makes. */
export const TENANT = `bec0${randomBytes(14).toString('hex')}`;
export const TAG = randomBytes(3).toString('hex');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time, ms. */
  ms: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export const now = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const log = (m: string): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
};

/** Run a command; never rejects; killed after timeoutMs (default 5 minutes). */
export function sh(cmd: string, args: string[], opts: RunOptions = {}): Promise<Ran> {
  return new Promise((done) => {
    const t0 = now();
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr), ms: now() - t0 });
      },
    );
  });
}

/** As sh, but a non-zero exit throws with the command and its stderr. */
export async function must(cmd: string, args: string[], opts?: RunOptions): Promise<Ran> {
  const r = await sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  return r;
}

export const SVC_ENV: NodeJS.ProcessEnv = { SVC_TENANT: TENANT, SVC_LB_IMAGE: LB_IMAGE, NO_COLOR: '1' };
export const svc = (args: string[], timeoutMs = 300_000): Promise<Ran> =>
  sh(process.execPath, [SVC_BIN, ...args], { env: SVC_ENV, timeoutMs });
export const docker = (args: string[], timeoutMs?: number): Promise<Ran> =>
  sh('docker', args, timeoutMs === undefined ? {} : { timeoutMs });

/** Installs a Debian package when its command is missing (needs root). */
export async function ensureTool(bin: string, pkg: string): Promise<void> {
  if ((await sh('sh', ['-c', `command -v ${bin}`])).code === 0) return;
  log(`installing ${pkg} (apt-get)`);
  await sh('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
  await must('apt-get', ['install', '-y', '-qq', pkg], {
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    timeoutMs: 600_000,
  });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => res(port));
    });
  });
}

/** One GET on a fresh connection: the trimmed body on 200, else undefined. */
export function getOnce(url: string, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((res) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => {
        body += c;
      });
      r.on('end', () => res(r.statusCode === 200 ? body.trim() : undefined));
      r.on('error', () => res(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => res(undefined));
  });
}

/**
 * Poll until `want` distinct hostnames have answered. `urls()` gives the URLs to poll now (it may
 * change as ports appear). Resolves the time (performance.now) all were seen, or undefined at the
 * deadline.
 */
export async function pollDistinct(
  urls: () => Promise<string[]>,
  want: number,
  deadline: number,
): Promise<number | undefined> {
  const seen = new Set<string>();
  while (now() < deadline) {
    const list = await urls();
    const bodies = await Promise.all(list.map((u) => getOnce(u)));
    for (const b of bodies) if (b) seen.add(b);
    if (seen.size >= want) return now();
    await sleep(list.length ? 20 : 100);
  }
  return undefined;
}
