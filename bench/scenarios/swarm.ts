/** `swarm`: svc on Swarm against docker service create (synchronous, and its tasks polled) and Swarm's floor, paired. */
import {
  budget,
  cell,
  fmt,
  ratioCell,
  ratioMedian,
  type Scenario,
  sampleByCount,
  table,
  target,
} from '../lib/report.js';
import { log } from '../lib/run.js';
import { svcSwarmReady } from '../lib/svc.js';
import { ensureSwarm, swarmFloorReady, swarmReady } from '../lib/swarm.js';

interface Runs {
  svc: number[];
  swarm: number[];
  swarmSync: number[];
  floor: number[];
}

function rowsOf(n: number, m: Runs): string[][] {
  return [
    [`${n}`, 'svc create --wait --backend swarm', cell(m.svc, 's'), '–'],
    [
      `${n}`,
      'docker service create (command returns)',
      cell(m.swarmSync, 's'),
      ratioCell(m.svc, m.swarmSync),
    ],
    [
      `${n}`,
      'docker service create -d (tasks answer, polled)',
      cell(m.swarm, 's'),
      ratioCell(m.svc, m.swarm),
    ],
    [
      `${n}`,
      `floor: new overlay network + ${n + 1} tasks on it (-d, tasks answer, polled)`,
      cell(m.floor, 's'),
      ratioCell(m.svc, m.floor),
    ],
  ];
}

export const swarm: Scenario = {
  name: 'swarm',
  about: 'svc create --wait --backend swarm against docker service create and Swarm’s floor (one-node swarm)',
  async run(opts, out) {
    const b = budget('swarm', 1200, opts);
    await ensureSwarm();
    const keys = ['svc', 'swarm', 'swarmSync', 'floor'] as const;
    const byCount = await sampleByCount(
      keys,
      [2, 10],
      opts.runs,
      () => b.ok(out.notes),
      async (n, run) => {
        const s = await svcSwarmReady(n);
        const w = await swarmReady(n);
        const f = await swarmFloorReady(n);
        log(
          `swarm n=${n} run ${run}: svc ${fmt(s.ready, 's')}, docker service create ${fmt(w.cmd, 's')} (tasks answer ${fmt(w.ready, 's')}), floor ${fmt(f, 's')}`,
        );
        return { svc: s.ready, swarm: w.ready, swarmSync: w.cmd, floor: f };
      },
    );
    const rows = [...byCount].flatMap(([n, m]) => rowsOf(n, m));
    for (const [n, m] of byCount) {
      out.targets.push(
        target(
          `swarm: svc create --wait ≤ 0.5× docker service create (${n} replicas)`,
          ratioMedian(m.svc, m.swarmSync),
          0.5,
        ),
      );
    }
    out.raw.swarm = Object.fromEntries(byCount);
    out.tables.push(
      table(
        'On Swarm: time to ready (command start → every replica answered once)',
        ['replicas', 'tool', 'median (min–max)', 'svc / this (same run)'],
        rows,
      ),
    );
  },
};
