/**
 * Reloading a load balancer's HAProxy (master-worker mode) and waiting for the workers from
 * before a reload to finish: the driver's signals and process checks, apart from its files.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Engine } from '../engine/engine.js';
import { InternalError, InterruptedError } from '../errors.js';
import type { LogWatch } from './log-watch.js';
import { oldWorkersGone } from './processes.js';
import { lastWords, untilLoaded, type WaitOptions } from './waits.js';

/** How long a reload signal may go unanswered before it is sent again. */
const RELOAD_SIGNAL_MS = 1500;
/**
 * How long a reload waits for the worker from before it to hand its stick table over. It pushes
 * the table as soon as it is told to stop (measured: its exit 40–85 ms after the new worker
 * loaded); only connections it still serves keep it longer, and by then the push is long done.
 */
const HANDOVER_MS = 1000;
/**
 * HAProxy's PEER_RESYNC_TIMEOUT (5 s), and a margin for the worker starting after the container:
 * a load balancer's first worker, with no worker before it to learn from, counts its table as
 * complete only that long after it started, and until then hands the new worker nothing on a
 * reload (measured with 2.6: every pin lost on a reload 4.1 s after the start, all kept at 5.5 s
 * and 6.6 s). Workers that learned from a complete one are complete at once.
 */
const FIRST_WORKER_SETTLES_MS = 5500;
/** `hard-stop-after` (render-config.ts) bounds how long an old worker drains; a margin on top. */
const DRAIN_TIMEOUT_MS = 35_000;

/**
 * SIGUSR2 to the master, until it says it reloads: HAProxy up to 3.0 re-executes its master
 * right after a load, and a signal that comes meanwhile is lost (seen with 2.6: a second reload
 * within ~50 ms of a load). Then wait until the new worker has loaded.
 */
export async function reload(engine: Engine, id: string, watch: LogWatch, opts: WaitOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const seen = watch.reloads;
    await engine.signal(id, 'SIGUSR2');
    try {
      await watch.until(() => watch.reloads > seen, {
        timeoutMs: RELOAD_SIGNAL_MS,
        signal: opts.signal,
        onTimeout: () => new InternalError('the load balancer did not begin to reload'),
        onEnd: () => new InternalError(`the load balancer stopped before its reload${lastWords(watch)}`),
      });
      break;
    } catch (err) {
      if (attempt >= 4 || !(err instanceof InternalError) || watch.closed) throw err;
    }
  }
  await untilLoaded(watch, 'reload', opts);
}

/**
 * Before a reload that must hand a stick table over: until the load balancer's first worker
 * (it starts with the container) counts its table as complete. Only a reload within 5.5 s of a
 * start waits, at most that long.
 */
export async function untilTableSettles(engine: Engine, id: string, opts: WaitOptions): Promise<void> {
  const started = Date.parse((await engine.inspectContainer(id)).startedAt);
  const left = started + FIRST_WORKER_SETTLES_MS - Date.now();
  if (!(left > 0)) return;
  opts.onProgress?.('waiting for the load balancer to settle its session-affinity table');
  try {
    await delay(left, undefined, { signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) throw new InterruptedError('interrupted');
    throw err;
  }
}

/**
 * After a reload of a config with a `peers` section (source affinity): until the worker from
 * before it has handed its stick table to the new one over the local peer. It exits only once it
 * did (HAProxy keeps a stopping worker alive for that), so its exit on the master's log is the
 * signal; a worker kept by open connections counts as done after HANDOVER_MS. Without this, a
 * client connecting right after the command returns could reach the new worker before its
 * entry did, be placed anew, and keep that place (the pushed entry does not replace it).
 */
export async function untilHandedOver(watch: LogWatch, opts: WaitOptions): Promise<void> {
  const current = watch.view.worker;
  await watch
    .until(() => [...watch.view.exited].some((w) => w !== current), {
      timeoutMs: HANDOVER_MS,
      signal: opts.signal,
      onTimeout: () => new HandoverPending(),
      onEnd: () => new HandoverPending(),
    })
    .catch((err: unknown) => {
      if (!(err instanceof HandoverPending)) throw err;
    });
}

/** The wait for a handover ended without an exit: nothing failed, the command goes on. */
class HandoverPending extends Error {}

/** Until none of `workers` (the workers before a reload) runs: they finished what they had. */
export async function waitDrained(
  engine: Engine,
  id: string,
  workers: number[],
  opts: WaitOptions,
): Promise<void> {
  opts.onProgress?.('draining: waiting for in-flight requests to finish');
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    if (oldWorkersGone(workers, await engine.top(id))) return;
    if (Date.now() > deadline)
      throw new InternalError(
        `the load balancer's old worker did not finish within ${DRAIN_TIMEOUT_MS / 1000}s`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
