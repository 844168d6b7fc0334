/** `failover`: `docker kill` of one of 3 replicas under load: requests lost, and how soon HAProxy marks it down. */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { budget, cell, fmt, type Scenario, stat, table } from '../lib/report.js';
import { freePort, log, must, now, sleep, TENANT } from '../lib/run.js';
import { svcCleanup, svcCreate } from '../lib/svc.js';

/**
 * When HAProxy says a server is no longer UP, as svc learns it: its stderr (the workers'
 * health-check and server-state lines), followed with `docker logs -f`. Resolves with the time
 * of the first such line after `after`, or undefined at `deadline`.
 */
function firstDown(lb: string, after: number, deadline: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn('docker', ['logs', '-f', '--tail', '0', lb], { stdio: ['ignore', 'ignore', 'pipe'] });
    let rest = '';
    const done = (t: number | undefined) => {
      clearTimeout(timer);
      child.kill();
      resolve(t);
    };
    const timer = setTimeout(() => done(undefined), Math.max(0, deadline - now()));
    child.stderr.on('data', (b: Buffer) => {
      const lines = (rest + b).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        if (/Server svc_replicas\/r\d+ is DOWN|status: \d+\/\d+ DOWN|going DOWN/.test(l) && now() >= after)
          done(now());
      }
    });
  });
}

interface Request {
  /** Started at (performance.now). */
  t: number;
  ms: number;
  ok: boolean;
}

/** Bounded load: 4 keep-alive and 2 fresh-connection workers; every request timed and recorded. */
function startLoad(url: string, maxMs: number): { stop(): Promise<Request[]> } {
  const started = now();
  const events: Request[] = [];
  let stopping = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const once = (ag: http.Agent | false) =>
    new Promise<void>((res) => {
      const t = now();
      const done = (ok: boolean) => {
        events.push({ t, ms: now() - t, ok });
        res();
      };
      const req = http.get(url, { agent: ag, timeout: 10_000 }, (r) => {
        r.resume();
        r.on('end', () => done(r.statusCode === 200));
        r.on('error', () => done(false));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(false));
    });
  const worker = async (ag: http.Agent | false) => {
    while (!stopping && now() - started < maxMs && events.length < 500_000) await once(ag);
  };
  const workers = [...Array.from({ length: 4 }, () => worker(agent)), worker(false), worker(false)];
  return {
    async stop() {
      stopping = true;
      await Promise.all(workers);
      agent.destroy();
      return events;
    },
  };
}

interface Run {
  evictMs: number;
  failed: number;
  requests: number;
  slow: number;
  disruptionMs: number;
  maxMs: number;
}

/** The bench tenant's container of this role (and replica number), by label. */
async function containerOf(role: string, format: string, replica?: number): Promise<string> {
  const filters = ['--filter', `label=io.svc.tenant=${TENANT}`, '--filter', `label=io.svc.role=${role}`];
  if (replica !== undefined) filters.push('--filter', `label=io.svc.replica=${replica}`);
  return (await must('docker', ['ps', ...filters, '--format', format])).stdout.trim();
}

async function oneRun(): Promise<Run> {
  const port = await freePort();
  const c = await svcCreate('fo', 3, port);
  if (c.code !== 0) throw new Error(`svc create failed: ${c.stderr.slice(0, 400)}`);
  const lb = await containerOf('lb', '{{.ID}}');
  const victim = await containerOf('replica', '{{.Names}}', 2);
  const load = startLoad(`http://127.0.0.1:${port}/`, 40_000);
  await sleep(3000);
  const tKill = now();
  // Eviction: HAProxy says one server is no longer UP.
  const evicted = firstDown(lb, tKill, tKill + 30_000);
  await must('docker', ['kill', victim]);
  const tEvict = await evicted;
  await sleep(3000);
  const events = await load.stop();
  await svcCleanup();
  const after = events.filter((e) => e.t >= tKill);
  const slow = after.filter((e) => e.ms > 500);
  return {
    evictMs: tEvict === undefined ? Number.NaN : tEvict - tKill,
    failed: events.filter((e) => !e.ok).length,
    requests: events.length,
    slow: slow.length,
    disruptionMs: slow.length ? Math.max(...slow.map((e) => e.t + e.ms)) - tKill : 0,
    maxMs: Math.max(0, ...after.map((e) => e.ms)),
  };
}

export const failover: Scenario = {
  name: 'failover',
  about: 'docker kill of one of 3 replicas under load: failed requests, time until HAProxy marks it down',
  async run(opts, out) {
    const b = budget('failover', 900, opts);
    const raw: Run[] = [];
    for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
      const r = await oneRun();
      raw.push(r);
      log(
        `failover run ${i + 1}: evicted after ${fmt(r.evictMs, 'ms')}, ${r.failed} failed of ${r.requests}`,
      );
    }
    const f = (k: keyof Run) => raw.map((r) => r[k]);
    out.raw.failover = raw;
    const totalFailed = f('failed').reduce((a, x) => a + x, 0);
    out.targets.push({
      name: 'failover: 0 failed requests, eviction ≤ fall × interval (3 × 5 s)',
      measured: `${totalFailed} failed in ${raw.length} runs; eviction median ${fmt(stat(f('evictMs'))?.median, 'ms')}`,
      met:
        raw.length > 0 &&
        totalFailed === 0 &&
        (stat(f('evictMs'))?.max ?? Number.POSITIVE_INFINITY) <= 15_000,
    });
    out.tables.push(
      table(
        'Failover (svc, 3 replicas, `docker kill` of one under load: 4 keep-alive + 2 fresh-connection clients)',
        ['measure', 'median (min–max)'],
        [
          ['kill → HAProxy marks it down', cell(f('evictMs'), 'ms')],
          ['failed requests (per run)', cell(f('failed'))],
          ['requests per run', cell(f('requests'))],
          ['requests slower than 500 ms after the kill', cell(f('slow'))],
          ['kill → last slow request done', cell(f('disruptionMs'), 'ms')],
          ['slowest request after the kill', cell(f('maxMs'), 'ms')],
        ],
      ),
    );
  },
};
