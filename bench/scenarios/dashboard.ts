/**
 * `dashboard`: what the open pages of svc serve's dashboard cost the engine and the server. Two
 * services of two replicas; a fresh `svc serve` (traced by bench/engine-trace.cjs) with 0, 1 and
 * then 10 pages open on its live feed (each an SSE client with its own session, as a browser's
 * EventSource is: the server cannot tell them apart); after a warm-up, a window of WINDOW_S
 * seconds between two marks of the trace: engine calls by kind, the server's CPU time, what the
 * pages were sent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budget, cell, type Out, type Scenario, table } from '../lib/report.js';
import { docker, freePort, log, must, ROOT, SVC_BIN, SVC_ENV, sleep, TENANT } from '../lib/run.js';
import { svcCreate } from '../lib/svc.js';

const WINDOW_S = 60;
const WARM_S = 8;
const PAGES = [0, 1, 10];

interface Mark {
  calls: number;
  byKind: Record<string, number>;
  cpuMs: number;
  ms: number;
}

interface Traced {
  child: ChildProcess;
  port: number;
  /** Ask for a mark and wait for it. */
  mark(): Promise<Mark>;
}

function startTraced(env: NodeJS.ProcessEnv): Promise<Traced> {
  return freePort().then(
    (port) =>
      new Promise((res, rej) => {
        const trace = join(ROOT, 'bench/engine-trace.cjs');
        const args = ['-r', trace, SVC_BIN, 'serve', '--insecure-http', '--listen', `127.0.0.1:${port}`];
        const child = spawn(process.execPath, args, {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let buf = '';
        const waiting: Array<(m: Mark) => void> = [];
        child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
          buf += chunk;
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.startsWith('engine-trace ')) waiting.shift()?.(JSON.parse(line.slice(13)) as Mark);
            if (line.includes('"msg":"listening"')) res({ child, port, mark });
            nl = buf.indexOf('\n');
          }
        });
        child.on('exit', (code) => rej(new Error(`svc serve exited ${code}`)));
        function mark(): Promise<Mark> {
          return new Promise((r) => {
            waiting.push(r);
            child.kill('SIGUSR2');
          });
        }
      }),
  );
}

/** A session cookie from the sign-in form. */
async function signIn(port: number, secret: string): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `key=${encodeURIComponent(secret)}`,
  });
  const cookie = r.headers.get('set-cookie')?.split(';')[0];
  if (r.status !== 303 || !cookie) throw new Error(`sign-in refused: ${r.status}`);
  return cookie;
}

/** A page's feed: resolves once its first state came; counts what it is sent. */
function openFeed(port: number, cookie: string): Promise<{ bytes: () => number; close: () => void }> {
  return new Promise((res, rej) => {
    let bytes = 0;
    const req = http.get(
      { host: '127.0.0.1', port, path: '/ui/events', headers: { cookie }, agent: false },
      (r) => {
        if (r.statusCode !== 200) rej(new Error(`feed refused: ${r.statusCode}`));
        let first = true;
        r.on('data', (c: Buffer) => {
          bytes += c.length;
          if (first && c.toString().includes('event: state')) {
            first = false;
            res({ bytes: () => bytes, close: () => req.destroy() });
          }
        });
      },
    );
    req.on('error', () => undefined);
  });
}

/**
 * CPU time (ms) the load balancers' containers used so far, the counters' execs included (they
 * run in the container's cgroup); undefined where the cgroup cannot be read (not cgroup v1's
 * cpuacct or v2's systemd scopes here, or a remote engine).
 */
function lbCpuMs(ids: string[]): number | undefined {
  let total = 0;
  for (const id of ids) {
    const v1 = `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`;
    const v2 = `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`;
    if (existsSync(v1)) total += Number(readFileSync(v1, 'utf8')) / 1e6;
    else if (existsSync(v2)) total += Number(/usage_usec (\d+)/.exec(readFileSync(v2, 'utf8'))?.[1]) / 1e3;
    else return undefined;
  }
  return total;
}

interface Window {
  pages: number;
  calls: number;
  execs: number;
  lists: number;
  other: number;
  cpuMs: number;
  lbCpuMs: number | undefined;
  sentKb: number;
}

async function measure(
  pages: number,
  env: NodeJS.ProcessEnv,
  secret: string,
  lbs: string[],
): Promise<Window> {
  const server = await startTraced(env);
  const feeds: Array<Awaited<ReturnType<typeof openFeed>>> = [];
  try {
    for (let i = 0; i < pages; i++)
      feeds.push(await openFeed(server.port, await signIn(server.port, secret)));
    await sleep(WARM_S * 1000);
    const a = await server.mark();
    const lb0 = lbCpuMs(lbs);
    const sent0 = feeds.reduce((n, f) => n + f.bytes(), 0);
    await sleep(WINDOW_S * 1000);
    const b = await server.mark();
    const lb1 = lbCpuMs(lbs);
    const sent = feeds.reduce((n, f) => n + f.bytes(), 0) - sent0;
    const perMin = (x: number) => (x * 60_000) / (b.ms - a.ms);
    const grew = (k: string) => (b.byKind[k] ?? 0) - (a.byKind[k] ?? 0);
    const kinds = new Set([...Object.keys(a.byKind), ...Object.keys(b.byKind)]);
    const execs = [...kinds].filter((k) => k.includes('/exec')).reduce((n, k) => n + grew(k), 0);
    const lists = grew('GET /containers/json');
    log(
      `dashboard ${pages} pages: ${JSON.stringify(Object.fromEntries([...kinds].map((k) => [k, grew(k)]).filter(([, n]) => n)))}`,
    );
    return {
      pages,
      calls: perMin(b.calls - a.calls),
      execs: perMin(execs),
      lists: perMin(lists),
      other: perMin(b.calls - a.calls - execs - lists),
      cpuMs: perMin(b.cpuMs - a.cpuMs),
      lbCpuMs: lb0 === undefined || lb1 === undefined ? undefined : perMin(lb1 - lb0),
      sentKb: perMin(sent / 1024),
    };
  } finally {
    for (const f of feeds) f.close();
    server.child.kill('SIGTERM');
  }
}

function report(runs: Window[][], out: Out): void {
  out.raw.dashboard = runs;
  const rows = PAGES.map((pages, i) => {
    const col = (k: keyof Window) => runs.map((r) => r[i]?.[k]).filter((x) => x !== undefined) as number[];
    const n = (k: keyof Window) => cell(col(k).map((x) => Math.round(x)));
    return [
      String(pages),
      n('calls'),
      n('execs'),
      n('lists'),
      n('other'),
      cell(col('cpuMs'), 'ms'),
      cell(col('lbCpuMs'), 'ms'),
      n('sentKb'),
    ];
  });
  out.tables.push(
    table(
      `svc serve's dashboard: cost a minute by pages open (2 services × 2 replicas, ${WINDOW_S} s windows, ${runs.length} runs)`,
      [
        'pages open',
        'engine calls/min',
        'of them exec calls',
        'container lists',
        'other calls',
        'server CPU/min',
        'load balancers’ CPU/min',
        'KiB/min to the pages',
      ],
      rows,
    ),
  );
}

export const dashboard: Scenario = {
  name: 'dashboard',
  about: "svc serve's dashboard: engine calls and server CPU a minute with 0, 1 and 10 pages open",
  async run(opts, out) {
    const b = budget('dashboard', 600, opts);
    const dir = mkdtempSync(join(tmpdir(), 'svc-bench-dash-'));
    const env = { ...SVC_ENV, SVC_CONFIG_DIR: join(dir, 'config') };
    try {
      for (const name of ['dash-a', 'dash-b']) {
        const r = await svcCreate(name, 2);
        if (r.code !== 0) throw new Error(`svc create failed: ${r.stderr.slice(0, 400)}`);
      }
      const key = await must(process.execPath, [SVC_BIN, 'serve', 'keys', 'create', '--tenant', TENANT], {
        env,
      });
      const secret = (JSON.parse(key.stdout) as { SecretKey: string }).SecretKey;
      const lbs = (
        await docker([
          'ps',
          '-q',
          '--no-trunc',
          '--filter',
          `label=io.svc.tenant=${TENANT}`,
          '--filter',
          'label=io.svc.role=lb',
        ])
      ).stdout
        .split(/\s+/)
        .filter(Boolean);
      const runs: Window[][] = [];
      for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
        const run: Window[] = [];
        for (const pages of PAGES) run.push(await measure(pages, env, secret, lbs));
        runs.push(run);
      }
      report(runs, out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
