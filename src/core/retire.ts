/**
 * Stopping a replica that no traffic reaches any more (a replaced or removed one), without holding
 * the command for the whole grace of an app that ignores its stop signal. The stop itself is the
 * engine's (the stop signal, SIGKILL after the grace); the command waits for it only as long as an
 * app that stops on its signal takes, counted from the engine's `kill` event (the signal was sent),
 * not from the request, so that a busy engine's own slowness does not count against the app. Once
 * the replica has exited (`die`), the stop is waited for to its end, whatever the engine takes.
 */
import type { Engine } from '../engine/engine.js';

/** Until the engine says it signalled the replica (or when its events cannot be read): the bound, from the request. */
const UNSIGNALLED_MS = 5_000;

export interface RetireWait {
  /** The events of containers with these labels are read (the replica's among them). */
  labels: string[];
  /** The replica's name (events name it). */
  name: string;
  graceSeconds: number;
  /** How long the replica has to exit once the engine has sent its stop signal. */
  exitSeconds: number;
  /** The bound from the request while the engine has not said it signalled the replica (default 5 s). */
  unsignalledMs?: number;
}

/**
 * Stop `id`; true once it stopped, false when it was still running `exitSeconds` after its stop
 * signal (the engine goes on with the stop: the caller has checked it does, engineFinishesStops).
 */
export async function stopWithin(engine: Engine, id: string, wait: RetireWait): Promise<boolean> {
  const giveUp = new AbortController();
  const watch = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  /** Give up on the stop `ms` from now (undefined: not any more). */
  const giveUpIn = (ms: number | undefined) => {
    clearTimeout(timer);
    timer = ms === undefined ? undefined : setTimeout(() => giveUp.abort(), ms);
  };
  const ours = (e: { id: string; name: string }) => e.id === id || e.name === wait.name;
  let streaming = false;
  let following: Promise<void> = Promise.resolve();
  // Resolves once the engine streams the events (or the read failed: the bound from the request stands).
  const opened = new Promise<void>((resolve) => {
    const onOpen = () => {
      streaming = true;
      resolve();
    };
    following = engine
      .events(wait.labels, { signal: watch.signal, onOpen, actions: ['kill', 'die'] }, (e) => {
        if (ours(e)) giveUpIn(e.action === 'kill' ? wait.exitSeconds * 1000 : undefined);
      })
      .then(resolve, resolve);
  });
  // The stop goes once the events are read (its `kill` is not missed), or without them when the
  // engine does not answer that read within the bound.
  const unsignalled = wait.unsignalledMs ?? UNSIGNALLED_MS;
  let late: NodeJS.Timeout | undefined;
  await Promise.race([opened, new Promise<void>((resolve) => (late = setTimeout(resolve, unsignalled)))]);
  clearTimeout(late);
  giveUpIn(unsignalled);
  try {
    await engine.stopContainer(id, wait.graceSeconds, { signal: giveUp.signal });
    return true;
  } catch (err) {
    if (!giveUp.signal.aborted) throw err;
    return false;
  } finally {
    giveUpIn(undefined);
    watch.abort();
    // A stream that never opened is a request the engine never answered: nothing to wait for.
    if (streaming) await following;
  }
}
