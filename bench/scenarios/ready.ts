/** `ready`: time to ready of svc, Swarm, compose + HAProxy and the engine's floor, one after the other in each run. */
import { composeReady } from '../lib/compose.js';
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
import { ensureTool, log } from '../lib/run.js';
import { floorReady, svcReady } from '../lib/svc.js';
import { ensureSwarm, swarmReady } from '../lib/swarm.js';

interface Runs {
  svc: number[];
  svcCmd: number[];
  swarm: number[];
  swarmSync: number[];
  compose: number[];
  floor: number[];
}

function rowsOf(n: number, m: Runs): string[][] {
  return [
    [`${n}`, 'svc create --wait', cell(m.svc, 's'), '–'],
    [`${n}`, 'docker service create (tasks answer)', cell(m.swarm, 's'), ratioCell(m.svc, m.swarm)],
    [
      `${n}`,
      'docker service create (command returns)',
      cell(m.swarmSync, 's'),
      ratioCell(m.svc, m.swarmSync),
    ],
    [`${n}`, 'docker-compose up -d --scale + HAProxy', cell(m.compose, 's'), ratioCell(m.svc, m.compose)],
    [
      `${n}`,
      `floor: network + ${n + 1} × docker run -d, in parallel`,
      cell(m.floor, 's'),
      ratioCell(m.svc, m.floor),
    ],
  ];
}

export const ready: Scenario = {
  name: 'ready',
  about: 'time to ready (2 and 10 replicas): svc, docker service create, docker-compose + HAProxy, floor',
  async run(opts, out) {
    const b = budget('ready', 1500, opts);
    await ensureSwarm();
    await ensureTool('docker-compose', 'docker-compose');
    const keys = ['svc', 'svcCmd', 'swarm', 'swarmSync', 'compose', 'floor'] as const;
    const byCount = await sampleByCount(
      keys,
      [2, 10],
      opts.runs,
      () => b.ok(out.notes),
      async (n, run) => {
        const s = await svcReady(n);
        const w = await swarmReady(n);
        const c = await composeReady(n);
        const floor = await floorReady(n);
        log(
          `ready n=${n} run ${run}: svc ${fmt(s.ready, 's')}, swarm ${fmt(w.ready, 's')} (sync ${fmt(w.cmd, 's')}), compose ${fmt(c.ready, 's')}`,
        );
        return { svc: s.ready, svcCmd: s.cmd, swarm: w.ready, swarmSync: w.cmd, compose: c.ready, floor };
      },
    );
    const rows = [...byCount].flatMap(([n, m]) => rowsOf(n, m));
    for (const [n, m] of byCount) {
      out.targets.push(
        target(`time to ready ≤ 0.5× swarm (${n} replicas)`, ratioMedian(m.svc, m.swarm), 0.5),
        target(`time to ready ≤ 0.5× compose (${n} replicas)`, ratioMedian(m.svc, m.compose), 0.5),
      );
    }
    out.raw.ready = Object.fromEntries(byCount);
    out.tables.push(
      table(
        'Time to ready (command start → every replica answered once)',
        ['replicas', 'tool', 'median (min–max)', 'svc / this (same run)'],
        rows,
      ),
    );
  },
};
