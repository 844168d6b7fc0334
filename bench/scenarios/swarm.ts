/** `swarm`: svc on Swarm against docker service create (synchronous, and its tasks polled) and Swarm's floor, paired. */
import { budget, cell, fmt, ratioCell, ratioMedian, type Scenario, table, target } from '../lib/report.js';
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
    const raw: Record<number, Runs> = {};
    const rows: string[][] = [];
    for (const n of [2, 10]) {
      const m: Runs = { svc: [], swarm: [], swarmSync: [], floor: [] };
      for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
        const s = await svcSwarmReady(n);
        const w = await swarmReady(n);
        const f = await swarmFloorReady(n);
        m.svc.push(s.ready);
        m.swarm.push(w.ready);
        m.swarmSync.push(w.cmd);
        m.floor.push(f);
        log(
          `swarm n=${n} run ${i + 1}: svc ${fmt(s.ready, 's')}, docker service create ${fmt(w.cmd, 's')} (tasks answer ${fmt(w.ready, 's')}), floor ${fmt(f, 's')}`,
        );
      }
      raw[n] = m;
      rows.push(...rowsOf(n, m));
      out.targets.push(
        target(
          `swarm: svc create --wait ≤ 0.5× docker service create (${n} replicas)`,
          ratioMedian(m.svc, m.swarmSync),
          0.5,
        ),
      );
    }
    out.raw.swarm = raw;
    out.tables.push(
      table(
        'On Swarm: time to ready (command start → every replica answered once)',
        ['replicas', 'tool', 'median (min–max)', 'svc / this (same run)'],
        rows,
      ),
    );
  },
};
