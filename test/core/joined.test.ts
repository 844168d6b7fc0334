/**
 * A load balancer started beside its replicas waits until they are on the network (their names
 * resolve), at most a bounded time, and no longer once one of their starts failed.
 */
import { describe, expect, it } from 'vitest';
import { untilJoined } from '../../src/core/joined.js';
import type { Engine } from '../../src/engine/engine.js';

/** An engine whose network has, at its Nth look, the members `looks[N]` (the last one after). */
function engineSeeing(looks: string[][]): { engine: Engine; asked: () => number } {
  let n = 0;
  const engine = {
    networkMembers: async () => looks[Math.min(n++, looks.length - 1)] ?? [],
  } as unknown as Engine;
  return { engine, asked: () => n };
}

describe('untilJoined', () => {
  it('returns once every replica is on the network, looking again until then', async () => {
    const { engine, asked } = engineSeeing([[], ['web-1'], ['web-1', 'web-lb', 'web-2']]);
    await untilJoined(engine, 'net', ['web-1', 'web-2'], { gaveUp: () => false });
    expect(asked()).toBe(3);
  });

  it('stops looking once a start failed', async () => {
    const { engine, asked } = engineSeeing([[]]);
    let failed = false;
    setTimeout(() => {
      failed = true;
    }, 120);
    await untilJoined(engine, 'net', ['web-1'], { gaveUp: () => failed });
    expect(asked()).toBeGreaterThan(1);
    expect(asked()).toBeLessThan(10);
  });

  it('gives up after a bounded time when a replica never joins', async () => {
    const { engine, asked } = engineSeeing([['web-1']]);
    await untilJoined(engine, 'net', ['web-1', 'web-2'], { gaveUp: () => false, limitMs: 500 });
    // Half a second of looks every 50 ms, give or take the timer's slack.
    expect(asked()).toBeGreaterThan(4);
    expect(asked()).toBeLessThanOrEqual(11);
  });

  it('does not look when aborted', async () => {
    const { engine, asked } = engineSeeing([[]]);
    await untilJoined(engine, 'net', ['web-1'], { signal: AbortSignal.abort(), gaveUp: () => false });
    expect(asked()).toBe(0);
  });
});
