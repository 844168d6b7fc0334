/**
 * The bench's command line (bench/options.ts): the usage text and --only come from the one
 * scenario list, and docs/performance.md's scenario table names the same scenarios.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, SCENARIOS, usage } from '../../bench/options.js';

const names = SCENARIOS.map((s) => s.name);

describe('bench options', () => {
  it('lists every scenario, with what it measures, in the usage text', () => {
    expect(names).toEqual([
      'floor',
      'rolling',
      'swarm',
      'ready',
      'curve',
      'scale',
      'cli',
      'dataplane',
      'failover',
      'host-path',
      'dashboard',
    ]);
    const lines = usage()
      .split('\n')
      .map((l) => l.trim().split(/\s{2,}/));
    for (const s of SCENARIOS) expect(lines).toContainEqual([s.name, s.about]);
  });

  it('takes each scenario in --only, and refuses one that does not exist', () => {
    for (const n of names) expect(parseArgs(['--only', n])).toMatchObject({ only: [n] });
    expect(() => parseArgs(['--only', 'floor,nope'])).toThrow(/unknown scenario nope: floor, rolling, swarm/);
  });

  it('defaults to every scenario and 5 runs; --curve-runs and --scale-runs follow --runs', () => {
    expect(parseArgs([])).toMatchObject({ only: names, runs: 5, curveRuns: 5, scaleRuns: 5 });
    expect(parseArgs(['--runs', '2', '--scale-runs', '1'])).toMatchObject({
      runs: 2,
      curveRuns: 2,
      scaleRuns: 1,
    });
    expect(parseArgs(['--help'])).toBe('help');
    expect(() => parseArgs(['--runs', '0'])).toThrow(/--runs must be ≥ 1/);
    expect(() => parseArgs(['--runs'])).toThrow(/--runs needs a value/);
  });

  it('is documented scenario for scenario in docs/performance.md', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/performance.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(names);
  });
});
