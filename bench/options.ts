/**
 * The bench's command line: the scenarios (bench/scenarios/, one file each) in the order they
 * run, the usage text made from them, and the options parsed.
 */
import type { Options, Scenario } from './lib/report.js';
import { cli } from './scenarios/cli.js';
import { curve } from './scenarios/curve.js';
import { dashboard } from './scenarios/dashboard.js';
import { dataplane } from './scenarios/dataplane.js';
import { failover } from './scenarios/failover.js';
import { floor } from './scenarios/floor.js';
import { hostPath } from './scenarios/host-path.js';
import { ready } from './scenarios/ready.js';
import { rolling } from './scenarios/rolling.js';
import { scale } from './scenarios/scale.js';
import { swarm } from './scenarios/swarm.js';

/** Every scenario, in the order they run. */
export const SCENARIOS: Scenario[] = [
  floor,
  rolling,
  swarm,
  ready,
  curve,
  scale,
  cli,
  dataplane,
  failover,
  hostPath,
  dashboard,
];
const NAMES = SCENARIOS.map((s) => s.name);

export function usage(): string {
  const width = Math.max(...NAMES.map((n) => n.length));
  return [
    'npm run bench -- [options]',
    '  --only LIST        scenarios, comma-separated (default: all, in this order):',
    ...SCENARIOS.map((s) => `                       ${s.name.padEnd(width)}  ${s.about}`),
    '  --runs N           runs per tool and case (default 5; CLI latency uses max(N, 10))',
    '  --curve-runs N     runs per replica count in the scaling curve (default: --runs)',
    '  --scale-runs N     runs of svc scale 10 → 50 → 10 (default: --runs)',
    '  --counts LIST      replica counts of the scaling curve (default 1,5,10,25,50)',
    '  --duration S       seconds of each wrk run (default 10)',
    '  --budget-scale F   multiply every scenario time budget by F (default 1)',
  ].join('\n');
}

export function parseArgs(argv: string[]): Options | 'help' {
  let only = NAMES;
  let runs = 5;
  let curveRuns: number | undefined;
  let scaleRuns: number | undefined;
  let counts = [1, 5, 10, 25, 50];
  let duration = 10;
  let budget = 1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--only') only = v().split(',');
    else if (a === '--runs') runs = Number(v());
    else if (a === '--curve-runs') curveRuns = Number(v());
    else if (a === '--scale-runs') scaleRuns = Number(v());
    else if (a === '--counts') counts = v().split(',').map(Number);
    else if (a === '--duration') duration = Number(v());
    else if (a === '--budget-scale') budget = Number(v());
    else if (a === '--help' || a === '-h') return 'help';
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const s of only) if (!NAMES.includes(s)) throw new Error(`unknown scenario ${s}: ${NAMES.join(', ')}`);
  if (!(runs >= 1)) throw new Error('--runs must be ≥ 1');
  return { only, runs, curveRuns: curveRuns ?? runs, scaleRuns: scaleRuns ?? runs, counts, duration, budget };
}
