/**
 * Running the Swarm steps of a plan (steps.ts) for the executor: each returns how to undo it
 * (or nothing). Waits poll the swarm's task list (no exec) and read the load balancer's own
 * account of its servers from its log (it runs on this node: src/swarm/specs.ts pins it).
 */

import type { Step } from '../core/steps.js';
import type { ServiceSpecJson, SwarmEngine, SwarmService, SwarmTask } from '../engine/swarm.js';
import { InternalError, InterruptedError } from '../errors.js';
import type { LoadBalancerDriver } from '../lb/driver.js';
import { names } from '../model/naming.js';

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
const POLL_MS = 250;

async function poll<T>(
  ctx: SwarmStepContext,
  what: string,
  timeoutMs: number,
  check: () => Promise<T | Error | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    if (ctx.signal?.aborted) throw new InterruptedError('interrupted');
    const r = await check();
    if (r instanceof Error) throw r;
    if (r !== undefined) return r;
    if (Date.now() > deadline)
      throw new InternalError(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${last}`);
    await sleep(POLL_MS);
    last = '';
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
async function lbContainer(ctx: SwarmStepContext, lb: SwarmService): Promise<string | Error | undefined> {
  const tasks = current(await ctx.swarm.listTasks([lb.id]), lb.id);
  const failed = tasks.find((t) => t.state === 'failed' || t.state === 'rejected');
  if (failed) return new InternalError(`the load balancer's task ${failed.state}: ${failed.error}`);
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
  const container = await poll(ctx, 'the load balancer to run', ctx.timeoutMs, () => lbContainer(ctx, lb));
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
