/**
 * Which tasks a wait gives up on at once (rejected, or exited), or after a while (pending with a
 * reason), pure; and the wait for the tasks a rollback replaced, on a scripted task list.
 */
import { describe, expect, it } from 'vitest';
import { exitedTask, rejection, replacedStopped } from '../../../src/backends/swarm/waits.js';
import type { Context } from '../../../src/core/steps.js';
import type { SwarmTask } from '../../../src/engine/swarm.js';

const at = (s: number) => new Date(Date.parse('2026-12-01T00:00:00Z') + s * 1000).toISOString();
const since = Date.parse(at(0));
const task = (state: string, error: string, updated = at(1)): SwarmTask => ({
  ...{ id: 't', serviceId: 's', slot: 1, nodeId: 'n', state, desiredState: 'running', error },
  ...{ containerId: '', image: 'app:1', labels: {}, updated },
});

describe('rejection', () => {
  it('a task rejected for its image is a 404 with Swarm’s words; for anything else a 409', () => {
    const seen = {};
    const missing = rejection('the replicas of web', [task('rejected', 'No such image: app:1')], since, seen);
    expect([missing?.status, missing?.message]).toEqual([
      404,
      'Swarm rejected the replicas of web: No such image: app:1',
    ]);
    const other = rejection('the replicas of web', [task('rejected', 'invalid mount config')], since, seen);
    expect(other?.status).toBe(409);
  });

  it('a rejection of an earlier spec is not this one’s', () => {
    expect(rejection('x', [task('rejected', 'No such image: app:0', at(-5))], since, {})).toBeUndefined();
  });

  it('tasks pending with a reason are given up on after 3 s, not before; running ones never', () => {
    const seen = {};
    const pending = [task('pending', 'no suitable node (scheduling constraints not satisfied on 1 node)')];
    const t0 = since + 10_000;
    expect(rejection('the replicas of web', pending, since, seen, t0)).toBeUndefined();
    expect(rejection('the replicas of web', pending, since, seen, t0 + 2_000)).toBeUndefined();
    const late = rejection('the replicas of web', pending, since, seen, t0 + 3_000);
    expect([late?.status, late?.message]).toEqual([
      409,
      'Swarm cannot place the replicas of web: no suitable node (scheduling constraints not satisfied on 1 node)',
    ]);
    expect(rejection('x', [task('running', '')], since, {}, t0)).toBeUndefined();
  });
});

describe('exitedTask', () => {
  const ran = (state: string, error: string, updated = at(1)) => ({
    ...task(state, error, updated),
    containerId: 'c1',
  });

  it('a task of this spec whose container exited, non-zero (failed) or 0 (complete)', () => {
    const failed = ran('failed', 'task: non-zero exit (3)');
    expect(exitedTask([ran('running', ''), failed], since)).toBe(failed);
    const complete = ran('complete', '');
    expect(exitedTask([complete], since)).toBe(complete);
  });

  it('not one stopped by Swarm, one of an earlier spec, or one that failed before it had a container', () => {
    expect(exitedTask([ran('shutdown', ''), ran('running', '')], since)).toBeUndefined();
    expect(exitedTask([ran('failed', 'task: non-zero exit (3)', at(-5))], since)).toBeUndefined();
    expect(exitedTask([task('failed', 'No such image: app:1')], since)).toBeUndefined();
  });
});

describe('replacedStopped', () => {
  /** A context whose swarm answers each listTasks with the next list of `script` (the last one after). */
  const withTasks = (script: SwarmTask[][]) => {
    let calls = 0;
    const swarm = {
      inspectService: async () => ({ id: 's' }),
      listTasks: async () => script[Math.min(calls++, script.length - 1)],
    };
    const ctx = { engine: { swarm }, tenant: 't', timeoutMs: 1000 } as unknown as Context;
    return { ctx, calls: () => calls };
  };
  const replaced = (state: string) => ({ ...task(state, ''), id: 'old', desiredState: 'shutdown' });

  it('returns once no replaced task’s container runs; the tasks Swarm wants running do not count', async () => {
    const { ctx, calls } = withTasks([
      [task('running', ''), replaced('running')],
      [task('running', ''), replaced('running')],
      [task('running', ''), replaced('shutdown'), { ...task('failed', ''), desiredState: 'shutdown' }],
    ]);
    await replacedStopped(ctx, 'web', 5_000);
    expect(calls()).toBe(3);
  });

  it('says which task still runs when the time is up', async () => {
    const { ctx } = withTasks([[replaced('running')]]);
    await expect(replacedStopped(ctx, 'web', 150)).rejects.toThrow(
      /the replaced tasks of web to stop \(task old running\)/,
    );
  });
});
