/**
 * Waiting for containers being started to be on a network: a container has its endpoint there
 * (and its name resolves) a tenth of a second into a start that takes a second. A load balancer
 * started beside its replicas waits for that, not for their starts to return, so HAProxy finds
 * every replica when it starts rather than a resolver period later.
 */
import type { Engine } from '../engine/engine.js';

/** How long it waits at most: after that, HAProxy's resolvers find the late ones. */
const JOIN_WAIT_MS = 5_000;
const POLL_MS = 50;

/**
 * Resolve once every one of `names` has an endpoint on `network`, or `gaveUp()` (a start failed),
 * or `limitMs` (JOIN_WAIT_MS) passed, or `signal` aborted: the caller goes on in each case.
 */
export async function untilJoined(
  engine: Engine,
  network: string,
  names: string[],
  opts: { signal?: AbortSignal; gaveUp: () => boolean; limitMs?: number },
): Promise<void> {
  const deadline = Date.now() + (opts.limitMs ?? JOIN_WAIT_MS);
  while (Date.now() < deadline && !opts.signal?.aborted && !opts.gaveUp()) {
    const members = new Set(await engine.networkMembers(network));
    if (names.every((n) => members.has(n))) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
