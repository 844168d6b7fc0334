import { describe, expect, it } from 'vitest';
import { describeScale, planScale } from '../../../../src/backends/local/plan/scale.js';

const running = (...numbers: number[]) => numbers.map((number) => ({ number, running: true }));

describe('planScale', () => {
  it('adds the lowest free numbers when scaling up', () => {
    const p = planScale(running(1, 2), 4);
    expect(p).toMatchObject({ keep: [1, 2], add: [3, 4], remove: [], final: [1, 2, 3, 4] });
    expect(describeScale(p)).toBe('add 3 4');
  });

  it('removes the highest numbers when scaling down, to zero as well', () => {
    expect(planScale(running(1, 2, 3, 4), 1)).toMatchObject({
      keep: [1],
      remove: [2, 3, 4],
      add: [],
      final: [1],
    });
    expect(planScale(running(1, 2), 0)).toMatchObject({ keep: [], remove: [1, 2], final: [] });
  });

  it('re-creates a replica removed by hand when scaled to the same number', () => {
    const p = planScale(running(1, 3), 3);
    expect(p).toMatchObject({ keep: [1, 3], add: [2], remove: [], final: [1, 2, 3] });
  });

  it('starts a kept replica that was stopped', () => {
    const p = planScale(
      [
        { number: 1, running: false },
        { number: 2, running: true },
      ],
      2,
    );
    expect(p).toMatchObject({ restart: [1], add: [], remove: [] });
    expect(describeScale(p)).toBe('restart 1');
  });

  it('keeps numbers that are not contiguous (after a rolling update)', () => {
    expect(planScale(running(3, 4), 3)).toMatchObject({ keep: [3, 4], add: [1], final: [1, 3, 4] });
    expect(describeScale(planScale(running(3, 4), 2))).toBe('nothing to do');
  });

  it('keeps only replicas in the config: one left over from an earlier change goes, its number not reused', () => {
    const p = planScale(
      [
        { number: 1, running: true, inConfig: false },
        { number: 2, running: true, inConfig: false },
        { number: 3, running: true, inConfig: true },
      ],
      2,
    );
    expect(p).toMatchObject({ keep: [3], add: [4], remove: [1, 2], final: [3, 4] });
    expect(describeScale(p)).toBe('add 4; remove 1 2');
  });
});
