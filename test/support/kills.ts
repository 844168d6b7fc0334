/**
 * Every operation killed at each of its calls in turn (the fake engine fails that call and every
 * one after it, undo included: a SIGKILL), its command marked gone, then run again: the repair
 * that every change begins with (core/repair.ts), or the create that clears what a killed create
 * left, must bring the world to what one successful run makes. Records are compared by what they
 * hold (their revisions differ: the repair writes its own).
 */
import { hostname } from 'node:os';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/backend.js';
import { LABEL } from '../../src/model/naming.js';
import type { FakeWorld } from './fake-engine.js';
import type { Scenario } from './rollback.js';

/** A PID above Linux's limit: never a live process. */
const GONE = `${hostname()}/4194305`;

/** The command that made the world is gone: every owner it wrote names a dead process. */
export function markOwnersGone(world: FakeWorld): void {
  for (const c of world.containers.values()) {
    if (LABEL.operationOwner in c.spec.labels)
      c.spec = { ...c.spec, labels: { ...c.spec.labels, [LABEL.operationOwner]: GONE } };
  }
}

const isRecord = (labels: Record<string, string>) =>
  labels[LABEL.role] === 'record' || labels[LABEL.role] === 'security-group';

/** The world as the service sees it: containers but records, each record's content once, the LBs. */
function settled(world: FakeWorld): unknown {
  const p = world.picture() as {
    containers: Array<{ name: string; labels: Record<string, string> }>;
    networks: string[];
    lbs: unknown;
  };
  const strip = ({ [LABEL.operationOwner]: _, ...labels }: Record<string, string>) => labels;
  const records = p.containers
    .filter((c) => isRecord(c.labels))
    .map((c) => {
      // Revisions differ (a repair writes its own), and so do the times of each run's create.
      const { [LABEL.revision]: _r, [LABEL.created]: _c, ...rest } = strip(c.labels);
      return rest;
    });
  return {
    containers: p.containers
      .filter((c) => !isRecord(c.labels))
      .map((c) => ({ ...c, labels: strip(c.labels) })),
    records,
    networks: p.networks,
    lbs: p.lbs,
  };
}

/** `world` makes a fresh world. */
export function describeKills(scenarios: Scenario[], world: () => { world: FakeWorld; core: Core }): void {
  describe.each(scenarios)('$name', ({ given, op, again = op }) => {
    let w: FakeWorld;
    let core: Core;
    beforeEach(async () => {
      ({ world: w, core } = world());
      await given(core);
    });

    it('killed at each of its calls, is finished or undone by the command run again', async () => {
      const start = w.calls.length;
      await op(core);
      const calls = w.calls.length - start;
      const expected = settled(w);
      for (let k = 1; k <= calls; k++) {
        ({ world: w, core } = world());
        await given(core);
        w.inject({ from: k });
        await op(core).then(
          () => undefined,
          () => undefined,
        );
        w.inject(undefined);
        markOwnersGone(w);
        await again(core);
        expect(settled(w), `killed at call ${k} of ${calls}, then run again`).toEqual(expected);
      }
    });
  });
}
