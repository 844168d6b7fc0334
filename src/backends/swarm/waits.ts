/**
 * Waiting on the swarm: polling its task list (no exec) until the replicas run, and reading the
 * load balancer's own account of its servers from its log (it runs on this node: specs.ts pins
 * it). A rolling update Swarm runs is waited for until it completed (or Swarm rolled it back).
 */
import type { Context } from '../../core/steps.js';
import { lastOutput } from '../../engine/last-output.js';
import type { SwarmService, SwarmTask } from '../../engine/swarm.js';
import { ConflictError, InternalError, InterruptedError, RejectedError } from '../../errors.js';
import { names } from '../../model/naming.js';
import { swarmNames } from './names.js';
import { currentTasks, taskImage } from './tasks.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 100;
/** How long a host port must look taken before a wait gives up on it. */
const PORT_TAKEN_MS = 3000;
/** How long tasks may stay pending with a reason (no node takes them) before a wait gives up on them. */
const UNSCHEDULABLE_MS = 3000;
/** What a node says when it cannot get an image. */
const NO_IMAGE =
  /no such image|pull access denied|manifest (unknown|for .* not found)|repository does not exist/i;

/**
 * Tasks of the service's spec since `since` that no waiting will bring up: one Swarm rejected (a
 * node could not prepare it: an image it cannot get is a 404), or tasks pending with a reason
 * (no node meets a constraint or has the resources) for UNSCHEDULABLE_MS.
 */
export function rejection(
  what: string,
  tasks: SwarmTask[],
  since: number,
  seen: { pendingSince?: number },
  now = Date.now(),
): RejectedError | undefined {
  const fresh = tasks.filter((t) => (Date.parse(t.updated) || 0) >= since);
  const rejected = fresh.find((t) => t.state === 'rejected' && t.error);
  if (rejected)
    return new RejectedError(
      NO_IMAGE.test(rejected.error) ? 404 : 409,
      `Swarm rejected ${what}: ${rejected.error}`,
    );
  const pending = fresh.find((t) => t.state === 'pending' && t.desiredState === 'running' && t.error);
  if (!pending) seen.pendingSince = undefined;
  else if (seen.pendingSince === undefined) seen.pendingSince = now;
  else if (now - seen.pendingSince >= UNSCHEDULABLE_MS)
    return new RejectedError(409, `Swarm cannot place ${what}: ${pending.error}`);
  return undefined;
}

/** States of a task whose container exited by itself: non-zero (`failed`), or 0 (`complete`). */
const EXITED = new Set(['failed', 'complete']);
/** How often the replicas' tasks are listed while the load balancer's wait for them goes on. */
const GUARD_MS = 250;

/**
 * A task updated since `since` whose container ran and exited by itself (the app ended, or failed
 * at start). Pure. A replica that exits while svc waits for it fails the wait at once, as on the
 * local backend (src/lb/health.ts): Swarm starts another task, but the app mostly exits again.
 */
export function exitedTask(tasks: SwarmTask[], since: number): SwarmTask | undefined {
  return tasks.find(
    (t) => EXITED.has(t.state) && t.containerId !== '' && (Date.parse(t.updated) || 0) >= since,
  );
}

/** `what` exited: Swarm's words and, when its container is on this node, its last output. */
async function exitedError(ctx: Context, what: string, t: SwarmTask): Promise<InternalError> {
  const said = await lastOutput(ctx.engine, t.containerId);
  return new InternalError(`${what} exited before it was ready (Swarm: ${t.error || t.state})${said}`);
}

/** Poll `check` until it gives a value (or an Error); on timeout, `why()` says what was seen last. */
export async function poll<T>(
  ctx: Context,
  what: string,
  timeoutMs: number,
  check: () => Promise<T | Error | undefined>,
  why: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ctx.signal?.aborted) throw new InterruptedError('interrupted');
    const r = await check();
    if (r instanceof Error) throw r;
    if (r !== undefined) return r;
    if (Date.now() > deadline) {
      const seen = why();
      throw new InternalError(
        `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${seen ? ` (${seen})` : ''}`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** The running task of the load balancer: its container is on this node. */
async function lbContainer(
  ctx: Context,
  lb: SwarmService,
  seen: { error: string; takenSince?: number },
): Promise<string | Error | undefined> {
  const all = await ctx.engine.swarm.listTasks([lb.id]);
  const tasks = currentTasks(all, lb.id);
  const portWords = /port already in use|address already in use/;
  const failed = tasks.find(
    (t) => (t.state === 'failed' || t.state === 'rejected') && !portWords.test(t.error),
  );
  if (failed) return new InternalError(`the load balancer's task ${failed.state}: ${failed.error}`);
  // A host port taken will not free itself by waiting: Swarm keeps the task pending (the port is
  // another swarm task's) or lets it fail at start and tries again (anything else's). Say so,
  // unless our own older task still holds it (an update of the load balancer: Swarm stops the
  // old task first), and only once it has been so for a while (Swarm retries pending tasks when
  // a port frees).
  const since = Date.parse(lb.updated) || 0;
  const taken = all.find(
    (t) => t.serviceId === lb.id && (Date.parse(t.updated) || 0) >= since && portWords.test(t.error),
  );
  const ownHolds = all.some((t) => t.serviceId === lb.id && t.state === 'running');
  if (!taken || ownHolds) seen.takenSince = undefined;
  else if (seen.takenSince === undefined) seen.takenSince = Date.now();
  else if (taken && Date.now() - seen.takenSince >= PORT_TAKEN_MS) {
    const spec = lb.spec.EndpointSpec as { Ports?: Array<{ PublishedPort?: number }> } | undefined;
    const ports = (spec?.Ports ?? []).map((p) => p.PublishedPort).join(', ');
    const words = taken.error.replace(/^.*(Error starting userland proxy: )/, '');
    return new ConflictError(`host port ${ports} is taken (Swarm: ${words})`);
  }
  const pending = tasks.find((t) => t.state === 'pending' && t.error);
  seen.error = pending ? `Swarm: ${pending.error}` : '';
  // Swarm answers an update before it replaces the task: until then the old one still runs.
  const running = tasks.find(
    (t) => t.state === 'running' && t.containerId && (Date.parse(t.updated) || 0) >= since,
  );
  return running?.containerId;
}

export function byName(ctx: Context, name: string): Promise<SwarmService> {
  return ctx.engine.swarm.inspectService(name);
}

/**
 * A rolling update Swarm runs (the one that began after `before`): done when it completed; a
 * rollback (Swarm's, on failure) is an error.
 */
export async function rollingDone(
  ctx: Context,
  name: string,
  before: SwarmService,
  replicas: number,
): Promise<void> {
  // --timeout bounds each new replica: the whole update gets it for each.
  const seen = {};
  await poll(ctx, `the rolling update of ${name}`, ctx.timeoutMs * Math.max(1, replicas), async () => {
    const s = await byName(ctx, name);
    if (!s.updateStarted || s.updateStarted === before.updateStarted) return undefined; // not begun yet
    if (s.updateState === 'completed') return true;
    // A task of the new spec that cannot run: Swarm would only roll back after its monitor period.
    const since = Date.parse(s.updated) || 0;
    const tasks = await ctx.engine.swarm.listTasks([s.id]);
    const refused = rejection(`the update of ${name}`, tasks, since, seen);
    if (refused) return refused;
    // Swarm rolling back (a new task failed): wait until it is back, then say so.
    if (s.updateState === 'rollback_started') {
      ctx.onProgress?.(`Swarm is rolling the update back: ${s.updateMessage}`);
      return undefined;
    }
    if (s.updateState.startsWith('rollback') || s.updateState === 'paused') {
      // Why, when a task of the update exited (Swarm's message says only that it rolled back).
      const exited = exitedTask(tasks, Date.parse(s.updateStarted) || since);
      const why = exited
        ? `; ${(await exitedError(ctx, `a new replica (task ${exited.id})`, exited)).message}`
        : '';
      return new InternalError(
        `Swarm rolled the update of ${name} back: ${s.updateMessage || s.updateState}${why}`,
      );
    }
    ctx.onProgress?.(`rolling update: ${s.updateMessage || s.updateState}`);
    return undefined;
  });
}

/** Swarm's own rollback of `name`, when one is under way, waited for until it ended. */
export async function rollbackEnded(ctx: Context, name: string, timeoutMs: number): Promise<void> {
  await poll(ctx, `Swarm's rollback of ${name}`, timeoutMs, async () => {
    const s = await byName(ctx, name);
    return s.updateState === 'rollback_started' ? undefined : true;
  });
}

/** Task states in which a task's container runs (`starting`: it waits for its HEALTHCHECK). */
const LIVE = new Set(['starting', 'running']);

/**
 * Every task of `name` that Swarm replaced (its desired state no longer running) waited for until
 * its container stopped: a rolling update or rollback ends before the tasks it replaced exited
 * (start-first stops them after; an app that ignores SIGTERM takes its stop grace period).
 */
export async function replacedStopped(ctx: Context, name: string, timeoutMs: number): Promise<void> {
  const s = await byName(ctx, name);
  let left: SwarmTask[] = [];
  await poll(
    ctx,
    `the replaced tasks of ${name} to stop`,
    timeoutMs,
    async () => {
      const tasks = await ctx.engine.swarm.listTasks([s.id]);
      left = tasks.filter((t) => t.desiredState !== 'running' && LIVE.has(t.state));
      return left.length === 0 ? true : undefined;
    },
    () => left.map((t) => `task ${t.id} ${t.state}`).join(', '),
  );
}

/**
 * A rolling update of `name` that svc no longer waits for, waited for until Swarm ended it:
 * completed, or rolled back (a new task failed); each new replica gets the timeout.
 */
export async function updateEnds(ctx: Context, name: string): Promise<void> {
  const first = await byName(ctx, name);
  const mode = first.spec.Mode as { Replicated?: { Replicas?: number } } | undefined;
  const replicas = Math.max(1, mode?.Replicated?.Replicas ?? 1);
  await poll(ctx, `Swarm's rolling update of ${name}`, ctx.timeoutMs * replicas, async () => {
    const s = await byName(ctx, name);
    if (s.updateState === 'updating' || s.updateState === 'rollback_started') {
      ctx.onProgress?.(`Swarm's rolling update: ${s.updateMessage || s.updateState}`);
      return undefined;
    }
    return true;
  });
}

/** What a wait waits for: the replicas running (of `image`, if given), the load balancer loaded. */
export interface SwarmWait {
  service: string;
  replicas: number;
  image?: string;
  lbLoaded: boolean;
}

/**
 * Wait until svc service `step.service` has `replicas` running tasks (of `image`, if given) and
 * its load balancer runs (`lbLoaded`: and has loaded its config) and sees them UP.
 */
export async function waitFor(step: SwarmWait, ctx: Context): Promise<void> {
  const replicas = await byName(ctx, swarmNames.replicas(ctx.tenant, step.service));
  const lb = await byName(ctx, names.lb(ctx.tenant, step.service));
  const since = Date.parse(replicas.updated) || 0;
  const pending = {};
  if (step.replicas > 0 || !step.lbLoaded)
    await poll(ctx, `${step.replicas} running replicas of ${step.service}`, ctx.timeoutMs, async () => {
      const all = await ctx.engine.swarm.listTasks([replicas.id]);
      const refused = rejection(`the replicas of ${step.service}`, all, since, pending);
      if (refused) return refused;
      const exited = exitedTask(all, since);
      if (exited) return exitedError(ctx, replicaOf(step.service, exited), exited);
      const tasks = currentTasks(all, replicas.id);
      const running = tasks.filter(
        (t) => t.state === 'running' && (!step.image || taskImage(t) === step.image),
      );
      ctx.onProgress?.(`waiting for replicas: ${running.length}/${step.replicas} running`);
      return running.length === step.replicas && tasks.length === step.replicas ? true : undefined;
    });
  const seen: { error: string; takenSince?: number } = { error: '' };
  const container = await poll(
    ctx,
    'the load balancer to run',
    ctx.timeoutMs,
    () => lbContainer(ctx, lb, seen),
    () => seen.error,
  );
  const wait = { timeoutMs: ctx.timeoutMs, signal: ctx.signal, onProgress: ctx.onProgress };
  if (step.lbLoaded) await ctx.lb.waitLoaded(container, wait);
  if (step.replicas > 0)
    await whileNoneExits(ctx, replicas.id, since, step.service, (signal) =>
      ctx.lb.waitUpCount(container, step.replicas, { ...wait, signal }),
    );
}

const replicaOf = (service: string, t: SwarmTask) => `replica ${t.slot} of ${service} (task ${t.id})`;

/**
 * `wait`, while the replicas' tasks are listed every GUARD_MS: one that exits (exitedTask) fails
 * it at once; `wait`'s signal ends it then (and with the command's).
 */
async function whileNoneExits(
  ctx: Context,
  serviceId: string,
  since: number,
  service: string,
  wait: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal;
  const guard = (async (): Promise<never> => {
    for (;;) {
      await sleep(GUARD_MS);
      if (stop.signal.aborted) return new Promise<never>(() => undefined);
      const exited = exitedTask(await ctx.engine.swarm.listTasks([serviceId]).catch(() => []), since);
      if (exited && !stop.signal.aborted) throw await exitedError(ctx, replicaOf(service, exited), exited);
    }
  })();
  try {
    await Promise.race([wait(signal), guard]);
  } finally {
    stop.abort();
  }
}
