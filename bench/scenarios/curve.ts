/** `curve`: time to ready of svc and Swarm by replica count (--counts), drawn in docs/bench-scaling.svg. */
import { join } from 'node:path';
import { writeScalingSvg } from '../lib/chart.js';
import {
  budget,
  cell,
  fmt,
  ratioCell,
  type Scenario,
  sampleByCount,
  stat,
  table,
  target,
} from '../lib/report.js';
import { log, ROOT } from '../lib/run.js';
import { svcReady } from '../lib/svc.js';
import { ensureSwarm, swarmReady } from '../lib/swarm.js';

type ByCount = Record<number, number[]>;

const medianAt = (by: ByCount, n: number): number | undefined => stat(by[n] ?? [])?.median;

export const curve: Scenario = {
  name: 'curve',
  about: 'time to ready by replica count (--counts) for svc and Swarm, drawn in docs/bench-scaling.svg',
  async run(opts, out) {
    const b = budget('curve', 2400, opts);
    await ensureSwarm();
    const keys = ['svc', 'swarm', 'swarmSync'] as const;
    const byCount = await sampleByCount(
      keys,
      opts.counts,
      opts.curveRuns,
      () => b.ok(out.notes),
      async (n, run) => {
        const s = await svcReady(n);
        const w = await swarmReady(n);
        log(`curve n=${n} run ${run}: svc ${fmt(s.ready, 's')}, swarm ${fmt(w.ready, 's')}`);
        return { svc: s.ready, swarm: w.ready, swarmSync: w.cmd };
      },
    );
    const byKey = (k: (typeof keys)[number]): ByCount =>
      Object.fromEntries([...byCount].map(([n, m]) => [n, m[k]]));
    const raw = {
      counts: opts.counts,
      svc: byKey('svc'),
      swarm: byKey('swarm'),
      swarmSync: byKey('swarmSync'),
    };
    const rows = [...byCount].map(([n, m]) => [
      `${n}`,
      cell(m.svc, 's'),
      cell(m.swarm, 's'),
      cell(m.swarmSync, 's'),
      ratioCell(m.svc, m.swarm),
    ]);
    const [lo, hi] = [medianAt(raw.svc, 5), medianAt(raw.svc, 50)];
    if (lo && hi) out.targets.push(target('50 replicas ≤ 5× the time of 5 (svc)', hi / lo, 5));
    const [wlo, whi] = [medianAt(raw.swarm, 5), medianAt(raw.swarm, 50)];
    if (wlo && whi) out.notes.push(`swarm: 50 replicas took ${fmt(whi / wlo, 'x')} the time of 5`);
    out.raw.curve = raw;
    out.tables.push(
      table(
        'Scaling curve: time to ready by replica count',
        ['replicas', 'svc', 'swarm (tasks answer)', 'swarm (command returns)', 'svc / swarm'],
        rows,
      ),
    );
    const svgPath = join(ROOT, 'docs', 'bench-scaling.svg');
    const points = (by: ByCount) => opts.counts.map((n) => medianAt(by, n));
    writeScalingSvg(svgPath, opts.counts, [
      { name: 'svc create --wait', color: '#1f77b4', points: points(raw.svc) },
      { name: 'swarm (tasks answer)', color: '#d62728', points: points(raw.swarm) },
      { name: 'swarm (command returns)', color: '#ff7f0e', points: points(raw.swarmSync) },
    ]);
    out.files.push(svgPath);
  },
};
