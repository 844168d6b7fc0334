/**
 * What a scenario gives back and how it is shown: medians with their range, ratios of pairs
 * measured in the same run, markdown tables, targets met or not, and the time budget that stops
 * a scenario from starting more runs.
 */
import { log, now } from './run.js';

export interface Options {
  /** Scenario names, in the order given. */
  only: string[];
  runs: number;
  curveRuns: number;
  scaleRuns: number;
  counts: number[];
  /** Seconds of each wrk run. */
  duration: number;
  /** Multiplies every scenario's time budget. */
  budget: number;
}

export interface Target {
  name: string;
  measured: string;
  met: boolean;
}

/** What the scenarios add to: tables, targets, notes, raw numbers (by scenario), files written. */
export interface Out {
  tables: string[];
  targets: Target[];
  notes: string[];
  raw: Record<string, unknown>;
  files: string[];
}

export type Unit = 's' | 'ms' | 'rps' | 'x';

export interface Stat {
  median: number;
  min: number;
  max: number;
  n: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function stat(xs: Array<number | undefined>): Stat | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  if (!v.length) return undefined;
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

export function fmt(x: number | undefined, unit?: Unit): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (unit === 's') return `${(x / 1000).toFixed(x < 10_000 ? 2 : 1)} s`;
  if (unit === 'ms') return `${x.toFixed(Math.abs(x) < 100 ? 1 : 0)} ms`;
  if (unit === 'rps') return `${Math.round(x)}`;
  if (unit === 'x') return `${x.toFixed(2)}×`;
  return String(Math.round(x * 100) / 100);
}

/** median (min–max, n=N) */
export function cell(xs: Array<number | undefined>, unit?: Unit): string {
  const s = stat(xs);
  if (!s) return '–';
  return `${fmt(s.median, unit)} (${fmt(s.min, unit)}–${fmt(s.max, unit)}, n=${s.n})`;
}

/** The pairs (a[i], b[i]) where both were measured: each pair from the same run. */
function pairs(a: Array<number | undefined>, b: Array<number | undefined>): Array<[number, number]> {
  const p: Array<[number, number]> = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x !== undefined && y !== undefined) p.push([x, y]);
  }
  return p;
}

/** Pairwise ratios a[i]/b[i]. */
const ratios = (a: Array<number | undefined>, b: Array<number | undefined>): number[] =>
  pairs(a, b)
    .filter(([x, y]) => x > 0 && y > 0)
    .map(([x, y]) => x / y);

export const ratioCell = (a: Array<number | undefined>, b: Array<number | undefined>): string =>
  cell(ratios(a, b), 'x');

/** Pairwise differences a[i] − b[i]: what a adds over b. */
export const diffCell = (a: Array<number | undefined>, b: Array<number | undefined>, unit?: Unit): string =>
  cell(
    pairs(a, b).map(([x, y]) => x - y),
    unit,
  );

export const ratioMedian = (a: Array<number | undefined>, b: Array<number | undefined>): number | undefined =>
  stat(ratios(a, b))?.median;

export function table(title: string, header: string[], rows: string[][]): string {
  const lines = [
    `### ${title}`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
  ];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

export function target(name: string, ratio: number | undefined, limit: number, dir: '≤' | '≥' = '≤'): Target {
  const met = ratio !== undefined && (dir === '≤' ? ratio <= limit : ratio >= limit);
  return { name, measured: ratio === undefined ? 'not measured' : fmt(ratio, 'x'), met };
}

export interface Budget {
  /** Whether there is time left for another run; once not, says so in `notes` (once). */
  ok(notes: string[]): boolean;
}

/** Each scenario stops starting runs once its time (seconds × --budget-scale) is spent. */
export function budget(name: string, seconds: number, opts: Options): Budget {
  const end = now() + seconds * 1000 * opts.budget;
  return {
    ok(notes) {
      if (now() < end) return true;
      const msg = `${name}: time budget (${Math.round(seconds * opts.budget)} s) spent, fewer runs than asked`;
      if (!notes.includes(msg)) notes.push(msg);
      log(msg);
      return false;
    },
  };
}

/**
 * Measures each replica count up to `runs` times while `ok()` (the budget) allows: `once(n, run)`
 * gives one run's numbers, its tools one after the other so that each pair shares the machine's
 * load. Returns, by count, each key's numbers across the runs.
 */
export async function sampleByCount<K extends string>(
  keys: readonly K[],
  counts: number[],
  runs: number,
  ok: () => boolean,
  once: (n: number, run: number) => Promise<Record<K, number>>,
): Promise<Map<number, Record<K, number[]>>> {
  const byCount = new Map<number, Record<K, number[]>>();
  for (const n of counts) {
    const m = Object.fromEntries(keys.map((k) => [k, []])) as unknown as Record<K, number[]>;
    for (let i = 0; i < runs && ok(); i++) {
      const r = await once(n, i + 1);
      for (const k of keys) m[k].push(r[k]);
    }
    byCount.set(n, m);
  }
  return byCount;
}

/** One scenario of `npm run bench`: its name for --only, a line for --help, and its run. */
export interface Scenario {
  name: string;
  about: string;
  run(opts: Options, out: Out): Promise<void>;
}
