/** A change in progress, from the records the engine shows: begun, its steps, its end. */
import { describe, expect, it } from 'vitest';
import type { ObservedService } from '../../../src/core/backend.js';
import { LABEL } from '../../../src/model/naming.js';
import { eventActivity } from '../../../src/server/dashboard/activity.js';
import { ChangeTracker } from '../../../src/server/dashboard/progress.js';
import { readSnapshot, recordOf, replicaOf, serviceOf, specNamed, TENANT } from '../../support/containers.js';

const web = specNamed('web', { Replicas: 1 });
const lock = recordOf({ ...web, Replicas: 2 }, 2, TENANT, {
  [LABEL.operation]: 'scale',
  [LABEL.operationOwner]: 'elsewhere/1',
});
const observed = (containers: ReturnType<typeof serviceOf>, now = 0) =>
  readSnapshot(TENANT, containers, now).services[0] as ObservedService;

describe('ChangeTracker', () => {
  it('a scale: begun at its lock record, its steps, done once the record after it is written', () => {
    const t = new ChangeTracker();
    const second = replicaOf('web', 2);
    t.observed(observed([...serviceOf(web), lock, second]), undefined, 1000);
    const running = t.board();
    expect(running).toMatchObject({
      Operation: 'scale',
      Summary: '1 → 2 replicas (adds 2)',
      Owner: 'elsewhere/1',
      Outcome: 'running',
      Total: 2,
    });
    const started = eventActivity({
      action: 'start',
      id: second.id,
      name: second.name,
      labels: second.labels,
      time: Date.now() / 1000,
    });
    expect(started?.Text).toBe(`replica 2 (${second.name}) started`);
    if (started) t.step(started);
    const done = recordOf({ ...web, Replicas: 2 }, 3);
    t.observed(observed([...serviceOf(web), lock, done, second]), undefined, 2000);
    const end = t.board();
    expect(end?.Outcome).toBe('done');
    expect(end?.Done).toBe(2);
    expect(end?.Steps.map((s) => s.Text)).toEqual([
      `replica 2 (${second.name}) started`,
      'the scale is done',
    ]);
  });

  it('a change whose owner died is interrupted', () => {
    const t = new ChangeTracker();
    t.observed(observed([...serviceOf(web), lock], 0), undefined, 0);
    // Much later, the owner (on another host) never came back.
    t.observed(observed([...serviceOf(web), lock], Date.now() / 1000 + 3600), undefined, 1);
    expect(t.board()?.Outcome).toBe('interrupted');
  });
});
