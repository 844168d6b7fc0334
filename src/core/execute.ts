/**
 * The one executor: runs a plan's steps (steps.ts) on the engine and the load balancer driver,
 * with a journal. Every step that changed something leaves its undo there; when a step fails or
 * the command is interrupted, the journal is undone newest first, so the service is exactly as it
 * was (its records, containers and load balancer config) or the error names what could not be
 * put back. The plan's cleanup runs after the commit: its failures are notes, never undone.
 */
import type { Engine } from '../engine/engine.js';
import { ConflictError, InterruptedError, NotFoundError, SvcError, UsageError } from '../errors.js';
import type { LbState, LoadBalancerDriver } from '../lb/driver.js';
import { LABEL, labelFilter, names, serverName, usesTenantNetwork } from '../model/naming.js';
import { runSwarmStep } from '../swarm/steps.js';
import type { LbTarget, Plan, Step } from './steps.js';

export interface Context {
  engine: Engine;
  lb: LoadBalancerDriver;
  tenant: string;
  /** How long a wait for replicas may take. */
  timeoutMs: number;
  /** Progress for people (a spinner's text); never data. */
  onProgress?: (text: string) => void;
  /** Aborting stops at the next step (or wait) and undoes what was done. */
  signal?: AbortSignal;
}

export interface Outcome {
  /** Container IDs by name: those known before, and those this run created. */
  ids: Map<string, string>;
  /** What the cleanup could not do (the change itself is done). */
  notes: string[];
}

interface JournalEntry {
  what: string;
  undo: () => Promise<void>;
}

const PARALLELISM = 8;

/** The load balancer's view of a target: server `rN` is replica N's container, by name. */
export function lbState(tenant: string, t: LbTarget): LbState {
  return {
    spec: t.spec,
    servers: t.servers.map((n) => ({
      name: serverName(n),
      host: names.replica(tenant, t.spec.Name, n),
      port: t.spec.ContainerPort,
    })),
    cert: t.cert,
    allow: t.allow,
  };
}

/** The engine's refusal to start a published load balancer, in terms of the spec. */
function explainStartFailure(
  err: unknown,
  publish: { hostIp: string; hostPort: number } | undefined,
): unknown {
  if (!(err instanceof SvcError) || !publish) return err;
  if (/port is already allocated|address already in use/i.test(err.message)) {
    return new ConflictError(`host port ${publish.hostIp}:${publish.hostPort} is already in use`, {
      cause: err,
    });
  }
  if (/cannot assign requested address/i.test(err.message)) {
    return new UsageError(
      `FIP ${publish.hostIp} is not an address of the engine's host (use 127.0.0.1, 0.0.0.0 or one of its own addresses)`,
    );
  }
  return err;
}

/** A wait for replicas that failed names them (and the image they run) in its error. */
async function unhealthy<T>(
  target: LbTarget,
  up: number[],
  tenant: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (
      up.length > 0 &&
      err instanceof SvcError &&
      !(err instanceof InterruptedError) &&
      /^timed out/.test(err.message)
    ) {
      const who = up.map((n) => names.replica(tenant, target.spec.Name, n)).join(', ');
      err.message = `${who} did not become healthy (image ${target.spec.Image}): ${err.message}`;
    }
    throw err;
  }
}

class Run {
  readonly journal: JournalEntry[] = [];
  private readonly created = new Set<string>();
  private readonly networks = new Map<string, string>();

  constructor(
    private readonly ctx: Context,
    readonly ids: Map<string, string>,
  ) {}

  private id(name: string): string {
    const id = this.ids.get(name);
    if (!id) throw new NotFoundError(`no container named ${name}`);
    return id;
  }

  private done(what: string, undo: () => Promise<void>): void {
    this.journal.push({ what, undo });
  }

  private wait() {
    const { timeoutMs, signal, onProgress } = this.ctx;
    return { timeoutMs, signal, onProgress };
  }

  async step(step: Step): Promise<void> {
    const { engine, lb, tenant } = this.ctx;
    const progress = this.ctx.onProgress ?? (() => undefined);
    switch (step.op) {
      case 'pull-image':
        progress(`pulling ${step.image}`);
        try {
          await engine.pullImage(step.image, (p) =>
            progress(`pulling ${step.image}: ${p.status} ${p.progress ?? ''}`),
          );
        } catch (err) {
          if (err instanceof SvcError && err.status === 503) throw err;
          const why = err instanceof Error ? err.message : String(err);
          throw new NotFoundError(`image "${step.image}" is not present and could not be pulled: ${why}`, {
            cause: err,
          });
        }
        return;
      case 'ensure-network': {
        const net = await engine.ensureNetwork(step.network, step.labels, step.lockImage, step.driver);
        this.networks.set(step.network, net.id);
        if (net.created)
          this.done(`network ${step.network}`, () => this.removeNetworkIfUnused(net.id, step.driver));
        return;
      }
      case 'create': {
        const c = step.container;
        progress(`creating ${c.name}`);
        let id: string;
        try {
          // By ID: for a moment a concurrent create may have made a second network of that name.
          id = await engine.createContainer({ ...c, network: this.networks.get(c.network) ?? c.network });
        } catch (err) {
          if (err instanceof ConflictError && (step.role === 'lb' || step.role === 'record')) {
            const service = c.labels[LABEL.service] ?? c.name;
            throw new ConflictError(
              step.role === 'lb'
                ? `service "${service}" already exists (its load balancer ${c.name} is there)`
                : `service "${service}" is being changed by another command; try again when it is done`,
              { cause: err },
            );
          }
          throw err;
        }
        this.ids.set(c.name, id);
        this.created.add(id);
        this.done(`${step.role} ${c.name}`, () => engine.removeContainer(id));
        return;
      }
      case 'start': {
        const id = this.id(step.name);
        progress(`starting ${step.name}`);
        await engine.startContainer(id);
        if (!this.created.has(id)) this.done(`start of ${step.name}`, () => engine.stopContainer(id, 10));
        return;
      }
      case 'lb-configure':
        await lb.configure(this.id(step.lb), lbState(tenant, step.target), {
          certFrom: step.certFrom ? this.id(step.certFrom) : undefined,
        });
        return;
      case 'lb-start':
        progress(`starting ${step.lb}`);
        try {
          await lb.start(this.id(step.lb), this.wait());
        } catch (err) {
          throw explainStartFailure(err, step.publish);
        }
        return;
      case 'lb-apply': {
        progress('reloading the load balancer');
        const undo = await unhealthy(step.target, step.up, tenant, () =>
          lb.apply(this.id(step.lb), lbState(tenant, step.target), {
            ...this.wait(),
            up: step.up.map(serverName),
            drain: step.drain,
          }),
        );
        this.done(`the config of ${step.lb}`, undo);
        return;
      }
      case 'lb-wait':
        await lb.waitUp(this.id(step.lb), step.up.map(serverName), this.wait());
        return;
      case 'rename': {
        const id = this.id(step.name);
        await engine.renameContainer(id, step.to, step.network);
        this.ids.set(step.to, id);
        this.done(`the name of ${step.name}`, () => engine.renameContainer(id, step.name, step.network));
        return;
      }
      case 'stop':
        progress(`stopping ${step.name}`);
        await engine.stopContainer(this.id(step.name), step.graceSeconds);
        return;
      case 'remove':
        await engine.removeContainer(this.id(step.name));
        return;
      case 'swarm-object':
      case 'swarm-create':
      case 'swarm-update':
      case 'swarm-wait':
      case 'swarm-remove': {
        const undo = await runSwarmStep(step, { ...this.ctx, swarm: engine.swarm });
        if (undo)
          this.done(
            `${step.op} ${'name' in step ? step.name : 'service' in step ? step.service : step.spec.Name}`,
            undo,
          );
        return;
      }
    }
  }

  /** The tenant network goes only when no object of the tenant that joins it is left. */
  private async removeNetworkIfUnused(network: string, driver?: 'bridge' | 'overlay'): Promise<void> {
    const { engine, tenant } = this.ctx;
    const users =
      driver === 'overlay'
        ? await engine.swarm.listServices(labelFilter(tenant))
        : (await engine.listContainers(labelFilter(tenant))).filter((c) => usesTenantNetwork(c.labels));
    if (users.length === 0) await engine.removeNetwork(network);
  }
}

/**
 * Run `fn` on every item, at most PARALLELISM at once. With `stopAtFailure`, start no more after
 * the first failure and throw it once those running are done; else run all and return the failures.
 */
async function pool<T>(
  items: T[],
  fn: (item: T) => Promise<void>,
  stopAtFailure: boolean,
): Promise<Array<{ item: T; err: unknown }>> {
  let next = 0;
  const failures: Array<{ item: T; err: unknown }> = [];
  const worker = async () => {
    while (next < items.length && !(stopAtFailure && failures.length > 0)) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failures.push({ item, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLELISM, items.length) }, worker));
  if (stopAtFailure && failures[0]) throw failures[0].err;
  return failures;
}

async function rollback(run: Run): Promise<string[]> {
  const failed: string[] = [];
  for (const entry of [...run.journal].reverse()) {
    try {
      await entry.undo();
    } catch (err) {
      failed.push(`${entry.what} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return failed;
}

/**
 * Run `plan`. `known` maps the names of existing containers the plan refers to onto their IDs.
 * On failure the journal is undone and the error (a SvcError) says whether that worked.
 */
export async function execute(
  ctx: Context,
  plan: Plan,
  known: Map<string, string> = new Map(),
): Promise<Outcome> {
  const run = new Run(ctx, new Map(known));
  try {
    for (const phase of plan.phases) {
      if (ctx.signal?.aborted) throw new InterruptedError('interrupted');
      await pool(phase, (step) => run.step(step), true);
    }
  } catch (err) {
    ctx.onProgress?.('undoing what was done');
    const failed = await rollback(run);
    const e =
      err instanceof SvcError ? err : new SvcError(500, err instanceof Error ? err.message : String(err));
    if (run.journal.length > 0) {
      e.message +=
        failed.length === 0
          ? '; everything it had changed was undone'
          : `; could not undo: ${failed.join('; ')}`;
    }
    throw e;
  }
  const notes: string[] = [];
  for (const phase of plan.cleanup) {
    const results = await Promise.allSettled(phase.map((step) => run.step(step)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        const what = phase[i] as Step;
        notes.push(
          `left behind: ${'name' in what ? what.name : what.op} (${(r.reason as Error)?.message ?? r.reason})`,
        );
      }
    });
  }
  return { ids: run.ids, notes };
}
