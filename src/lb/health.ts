/**
 * The image's HEALTHCHECK as a gate: a replica whose container has a Docker health check is
 * ready only once Docker says `healthy`. The driver waits for it before a reload puts the replica
 * into the load balancer's config (scale, rolling update), and beside the load balancer's own
 * checks for `create --wait`. `unhealthy` fails the wait at once; containers without a health
 * check pass at once. Docker's verdict is read by inspecting the containers (one call each, every
 * POLL_MS) while any is still `starting`.
 */
import type { ContainerDetail, ContainerState, Engine } from '../engine/engine.js';
import { lastOutput } from '../engine/last-output.js';
import { InternalError, InterruptedError } from '../errors.js';
import { LABEL } from '../model/naming.js';
import type { WaitOptions } from './waits.js';

/** How often the containers are inspected while one is `starting`. */
const POLL_MS = 250;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function unhealthyError(c: ContainerDetail): InternalError {
  const said = c.healthOutput ? `: its last check said ${JSON.stringify(c.healthOutput)}` : '';
  return new InternalError(`${c.name} is unhealthy by its health check (HEALTHCHECK of ${c.image})${said}`);
}

function describe(waiting: ContainerDetail[]): string {
  return waiting
    .map(
      (c) =>
        `${c.name} ${c.health ?? c.state}${c.healthOutput ? ` (${JSON.stringify(c.healthOutput)})` : ''}`,
    )
    .join(', ');
}

/**
 * Until every one of `containers` (names or IDs) that has a Docker health check is `healthy`.
 * Throws at once when one is `unhealthy`, after `timeoutMs` when some are still not healthy, and
 * an InterruptedError when `signal` aborts.
 */
export async function untilHealthy(engine: Engine, containers: string[], opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let pending = containers;
  let said = '';
  for (;;) {
    const details = await Promise.all(pending.map((c) => engine.inspectContainer(c)));
    const gated = details.filter((d) => d.hasHealthCheck);
    const bad = gated.find((d) => d.health === 'unhealthy');
    if (bad) throw unhealthyError(bad);
    const waiting = gated.filter((d) => d.health !== 'healthy');
    if (waiting.length === 0) return;
    const text = `waiting for Docker health: ${gated.length - waiting.length}/${gated.length} healthy`;
    if (text !== said) {
      said = text;
      opts.onProgress?.(text);
    }
    if (opts.signal?.aborted) throw new InterruptedError('interrupted');
    if (Date.now() >= deadline)
      throw new InternalError(
        `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for replicas to be healthy: ${describe(waiting)}`,
      );
    // Those without a health check need no second look; the others do, healthy ones included
    // (one that turns unhealthy meanwhile fails the wait too).
    pending = gated.map((d) => d.id);
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())), opts.signal);
  }
}

/** States of a container whose process is not running: it exited (and may be restarted). */
const DOWN: ReadonlySet<ContainerState> = new Set(['exited', 'dead', 'restarting']);

/** How long a wait that failed otherwise waits for the guard's first look before it says so. */
const LOOK_GRACE_MS = 3_000;

export interface ExitGuard {
  /** Rejects (never resolves) once one of the containers stopped running. */
  readonly exited: Promise<never>;
  /**
   * What a wait that failed meanwhile with `err` (its time ran out) should report: the exit, when
   * the guard's first look (at most LOOK_GRACE_MS more) or its events found one; else `err`
   * (always when it was interrupted).
   */
  explain(err: unknown): Promise<unknown>;
  /**
   * `wait` raced against the exit: the first to fail ends the other (`stop` aborts the signal
   * `wait` was given) and what it throws is explained (explain).
   */
  race<T>(wait: Promise<T>, stop: AbortController): Promise<T>;
  /** Stop watching. */
  stop(): void;
}

/** The error of replica `name` that exited before it was ready, with its last output. */
async function exitedError(
  engine: Engine,
  name: string,
  exitCode: number | undefined,
): Promise<InternalError> {
  const code = exitCode === undefined ? '' : ` with code ${exitCode}`;
  return new InternalError(`${name} exited${code} before it was ready${await lastOutput(engine, name)}`);
}

/**
 * The exit code of the run before container `c`'s current one (its restart policy started it
 * again: the engine has reset State.ExitCode), from the engine's past `die` events; undefined
 * when they are no longer kept.
 */
async function previousExitCode(engine: Engine, c: ContainerDetail): Promise<number | undefined> {
  const until = Date.parse(c.startedAt) / 1000;
  if (!until) return undefined;
  let code: number | undefined;
  await engine
    .events([LABEL.managed], { since: c.created, until, signal: AbortSignal.timeout(LOOK_GRACE_MS) }, (e) => {
      if (e.action === 'die' && e.id === c.id) code = e.exitCode;
    })
    .catch(() => undefined);
  return code;
}

/**
 * A replica that stops running while svc waits for it to be ready fails the wait at once, with
 * its exit code and its last output, instead of a timeout that says only that it is not UP (as
 * Swarm fails an update whose new task exits). Its restart policy has the engine start it again,
 * but an app that exits while it starts mostly does so again, and the command that waits for it
 * is the one that can say why. Watched through the engine's events (`die`), and with one look at
 * each container once they stream: one that is not running had exited before; so had one that
 * its restart policy started again since it was started, when this command started them
 * (`startedHere`: a start resets that count; a replica that restarted once last week does not
 * fail a command that only waits for it, as a FIP change's new load balancer does).
 * `containers`: names or IDs.
 */
export function exitGuard(engine: Engine, containers: string[], opts: { startedHere: boolean }): ExitGuard {
  const wanted = new Set(containers);
  const abort = new AbortController();
  let failure: Error | undefined;
  let fail: (err: Error) => void = () => undefined;
  const exited = new Promise<never>((_, reject) => {
    fail = (err) => {
      failure = err;
      reject(err);
    };
  });
  exited.catch(() => undefined);
  let reported: Promise<void> = Promise.resolve();
  const exit = (name: string, exitCode: Promise<number | undefined> | number | undefined) => {
    if (abort.signal.aborted) return;
    abort.abort();
    reported = Promise.resolve(exitCode)
      .then((code) => exitedError(engine, name, code))
      .then(fail);
  };
  const opened = new Promise<void>((resolve) => {
    // A stream that fails watches nothing more: the wait's own timeout still bounds it.
    engine
      .events([LABEL.managed], { signal: abort.signal, onOpen: resolve }, (e) => {
        if (e.action === 'die' && (wanted.has(e.name) || wanted.has(e.id))) exit(e.name, e.exitCode);
      })
      .then(resolve, resolve);
  });
  const look = opened.then(async () => {
    if (abort.signal.aborted) return;
    const details = await Promise.all(
      containers.map((c) => engine.inspectContainer(c).catch(() => undefined)),
    );
    const down = details.find((d) => d !== undefined && DOWN.has(d.state));
    const restarted = opts.startedHere
      ? details.find((d) => d !== undefined && (d.restartCount ?? 0) > 0)
      : undefined;
    if (down) exit(down.name, down.exitCode);
    else if (restarted) exit(restarted.name, previousExitCode(engine, restarted));
  });
  const explain = async (err: unknown): Promise<unknown> => {
    if (err instanceof InterruptedError) return err;
    const grace = new AbortController();
    await Promise.race([look.then(() => reported), sleep(LOOK_GRACE_MS, grace.signal)]);
    grace.abort();
    return failure ?? err;
  };
  return {
    exited,
    explain,
    race: <T>(wait: Promise<T>, stop: AbortController) =>
      Promise.race([wait, exited]).catch(async (err: unknown) => {
        stop.abort();
        throw await explain(err);
      }),
    stop: () => abort.abort(),
  };
}
