/**
 * Every step of an operation fails in turn (the fake engine's injection): before the commit the
 * world must be left exactly as it was; in the cleanup after it, the change is done and what was
 * left behind is said. Shared by the local backend's operations and the Swarm backend's.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/backend.js';
import type { ChangeResult } from '../../src/core/services.js';
import { SvcError } from '../../src/errors.js';
import type { Call, FakeWorld } from './fake-engine.js';

export interface Scenario {
  name: string;
  /** Makes the world the operation starts from. */
  given: (core: Core) => Promise<void>;
  op: (core: Core) => Promise<unknown>;
  /** A create has no cleanup: every step is before the commit. */
  noCleanup?: boolean;
}

/** `world` makes a fresh world; `phaseCalls` says how many of a successful run's calls come before the commit. */
export function describeRollbacks(
  scenarios: Scenario[],
  world: () => { world: FakeWorld; core: Core },
  phaseCalls: (calls: Call[]) => number,
): void {
  describe.each(scenarios)('$name', ({ given, op, noCleanup }) => {
    let w: FakeWorld;
    let core: Core;
    beforeEach(async () => {
      ({ world: w, core } = world());
      await given(core);
    });

    it('succeeds, and with a failure at each step before the commit leaves the world as it was', async () => {
      const before = w.picture();
      const start = w.calls.length;
      await op(core);
      const success = w.calls.slice(start);
      const after = w.picture();
      expect(after).not.toEqual(before);
      const committed = noCleanup ? success.length : phaseCalls(success);
      expect(committed).toBeGreaterThan(0);

      for (let k = 1; k <= success.length; k++) {
        ({ world: w, core } = world());
        await given(core);
        const again = w.picture();
        w.inject({ at: k });
        const outcome = await op(core).then(
          (r) => ({ ok: true as const, r }),
          (e: unknown) => ({ ok: false as const, e }),
        );
        if (k <= committed) {
          expect(outcome.ok, `failure at step ${k} (${success[k - 1]?.what} ${success[k - 1]?.target})`).toBe(
            false,
          );
          if (!outcome.ok) {
            expect(outcome.e).toBeInstanceOf(SvcError);
            expect((outcome.e as Error).message).toMatch(/injected failure/);
          }
          expect(w.picture(), `world after a failure at step ${k}`).toEqual(again);
        } else {
          // After the commit: the change is done; what the cleanup could not do is said.
          expect(outcome.ok, `cleanup failure at step ${k}`).toBe(true);
          const notes = (outcome as { r: ChangeResult }).r.notes;
          expect(notes.join(' ')).toMatch(/left behind/);
        }
      }
    });
  });
}
