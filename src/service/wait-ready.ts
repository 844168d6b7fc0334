/**
 * Waiting until the load balancer itself reports every replica UP: its runtime API, read with
 * `docker exec` inside the load balancer container (no host port, works with a remote engine).
 */

import type { Engine } from '../engine/engine.js';
import { InterruptedError, SvcError } from '../errors.js';
import { parseServerStats, runtimeCommandArgv, type ServerStat } from '../haproxy/runtime-stats.js';

export async function readServerStats(engine: Engine, lbId: string): Promise<ServerStat[]> {
  const r = await engine.exec(lbId, runtimeCommandArgv('show stat'));
  if (r.exitCode !== 0) {
    throw new SvcError(
      500,
      `cannot read the load balancer's state (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return parseServerStats(r.stdout);
}

function summary(stats: ServerStat[]): string {
  return stats.map((s) => `${s.server} ${s.status}${s.checkStatus ? ` (${s.checkStatus})` : ''}`).join(', ');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * UP with a passed check. A server whose name has just resolved shows UP before any check ran
 * (check status INI), and one going down shows "UP 1/2": neither has proven anything yet.
 */
export function passed(s: ServerStat): boolean {
  return s.status === 'UP' && /^L[4-7]OK$/.test(s.checkStatus);
}

/** Wait until the load balancer reports every one of `servers` (e.g. `r1`) UP with a passed check. */
export async function waitUntilUp(
  engine: Engine,
  lbId: string,
  servers: string[],
  opts: { timeoutMs: number; signal?: AbortSignal; onProgress?: (text: string) => void; pollMs?: number },
): Promise<ServerStat[]> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: ServerStat[] = [];
  let lastError = '';
  for (;;) {
    if (opts.signal?.aborted) throw new InterruptedError('interrupted while waiting for replicas to be UP');
    try {
      last = (await readServerStats(engine, lbId)).filter((s) => servers.includes(s.server));
      lastError = '';
      const up = last.filter(passed).length;
      opts.onProgress?.(`waiting for replicas: ${up}/${servers.length} UP`);
      if (up === servers.length) return last;
    } catch (err) {
      // The load balancer may still be starting or reloading; keep trying until the deadline.
      if (err instanceof SvcError && err.status === 503) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) {
      const state = last.length > 0 ? summary(last) : lastError || 'no state read';
      throw new SvcError(
        500,
        `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for replicas to be UP: ${state}`,
      );
    }
    await sleep(opts.pollMs ?? 100);
  }
}
