/** Which record is the desired state, and whether a change runs or was killed. Pure. */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { judgeRecords, type ObservedRecord } from '../../src/core/records.js';

const NOW = 1_800_000_000;
const record = (revision: number, operation?: 'scale', pid = 100): ObservedRecord => ({
  ...{ id: `r${revision}`, name: `web-rev${revision}`, revision, spec: undefined, created: '' },
  ...{ servers: [1, 2], operation, owner: operation ? `${hostname()}/${pid}` : undefined },
  ...{ previousImage: undefined, written: NOW - 5 },
});
const alive = (pids: number[]) => (pid: number) => pids.includes(pid);

describe('judgeRecords', () => {
  it('a lock record whose command runs: under way; whose command is gone: interrupted, the record before it current', () => {
    const records = [record(1), record(2, 'scale')];
    expect(judgeRecords(records, NOW, alive([100]))).toMatchObject({
      operation: 'scale',
      interrupted: undefined,
    });
    expect(judgeRecords(records, NOW, alive([]))).toMatchObject({
      current: { revision: 1 },
      operation: undefined,
      interrupted: { operation: 'scale' },
    });
  });

  it('a change that committed and is in its cleanup (its lock record left, its command alive) is under way', () => {
    // Another command must not take its cleanup for a killed one's and race it.
    const records = [record(1), record(2, 'scale'), record(3)];
    expect(judgeRecords(records, NOW, alive([100]))).toMatchObject({
      current: { revision: 3 },
      operation: 'scale',
      interrupted: undefined,
    });
    // Its command gone: nothing runs; the next change finishes the cleanup.
    expect(judgeRecords(records, NOW, alive([]))).toMatchObject({
      current: { revision: 3 },
      operation: undefined,
      interrupted: undefined,
    });
  });
});
