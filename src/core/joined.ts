/**
 * Waiting for containers being started to be on a network. A container has its endpoint there
 * (and its name resolves) a tenth of a second into a start that takes over half a second on two
 * cores. A new load balancer started beside its replicas waits for that, not for their starts to
 * return: HAProxy then resolves every replica when it starts, rather than a resolver period
 * (a second) later, and the engine runs the three starts at once.
 */
import type { Engine } from '../engine/engine.js';

/** How long it waits at most: after that, HAProxy's resolvers find the late ones. */
const JOIN_WAIT_MS = 5_000;
const POLL_MS = 20;

/**
 * Resolve once every one of `names` has an endpoint on `network`, true; false as soon as
 * `gaveUp()` (one of their starts failed) or when `signal` aborts; true after `limitMs`
 * (JOIN_WAIT_MS) in any case, the late ones left to HAProxy's resolvers.
 */
export async function untilJoined(
  engine: Engine,
  network: string,
  names: string[],
  opts: { signal?: AbortSignal; gaveUp: () => boolean; limitMs?: number },
): Promise<boolean> {
  const deadline = Date.now() + (opts.limitMs ?? JOIN_WAIT_MS);
  while (Date.now() < deadline) {
    if (opts.signal?.aborted || opts.gaveUp()) return false;
    const members = new Set(await engine.networkMembers(network));
    if (names.every((n) => members.has(n))) return true;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return true;
}
