/** The bench's table cells (bench/lib/report.ts): pairs are taken run by run, never across runs. */
import { describe, expect, it } from 'vitest';
import { diffCell, ratioCell } from '../../bench/lib/report.js';

describe('bench report cells', () => {
  it('takes each ratio and each difference within one run', () => {
    const svc = [1100, 1300, 900];
    const floor = [1000, 1000, 800];
    expect(ratioCell(svc, floor)).toBe('1.13× (1.10×–1.30×, n=3)');
    expect(diffCell(svc, floor, 'ms')).toBe('100 ms (100 ms–300 ms, n=3)');
  });

  it('leaves out a run where either side is missing', () => {
    expect(diffCell([1200, undefined, 1500], [1000, 900, undefined], 'ms')).toBe(
      '200 ms (200 ms–200 ms, n=1)',
    );
    expect(diffCell([undefined], [1000], 'ms')).toBe('–');
  });

  it('rounds a negative difference as a positive one', () => {
    expect(diffCell([1000, 1300], [1357, 1000], 'ms')).toBe('-28.5 ms (-357 ms–300 ms, n=2)');
  });
});
