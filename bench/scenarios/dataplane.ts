/** `dataplane`: wrk through svc's load balancer (2 replicas) against one replica's own port, keep-alive and fresh connections. */
import {
  budget,
  cell,
  fmt,
  type Out,
  ratioCell,
  ratioMedian,
  type Scenario,
  table,
  target,
} from '../lib/report.js';
import {
  docker,
  ensureTool,
  freePort,
  HTTP_IMAGE,
  log,
  must,
  now,
  pollDistinct,
  sh,
  TAG,
} from '../lib/run.js';
import { svcCleanup, svcCreate } from '../lib/svc.js';

interface Wrk {
  rps: number;
  /** ms */
  p50: number | undefined;
  p99: number | undefined;
  errors: number;
}

/** wrk: requests/s, p50 and p99 in ms, errors (socket errors and non-2xx/3xx answers). */
async function wrk(url: string, seconds: number, extra: string[] = []): Promise<Wrk> {
  const args = ['-t2', '-c16', `-d${seconds}s`, '--timeout', '5s', '--latency', ...extra, url];
  const r = await sh('wrk', args, { timeoutMs: (seconds + 30) * 1000 });
  const ms = (v: string, u: string | undefined) => Number(v) * (u === 'us' ? 0.001 : u === 's' ? 1000 : 1);
  const pct = (p: number) => {
    const x = r.stdout.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`));
    return x?.[1] ? ms(x[1], x[2]) : undefined;
  };
  const sock = r.stdout.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = Number(r.stdout.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  return {
    rps: Number(r.stdout.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? Number.NaN),
    p50: pct(50),
    p99: pct(99),
    errors: non2xx + (sock ? sock.slice(1).reduce((a, x) => a + Number(x), 0) : 0),
  };
}

const MODES: Array<[mode: string, wrkArgs: string[]]> = [
  ['keep-alive', []],
  ['fresh connection', ['-H', 'Connection: close']],
];

/** Runs one mode against both targets; its table rows. */
async function mode(
  name: string,
  extra: string[],
  urls: { lb: string; direct: string },
  runs: { count: number; ok: () => boolean; duration: number },
  out: Out,
): Promise<{ raw: { svc: Wrk[]; direct: Wrk[] }; rows: string[][] }> {
  const m = { svc: [] as Wrk[], direct: [] as Wrk[] };
  for (let i = 0; i < runs.count && runs.ok(); i++) {
    const s = await wrk(urls.lb, runs.duration, extra);
    const d = await wrk(urls.direct, runs.duration, extra);
    m.svc.push(s);
    m.direct.push(d);
    log(`dataplane ${name} run ${i + 1}: svc ${fmt(s.rps, 'rps')} req/s, direct ${fmt(d.rps, 'rps')} req/s`);
  }
  const f = (xs: Wrk[], k: 'rps' | 'p50' | 'p99') => xs.map((x) => x[k]);
  const rows: string[][] = [];
  for (const [who, xs] of [
    ['svc LB (2 replicas)', m.svc],
    ['direct (1 replica)', m.direct],
  ] as const) {
    const errors = String(xs.reduce((a, x) => a + x.errors, 0));
    rows.push([
      name,
      who,
      cell(f(xs, 'rps'), 'rps'),
      cell(f(xs, 'p50'), 'ms'),
      cell(f(xs, 'p99'), 'ms'),
      errors,
    ]);
  }
  const ratio = (k: 'rps' | 'p50' | 'p99') => ratioCell(f(m.svc, k), f(m.direct, k));
  rows.push([name, '**svc / direct**', ratio('rps'), ratio('p50'), ratio('p99'), '']);
  if (name === 'keep-alive') {
    out.targets.push(
      target(
        'LB throughput ≥ 0.8× direct (keep-alive)',
        ratioMedian(f(m.svc, 'rps'), f(m.direct, 'rps')),
        0.8,
        '≥',
      ),
      target('LB p99 ≤ 2× direct (keep-alive)', ratioMedian(f(m.svc, 'p99'), f(m.direct, 'p99')), 2),
    );
  }
  return { raw: m, rows };
}

export const dataplane: Scenario = {
  name: 'dataplane',
  about:
    'wrk through the load balancer (2 replicas) against one replica’s own port, keep-alive and fresh connections',
  async run(opts, out) {
    const b = budget('dataplane', 900, opts);
    await ensureTool('wrk', 'wrk');
    const port = await freePort();
    const c = await svcCreate('dp', 2, port);
    if (c.code !== 0) throw new Error(`svc create failed: ${c.stderr.slice(0, 400)}`);
    const direct = `svc-bench-direct-${TAG}`;
    await must('docker', ['run', '-d', '--name', direct, '-p', '127.0.0.1::80', HTTP_IMAGE]);
    try {
      const dport = (await must('docker', ['port', direct, '80/tcp'])).stdout.match(/:(\d+)/)?.[1];
      const urls = { lb: `http://127.0.0.1:${port}/`, direct: `http://127.0.0.1:${dport}/` };
      await pollDistinct(async () => [urls.direct], 1, now() + 30_000);
      const runs = { count: opts.runs, ok: () => b.ok(out.notes), duration: opts.duration };
      const raw: Record<string, unknown> = {};
      const rows: string[][] = [];
      for (const [name, extra] of MODES) {
        const r = await mode(name, extra, urls, runs, out);
        raw[name] = r.raw;
        rows.push(...r.rows);
      }
      out.raw.dataplane = raw;
      out.tables.push(
        table(
          `Data plane (wrk -t2 -c16 -d${opts.duration}s, 127.0.0.1)`,
          ['mode', 'target', 'requests/s', 'p50', 'p99', 'errors (all runs)'],
          rows,
        ),
      );
    } finally {
      await docker(['rm', '-f', direct]);
      await svcCleanup();
    }
  },
};
