/**
 * Reloading a load balancer's HAProxy (master-worker mode) and waiting for the workers from
 * before a reload to finish: the driver's signals and process checks, apart from its files.
 */
import type { Engine } from '../engine/engine.js';
import { InternalError } from '../errors.js';
import type { LogWatch } from './log-watch.js';
import { oldWorkersGone } from './processes.js';
import { lastWords, untilLoaded, type WaitOptions } from './waits.js';

/** How long a reload signal may go unanswered before it is sent again. */
const RELOAD_SIGNAL_MS = 1500;
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
