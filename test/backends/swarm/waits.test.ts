/** Which tasks a wait gives up on at once (rejected), or after a while (pending with a reason). Pure. */
import { describe, expect, it } from 'vitest';
import { rejection } from '../../../src/backends/swarm/waits.js';
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
