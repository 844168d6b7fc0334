/**
 * The Swarm backend's own steps (BackendStep): each describes itself, runs on the swarm the engine
 * manages, and returns how to undo what it changed; the one executor runs them under its journal.
 */
import type { BackendStep, Context, Undo } from '../../core/steps.js';
import type { Labels } from '../../engine/engine.js';
import type { ServiceSpecJson } from '../../engine/swarm.js';
import { InternalError, NotFoundError } from '../../errors.js';
import { labelFilter } from '../../model/naming.js';
import {
  byName,
  poll,
  replacedStopped,
  rollbackEnded,
  rollingDone,
  type SwarmWait,
  sleep,
  updateEnds,
  waitFor,
} from './waits.js';

type ObjectKind = 'config' | 'secret';

function step(
  kind: string,
  name: string,
  describe: () => string,
  run: (ctx: Context) => Promise<Undo | undefined>,
): BackendStep {
  return { op: 'backend', name, what: `${kind} ${name}`, describe, run };
}

/** The tenant's attachable overlay network; undone when no Swarm service of the tenant is left. */
export function ensureOverlay(network: string, labels: Labels, lockImage: string): BackendStep {
  return step(
    'network',
    network,
    () => `ensure overlay network ${network}`,
    async (ctx) => {
      const net = await ctx.engine.ensureNetwork(network, labels, lockImage, 'overlay');
      if (!net.created) return undefined;
      return async () => {
        if ((await ctx.engine.swarm.listServices(labelFilter(ctx.tenant))).length === 0)
          await ctx.engine.removeNetwork(net.id);
      };
    },
  );
}

/** A config or secret (they cannot change: a change makes a new one). */
export function createObject(kind: ObjectKind, name: string, labels: Labels, data: string): BackendStep {
  return step(
    'swarm-object',
    name,
    () => `create swarm ${kind} ${name}`,
    async (ctx) => {
      const { swarm } = ctx.engine;
      const id =
        kind === 'config'
          ? await swarm.createConfig(name, labels, data)
          : await swarm.createSecret(name, labels, data);
      return () => (kind === 'config' ? swarm.removeConfig(id) : swarm.removeSecret(id));
    },
  );
}

export function createService(role: 'lb' | 'replica', spec: ServiceSpecJson): BackendStep {
  return step(
    'swarm-create',
    spec.Name,
    () => `create swarm service ${spec.Name} (${role})`,
    async (ctx) => {
      ctx.onProgress?.(`creating swarm service ${spec.Name}`);
      const id = await ctx.engine.swarm.createService(await withObjectIds(ctx, spec));
      return () => ctx.engine.swarm.removeService(id);
    },
  );
}

/** The least time an undone rolling update gives each replica to come back. */
const UNDO_MS = 30_000;

/** How long Swarm gives a task of `spec` to stop before it kills it. */
function stopGraceMs(spec: ServiceSpecJson): number {
  const task = spec.TaskTemplate as { ContainerSpec?: { StopGracePeriod?: number } } | undefined;
  return (task?.ContainerSpec?.StopGracePeriod ?? 10e9) / 1e6;
}

/** Replace a service's spec (`rolling`: Swarm's rolling update, which must complete). */
export function updateService(service: string, spec: ServiceSpecJson, rolling = false): BackendStep {
  const text = `update swarm service ${service}${rolling ? ' (rolling update, rollback on failure)' : ''}`;
  return step(
    'swarm-update',
    service,
    () => text,
    async (ctx) => {
      const { swarm } = ctx.engine;
      const before = await byName(ctx, service);
      ctx.onProgress?.(`updating swarm service ${service}`);
      await swarm.updateService(before.id, before.version, await withObjectIds(ctx, spec));
      const mode = spec.Mode as { Replicated?: { Replicas?: number } } | undefined;
      const replicas = mode?.Replicated?.Replicas ?? 1;
      // Back to the spec before; a rolling update back is waited for (Swarm rolls it like any other),
      // each replica given at least UNDO_MS whatever --timeout said (all or nothing comes first).
      // Undone, no task of the failed release runs: Swarm ends a rollback before the tasks it
      // replaced have stopped.
      const undo = async () => {
        const now = await byName(ctx, service);
        const settle = { ...ctx, signal: undefined, timeoutMs: Math.max(ctx.timeoutMs, UNDO_MS) };
        const bound = settle.timeoutMs * Math.max(1, replicas);
        if (JSON.stringify(now.spec) === JSON.stringify(before.spec)) {
          // Swarm rolls it back already: until that ends, a task of the failed release still runs.
          if (!rolling) return;
          await rollbackEnded(settle, service, bound).catch(() => undefined);
        } else {
          await swarm.updateService(now.id, now.version, before.spec);
          if (!rolling) return;
          await rollingDone(settle, service, now, replicas).catch(() => undefined);
        }
        await replacedStopped(settle, service, stopGraceMs(before.spec) + bound).catch(() => undefined);
      };
      if (rolling) {
        try {
          await rollingDone(ctx, service, before, replicas);
        } catch (err) {
          // Undone here, not by the journal (the step never returned its undo): say so as it would.
          const undone = await undo().then(
            () => true,
            () => false,
          );
          if (err instanceof Error)
            err.message += undone
              ? '; everything it had changed was undone'
              : `; could not put the spec of ${service} back`;
          throw err;
        }
      }
      return undo;
    },
  );
}

export function waitUntil(w: SwarmWait): BackendStep {
  const what = [
    ...(w.replicas > 0 ? [`${w.replicas} replicas${w.image ? ` of ${w.image}` : ''} running and UP`] : []),
    ...(w.lbLoaded ? ['the load balancer loaded'] : []),
  ];
  const text = `wait until ${w.service} has ${what.join(', ') || 'settled'}`;
  return step(
    'swarm-wait',
    w.service,
    () => text,
    async (ctx) => {
      await waitFor(w, ctx);
      return undefined;
    },
  );
}

/** A rolling update Swarm runs (begun by a command that is gone), waited for until it ends either way. */
export function updateEnded(service: string): BackendStep {
  return step(
    'swarm-wait',
    service,
    () => `wait until Swarm ends the rolling update of ${service}`,
    async (ctx) => {
      await updateEnds(ctx, service);
      return undefined;
    },
  );
}

/** Removing a service, config or secret; never undone (removal is cleanup). */
export function removeObject(kind: 'service' | ObjectKind, name: string): BackendStep {
  return step(
    'swarm-remove',
    name,
    () => `remove swarm ${kind} ${name}`,
    async (ctx) => {
      await remove(ctx, kind, name);
      return undefined;
    },
  );
}

/** How long a removed service's tasks may take to go (the load balancer's stop grace, and some). */
const TASKS_GONE_MS = 60_000;

/**
 * A service removed, and its tasks waited for until they are gone: until then their containers
 * hold its host port, its configs and secrets, and the network, and a create of the same name
 * right after would trip over them.
 */
async function removeService(ctx: Context, name: string): Promise<void> {
  const { swarm } = ctx.engine;
  const s = await swarm.inspectService(name).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (!s) return;
  await swarm.removeService(s.id);
  const left = { count: 0 };
  await poll(
    { ...ctx, signal: undefined },
    `the tasks of ${name} to go`,
    TASKS_GONE_MS,
    async () => {
      // A task leaves Swarm's list before its container is gone from the node: both are waited for.
      const [tasks, containers] = await Promise.all([
        swarm.tasksLeft([s.id]),
        ctx.engine.listContainers([`com.docker.swarm.service.id=${s.id}`]),
      ]);
      left.count = Math.max(tasks.length, containers.length);
      return left.count === 0 ? true : undefined;
    },
    () => `${left.count} left`,
  );
}

/** Removing a config or secret fails (in use) while a task that used it is still going away: try again. */
async function remove(ctx: Context, kind: 'service' | ObjectKind, name: string): Promise<void> {
  const { swarm } = ctx.engine;
  if (kind === 'service') return removeService(ctx, name);
  const list = kind === 'config' ? await swarm.listConfigs([]) : await swarm.listSecrets([]);
  const found = list.find((o) => o.name === name);
  if (!found) return;
  for (let attempt = 1; ; attempt++) {
    try {
      return await (kind === 'config' ? swarm.removeConfig(found.id) : swarm.removeSecret(found.id));
    } catch (err) {
      if (!/\bin use\b/.test(String((err as Error)?.message)) || attempt >= 40) throw err;
      await sleep(500);
    }
  }
}

/**
 * The spec with the IDs of the configs and secrets it names: plans name them (they are made in
 * the same plan); the engine wants their IDs too.
 */
async function withObjectIds(ctx: Context, spec: ServiceSpecJson): Promise<ServiceSpecJson> {
  const cs = (spec.TaskTemplate as { ContainerSpec?: Record<string, unknown> } | undefined)?.ContainerSpec;
  const configs = (cs?.Configs as Array<{ ConfigName: string; ConfigID?: string }> | undefined) ?? [];
  const secrets = (cs?.Secrets as Array<{ SecretName: string; SecretID?: string }> | undefined) ?? [];
  if (!cs || configs.length + secrets.length === 0) return spec;
  const [allConfigs, allSecrets] = await Promise.all([
    ctx.engine.swarm.listConfigs([]),
    ctx.engine.swarm.listSecrets([]),
  ]);
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
