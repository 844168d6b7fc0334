import { describe, expect, it } from 'vitest';
import { stopWithin } from '../../src/core/retire.js';
import type { ContainerEvent, Engine, EventOptions } from '../../src/engine/engine.js';

type Follower = { opts: EventOptions; onEvent: (e: ContainerEvent) => void };

/**
 * An engine with one replica, `r1`, whose stop is scripted: `onStop` gets the stop's abort signal
 * and says when it ends (what the engine answers the request) and which events it sends meanwhile.
 */
function engineWith(onStop: (say: (action: string) => void, signal?: AbortSignal) => Promise<void>) {
  const followers = new Set<Follower>();
  const calls: string[] = [];
  const say = (action: string) => {
    for (const f of followers)
      if (!f.opts.actions || f.opts.actions.includes(action))
        f.onEvent({ action, id: 'id-r1', name: 'r1', labels: {}, time: 0 });
  };
  const engine = {
    events(_labels: string[], opts: EventOptions, onEvent: (e: ContainerEvent) => void) {
      const f = { opts, onEvent };
      followers.add(f);
      calls.push(`events ${opts.actions?.join(',')}`);
      opts.onOpen?.();
      return new Promise<void>((resolve) =>
        opts.signal?.addEventListener('abort', () => {
          followers.delete(f);
          resolve();
        }),
      );
    },
    async stopContainer(_id: string, grace: number, opts: { signal?: AbortSignal } = {}) {
      calls.push(`stop grace ${grace} (events read: ${followers.size})`);
      await onStop(say, opts.signal);
    },
  } as unknown as Engine;
  return { engine, calls, followers };
}

/** Resolves when `signal` aborts, rejecting as an aborted request does. */
const aborted = (signal?: AbortSignal) =>
  new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));

const wait = { labels: ['io.svc.tenant=t'], name: 'r1', graceSeconds: 10, exitSeconds: 0.05 };

describe('stopWithin: a retired replica has exitSeconds to exit once signalled', () => {
  it('a replica that exits on its signal is stopped (true); the stop goes once the events are read', async () => {
    const { engine, calls, followers } = engineWith(async (say) => {
      say('kill');
      say('die');
    });
    expect(await stopWithin(engine, 'id-r1', wait)).toBe(true);
    expect(calls).toEqual(['events kill,die', 'stop grace 10 (events read: 1)']);
    expect(followers.size).toBe(0);
  });

  it('one that ignores its signal is given up exitSeconds after the kill event (false), not before', async () => {
    let signalled = 0;
    const { engine, followers } = engineWith(async (say, signal) => {
      setTimeout(() => {
        signalled = Date.now();
        say('kill');
      }, 150);
      await aborted(signal);
    });
    expect(await stopWithin(engine, 'id-r1', wait)).toBe(false);
    // Given up after the signal (the engine's 150 ms before it do not count), not at the request.
    expect(signalled).toBeGreaterThan(0);
    expect(followers.size).toBe(0);
  });

  it('once it has exited (die), the stop is waited for to its end, past exitSeconds', async () => {
    const { engine } = engineWith(async (say) => {
      say('kill');
      await new Promise((r) => setTimeout(r, 20));
      say('die');
      // The engine's own cleanup after the exit, longer than exitSeconds.
      await new Promise((r) => setTimeout(r, 200));
    });
    expect(await stopWithin(engine, 'id-r1', wait)).toBe(true);
  });

  it("another container's kill does not start the replica's clock", async () => {
    const { engine, followers } = engineWith(async (_say, signal) => {
      for (const f of followers) f.onEvent({ action: 'kill', id: 'id-r2', name: 'r2', labels: {}, time: 0 });
      await new Promise((r) => setTimeout(r, 200));
      if (signal?.aborted) throw new Error('aborted');
    });
    expect(await stopWithin(engine, 'id-r1', wait)).toBe(true);
  });

  it('events that never open do not hold the stop: it goes after the bound, which then applies from the request', async () => {
    let stops = 0;
    const engine = {
      events: () => new Promise<void>(() => undefined),
      async stopContainer(_id: string, _grace: number, opts: { signal?: AbortSignal } = {}) {
        stops += 1;
        await aborted(opts.signal);
      },
    } as unknown as Engine;
    expect(await stopWithin(engine, 'id-r1', { ...wait, unsignalledMs: 50 })).toBe(false);
    expect(stops).toBe(1);
  });

  it('a failed stop is thrown, not taken for a replica still stopping', async () => {
    const { engine } = engineWith(async () => {
      throw new Error('engine says no');
    });
    await expect(stopWithin(engine, 'id-r1', wait)).rejects.toThrow('engine says no');
  });
});
