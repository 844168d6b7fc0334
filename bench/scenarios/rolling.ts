/**
 * `rolling`: svc rolling-update against Swarm's start-first update of the same replicas
 * (`docker service update --update-order start-first --update-parallelism P`), paired in each run,
 * for P = 1 (both tools' default order of one at a time) and the parallelism variants.
 */
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
import { HTTP_IMAGE, log, must, TAG } from '../lib/run.js';
import { svcRolling } from '../lib/svc.js';
import { ensureSwarm, swarmRolling } from '../lib/swarm.js';

/** Replicas of the service that is updated (the count the issue's reference measured). */
const REPLICAS = 6;
/** The parallelism variants, each measured for both tools. */
const PARALLELISM = [1, 2, 3] as const;
/** The second image a run updates to: the test image under another tag. */
const NEXT_IMAGE = `svc-test/http:bench-next-${TAG}`;

type Key = `svc${(typeof PARALLELISM)[number]}` | `swarm${(typeof PARALLELISM)[number]}`;
const KEYS = PARALLELISM.flatMap((p) => [`svc${p}`, `swarm${p}`] as Key[]);

function rowsOf(n: number, m: Record<Key, number[]>): string[][] {
  return PARALLELISM.flatMap((p) => [
    [`${n}`, `${p}`, `svc rolling-update${p > 1 ? ` --parallelism ${p}` : ''}`, cell(m[`svc${p}`], 's'), '–'],
    [
      `${n}`,
      `${p}`,
      `docker service update --update-order start-first --update-parallelism ${p}`,
      cell(m[`swarm${p}`], 's'),
      ratioCell(m[`svc${p}`], m[`swarm${p}`]),
    ],
  ]);
}

export const rolling: Scenario = {
  name: 'rolling',
  about: `svc rolling-update (${REPLICAS} replicas, --parallelism ${PARALLELISM.join('/')}) against docker service update --update-order start-first, same parallelism (one-node swarm)`,
  async run(opts, out) {
    const b = budget('rolling', 1500, opts);
    await ensureSwarm();
    await must('docker', ['tag', HTTP_IMAGE, NEXT_IMAGE]);
    const images = [NEXT_IMAGE, HTTP_IMAGE];
    try {
      const byCount = await sampleByCount(
        KEYS,
        [REPLICAS],
        opts.runs,
        () => b.ok(out.notes),
        async (n, run) => {
          const s = await svcRolling(n, images, PARALLELISM);
          const w = await swarmRolling(n, images, PARALLELISM);
          const r = {} as Record<Key, number>;
          PARALLELISM.forEach((p, i) => {
            r[`svc${p}`] = s[i] as number;
            r[`swarm${p}`] = w[i] as number;
          });
          log(
            `rolling n=${n} run ${run}: ${PARALLELISM.map((p, i) => `p${p} svc ${fmt(s[i], 's')} swarm ${fmt(w[i], 's')}`).join(', ')}`,
          );
          return r;
        },
      );
      for (const [n, m] of byCount)
        out.targets.push(
          target(
            `svc rolling-update ≤ 1.0× Swarm's start-first update (${n} replicas, parallelism 1)`,
            ratioMedian(m.svc1, m.swarm1),
            1,
          ),
        );
      out.raw.rolling = Object.fromEntries(byCount);
      out.tables.push(
        table(
          "Rolling update: svc against Swarm's start-first update (command start → it returned)",
          ['replicas', 'parallelism', 'tool', 'median (min–max)', 'svc / this (same run)'],
          [...byCount].flatMap(([n, m]) => rowsOf(n, m)),
        ),
      );
    } finally {
      await must('docker', ['rmi', NEXT_IMAGE]).catch(() => undefined);
    }
  },
};
