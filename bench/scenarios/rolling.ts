/**
 * `rolling`: svc rolling-update against Swarm's start-first update of the same replicas
 * (`docker service update --update-order start-first --update-parallelism P`), paired in each run,
 * for P = 1 (both tools' default order of one at a time) and the parallelism variants; and, at
 * P = 1, of an app that ignores SIGTERM (each tool's default grace, 10 s): what a command holds
 * for the replicas it replaced, which a well-behaved test app hides.
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
import { HTTP_IMAGE, log, must, STUBBORN_IMAGE, TAG } from '../lib/run.js';
import { svcRolling } from '../lib/svc.js';
import { ensureSwarm, swarmRolling } from '../lib/swarm.js';

/** Replicas of the service that is updated (the count the issue's reference measured). */
const REPLICAS = 6;
/** The parallelism variants, each measured for both tools. */
const PARALLELISM = [1, 2, 3] as const;
/** The second image a run updates to: the test image under another tag. */
const NEXT_IMAGE = `svc-test/http:bench-next-${TAG}`;

/** The stubborn app's next release: the same image under another tag. */
const STUBBORN_NEXT = `svc-test/stubborn:bench-next-${TAG}`;

type Variant = `${(typeof PARALLELISM)[number]}` | 'Stubborn';
type Key = `svc${Variant}` | `swarm${Variant}`;
const VARIANTS: Variant[] = [...PARALLELISM.map((p) => `${p}` as const), 'Stubborn'];
const KEYS = VARIANTS.flatMap((v) => [`svc${v}`, `swarm${v}`] as Key[]);

function rowsOf(n: number, m: Record<Key, number[]>): string[][] {
  const pair = (v: Variant, p: number, svcTool: string, swarmTool: string) => [
    [`${n}`, `${p}`, svcTool, cell(m[`svc${v}`], 's'), '–'],
    [`${n}`, `${p}`, swarmTool, cell(m[`swarm${v}`], 's'), ratioCell(m[`svc${v}`], m[`swarm${v}`])],
  ];
  const swarm = (p: number) => `docker service update --update-order start-first --update-parallelism ${p}`;
  return [
    ...PARALLELISM.flatMap((p) =>
      pair(`${p}`, p, `svc rolling-update${p > 1 ? ` --parallelism ${p}` : ''}`, swarm(p)),
    ),
    ...pair(
      'Stubborn',
      1,
      'svc rolling-update, an app that ignores SIGTERM (StopTimeout 10 s)',
      `${swarm(1)}, the same app (stop grace 10 s)`,
    ),
  ];
}

export const rolling: Scenario = {
  name: 'rolling',
  about: `svc rolling-update (${REPLICAS} replicas, --parallelism ${PARALLELISM.join('/')}; and of an app ignoring SIGTERM) against docker service update --update-order start-first, same parallelism (one-node swarm)`,
  async run(opts, out) {
    const b = budget('rolling', 1500, opts);
    await ensureSwarm();
    await must('docker', ['tag', HTTP_IMAGE, NEXT_IMAGE]);
    await must('docker', ['tag', STUBBORN_IMAGE, STUBBORN_NEXT]);
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
          // One update of a fresh service each: the next would meet the last one's replicas stopping.
          const [ss] = await svcRolling(n, [STUBBORN_NEXT], [1], STUBBORN_IMAGE);
          const [ws] = await swarmRolling(n, [STUBBORN_NEXT], [1], STUBBORN_IMAGE);
          const r = { svcStubborn: ss, swarmStubborn: ws } as Record<Key, number>;
          PARALLELISM.forEach((p, i) => {
            r[`svc${p}`] = s[i] as number;
            r[`swarm${p}`] = w[i] as number;
          });
          log(
            `rolling n=${n} run ${run}: ${PARALLELISM.map((p, i) => `p${p} svc ${fmt(s[i], 's')} swarm ${fmt(w[i], 's')}`).join(', ')}, ignoring SIGTERM svc ${fmt(ss, 's')} swarm ${fmt(ws, 's')}`,
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
          target(
            `the same, an app that ignores SIGTERM (${n} replicas, parallelism 1)`,
            ratioMedian(m.svcStubborn, m.swarmStubborn),
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
      await must('docker', ['rmi', NEXT_IMAGE, STUBBORN_NEXT]).catch(() => undefined);
    }
  },
};
