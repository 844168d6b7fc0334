/** `floor`: svc create --wait against the engine's floor (network + N+1 × docker run -d), paired in each run. */
import {
  budget,
  cell,
  diffCell,
  fmt,
  ratioCell,
  ratioMedian,
  type Scenario,
  sampleByCount,
  table,
  target,
} from '../lib/report.js';
import { log } from '../lib/run.js';
import { floorReady, svcReady } from '../lib/svc.js';

export const floor: Scenario = {
  name: 'floor',
  about: 'svc create --wait (2 and 10 replicas) against network + N+1 × docker run -d in parallel',
  async run(opts, out) {
    const b = budget('floor', 600, opts);
    const byCount = await sampleByCount(
      ['svc', 'floor'],
      [2, 10],
      opts.runs,
      () => b.ok(out.notes),
      async (n, run) => {
        // Which goes first alternates: neither always runs right after the other's removal, which
        // the engine may still be finishing.
        const [f, s] =
          run % 2 === 0
            ? [await floorReady(n), await svcReady(n)]
            : await svcReady(n).then(async (first) => [await floorReady(n), first] as const);
        log(`floor n=${n} run ${run}: svc create --wait ${fmt(s.cmd, 's')}, floor ${fmt(f, 's')}`);
        return { svc: s.cmd, floor: f };
      },
    );
    const rows: string[][] = [];
    for (const [n, m] of byCount) {
      rows.push(
        [`${n}`, 'svc create --wait (returns)', cell(m.svc, 's'), '–', '–'],
        [
          `${n}`,
          `floor: network + ${n + 1} × docker run -d, in parallel`,
          cell(m.floor, 's'),
          ratioCell(m.svc, m.floor),
          diffCell(m.svc, m.floor, 'ms'),
        ],
      );
      out.targets.push(
        target(`svc create --wait ≤ 1.25× the floor (${n} replicas)`, ratioMedian(m.svc, m.floor), 1.25),
      );
    }
    out.raw.floor = Object.fromEntries(byCount);
    out.tables.push(
      table(
        'svc create --wait against the engine floor',
        ['replicas', 'what', 'median (min–max)', 'svc / this (same run)', 'svc − this (same run)'],
        rows,
      ),
    );
  },
};
