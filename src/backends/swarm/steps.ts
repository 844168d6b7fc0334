/**
 * Running the Swarm steps of a plan (steps.ts) for the executor: each returns how to undo it
 * (or nothing). Waits poll the swarm's task list (no exec) and read the load balancer's own
 * account of its servers from its log (it runs on this node: src/swarm/specs.ts pins it).
 */

import type { Step } from '../../core/steps.js';
import type { ServiceSpecJson, SwarmEngine, SwarmService, SwarmTask } from '../../engine/swarm.js';
import { ConflictError, InternalError, InterruptedError } from '../../errors.js';
import type { LoadBalancerDriver } from '../../lb/driver.js';
import { names } from '../../model/naming.js';

type SwarmStep = Extract<Step, { op: `swarm-${string}` }>;

export interface SwarmStepContext {
  swarm: SwarmEngine;
  lb: LoadBalancerDriver;
  tenant: string;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (text: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 100;
/** How long a host port must look taken before a wait gives up on it. */
const PORT_TAKEN_MS = 3000;

/** Poll `check` until it gives a value (or an Error); on timeout, `why()` says what was seen last. */
async function poll<T>(
  ctx: SwarmStepContext,
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

/** Tasks the swarm wants running, one a slot (the newest). */
function current(tasks: SwarmTask[], serviceId: string): SwarmTask[] {
  const bySlot = new Map<number, SwarmTask>();
  for (const t of tasks) {
    if (t.serviceId !== serviceId || t.desiredState !== 'running') continue;
    const had = bySlot.get(t.slot);
    if (!had || t.updated > had.updated) bySlot.set(t.slot, t);
  }
  return [...bySlot.values()];
}

/** The running task of the load balancer: its container is on this node. */
async function lbContainer(
  ctx: SwarmStepContext,
  lb: SwarmService,
  seen: { error: string; takenSince?: number },
): Promise<string | Error | undefined> {
  const all = await ctx.swarm.listTasks([lb.id]);
  const tasks = current(all, lb.id);
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
  const running = tasks.find((t) => t.state === 'running' && t.containerId);
  return running?.containerId;
}

async function byName(ctx: SwarmStepContext, name: string): Promise<SwarmService> {
  return ctx.swarm.inspectService(name);
}

/**
 * A rolling update Swarm runs (the one that began after `before`): done when it completed; a
 * rollback (Swarm's, on failure) is an error.
 */
async function rollingDone(
  ctx: SwarmStepContext,
  name: string,
  before: SwarmService,
  replicas: number,
): Promise<void> {
  // --timeout bounds each new replica: the whole update gets it for each.
  await poll(ctx, `the rolling update of ${name}`, ctx.timeoutMs * Math.max(1, replicas), async () => {
    const s = await byName(ctx, name);
    if (!s.updateStarted || s.updateStarted === before.updateStarted) return undefined; // not begun yet
    if (s.updateState === 'completed') return true;
    // Swarm rolling back (a new task failed): wait until it is back, then say so.
    if (s.updateState === 'rollback_started') {
      ctx.onProgress?.(`Swarm is rolling the update back: ${s.updateMessage}`);
      return undefined;
    }
    if (s.updateState.startsWith('rollback') || s.updateState === 'paused') {
      return new InternalError(
        `Swarm rolled the update of ${name} back: ${s.updateMessage || s.updateState}`,
      );
    }
    ctx.onProgress?.(`rolling update: ${s.updateMessage || s.updateState}`);
    return undefined;
  });
}

async function waitFor(step: Extract<Step, { op: 'swarm-wait' }>, ctx: SwarmStepContext): Promise<void> {
  const replicas = await byName(ctx, names.swarmReplicas(ctx.tenant, step.service));
  const lb = await byName(ctx, names.lb(ctx.tenant, step.service));
  if (step.replicas > 0 || !step.lbLoaded)
    await poll(ctx, `${step.replicas} running replicas of ${step.service}`, ctx.timeoutMs, async () => {
      const tasks = current(await ctx.swarm.listTasks([replicas.id]), replicas.id);
      const running = tasks.filter((t) => t.state === 'running' && (!step.image || t.image === step.image));
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
  if (step.replicas > 0) await ctx.lb.waitUpCount(container, step.replicas, wait);
}

/**
 * The spec with the IDs of the configs and secrets it names: plans name them (they are made in
 * the same plan); the engine wants their IDs too.
 */
async function withObjectIds(ctx: SwarmStepContext, spec: ServiceSpecJson): Promise<ServiceSpecJson> {
  const cs = (spec.TaskTemplate as { ContainerSpec?: Record<string, unknown> } | undefined)?.ContainerSpec;
  const configs = (cs?.Configs as Array<{ ConfigName: string; ConfigID?: string }> | undefined) ?? [];
  const secrets = (cs?.Secrets as Array<{ SecretName: string; SecretID?: string }> | undefined) ?? [];
  if (!cs || configs.length + secrets.length === 0) return spec;
  const [allConfigs, allSecrets] = await Promise.all([ctx.swarm.listConfigs([]), ctx.swarm.listSecrets([])]);
  const id = (list: Array<{ id: string; name: string }>, name: string, kind: string) => {
    const found = list.find((o) => o.name === name);
    if (!found) throw new InternalError(`no swarm ${kind} named ${name}`);
    return found.id;
  };
  const container = {
    ...cs,
    Configs: configs.map((c) => ({ ...c, ConfigID: id(allConfigs, c.ConfigName, 'config') })),
    Secrets: secrets.map((c) => ({ ...c, SecretID: id(allSecrets, c.SecretName, 'secret') })),
  };
  return { ...spec, TaskTemplate: { ...(spec.TaskTemplate as object), ContainerSpec: container } };
}

/** Run one Swarm step; returns its undo when it changed something. */
export async function runSwarmStep(
  step: SwarmStep,
  ctx: SwarmStepContext,
): Promise<(() => Promise<void>) | undefined> {
  const { swarm } = ctx;
  switch (step.op) {
    case 'swarm-object': {
      const id =
        step.kind === 'config'
          ? await swarm.createConfig(step.name, step.labels, step.data)
          : await swarm.createSecret(step.name, step.labels, step.data);
      return () => (step.kind === 'config' ? swarm.removeConfig(id) : swarm.removeSecret(id));
    }
    case 'swarm-create': {
      ctx.onProgress?.(`creating swarm service ${step.spec.Name}`);
      const id = await swarm.createService(await withObjectIds(ctx, step.spec));
      return () => swarm.removeService(id);
    }
    case 'swarm-update': {
      const before = await byName(ctx, step.service);
      ctx.onProgress?.(`updating swarm service ${step.service}`);
      await swarm.updateService(before.id, before.version, await withObjectIds(ctx, step.spec));
      const mode = step.spec.Mode as { Replicated?: { Replicas?: number } } | undefined;
      const replicas = mode?.Replicated?.Replicas ?? 1;
      // Back to the spec before; a rolling update back is waited for (Swarm rolls it like any other).
      const undo = async () => {
        const now = await byName(ctx, step.service);
        if (JSON.stringify(now.spec) === JSON.stringify(before.spec)) return; // Swarm rolled it back already
        await swarm.updateService(now.id, now.version, before.spec);
        if (step.rolling)
          await rollingDone({ ...ctx, signal: undefined }, step.service, now, replicas).catch(
            () => undefined,
          );
      };
      if (step.rolling) {
        try {
          await rollingDone(ctx, step.service, before, replicas);
        } catch (err) {
          await undo().catch(() => undefined);
          throw err;
        }
      }
      return undo;
    }
    case 'swarm-wait':
      await waitFor(step, ctx);
      return undefined;
    case 'swarm-remove':
      await removeObject(ctx, step);
      return undefined;
  }
}

/** Removing a config or secret fails while a task that used it is still going away: try again. */
async function removeObject(
  ctx: SwarmStepContext,
  step: Extract<Step, { op: 'swarm-remove' }>,
): Promise<void> {
  const { swarm } = ctx;
  if (step.kind === 'service') return swarm.removeService(step.name);
  const list = step.kind === 'config' ? await swarm.listConfigs([]) : await swarm.listSecrets([]);
  const found = list.find((o) => o.name === step.name);
  if (!found) return;
  for (let attempt = 1; ; attempt++) {
    try {
      return await (step.kind === 'config' ? swarm.removeConfig(found.id) : swarm.removeSecret(found.id));
    } catch (err) {
      if (attempt >= 40) throw err;
      await sleep(500);
    }
  }
}
