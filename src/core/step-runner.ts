/**
 * One step of a plan on the engine or the load balancer driver (or a backend's own step), leaving
 * in the journal how to undo what it changed (execute.ts runs the steps and undoes the journal).
 */
import type { VolumeMount } from '../engine/engine.js';
import {
  ConflictError,
  InternalError,
  InterruptedError,
  NotFoundError,
  SvcError,
  UsageError,
} from '../errors.js';
import type { LbState } from '../lb/driver.js';
import { LABEL, labelFilter, names, serverName, usesTenantNetwork } from '../model/naming.js';
import { pullImage } from './images.js';
import { untilJoined } from './joined.js';
import { stopWithin } from './retire.js';
import type { Context, LbTarget, Step } from './steps.js';
import { ensureVolume } from './volumes.js';

/** The steps of one kind (or kinds). */
type StepOf<Op extends string> = Extract<Step, { op: Op }>;

export interface JournalEntry {
  what: string;
  undo: () => Promise<void>;
}

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

export class StepRunner {
  readonly journal: JournalEntry[] = [];
  private readonly created = new Set<string>();
  private readonly networks = new Map<string, string>();
  private readonly volumes = new Map<string, Promise<void>>();
  /** Containers whose start failed: a load balancer starting beside them is not started. */
  private readonly failedStarts = new Set<string>();
  /** Engine work still under way that the run waits for before it ends (a network lock's removal). */
  private readonly pending: Array<Promise<void>> = [];

  constructor(
    private readonly ctx: Context,
    readonly ids: Map<string, string>,
  ) {}

  /** Wait for what the steps left under way (it never fails). */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }

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

  private progress(text: string): void {
    this.ctx.onProgress?.(text);
  }

  async step(step: Step): Promise<void> {
    switch (step.op) {
      case 'pull-image':
        return this.pull(step);
      case 'ensure-network':
        return this.ensureNetwork(step);
      case 'create':
        return this.create(step);
      case 'start':
      case 'rename':
      case 'leave':
      case 'join':
      case 'stop':
      case 'remove':
        return this.containerStep(step);
      case 'retire':
        return this.retire(step);
      case 'lb-configure':
      case 'lb-start':
      case 'lb-apply':
      case 'lb-wait':
      case 'lb-revive':
        return this.lbStep(step);
      case 'backend': {
        const undo = await step.run(this.ctx);
        if (undo) this.done(step.what, undo);
        return;
      }
    }
  }

  private pull(step: StepOf<'pull-image'>): Promise<void> {
    return pullImage(this.ctx.engine, step.image, this.ctx.onProgress);
  }

  private async ensureNetwork(step: StepOf<'ensure-network'>): Promise<void> {
    // Once per run: a create's head start (execute.ts `begin`) may have made it already.
    if (this.networks.has(step.network)) return;
    const net = await this.ctx.engine.ensureNetwork(step.network, step.labels, step.lockImage);
    if (net.unlocked) this.pending.push(net.unlocked);
    this.networks.set(step.network, net.id);
    if (net.created) this.done(`network ${step.network}`, () => this.removeNetworkIfUnused(net.id));
  }

  /** The tenant's named volumes a container mounts, made before it (once per run). */
  private ensureVolumes(volumes: VolumeMount[]): Promise<void> {
    const { engine } = this.ctx;
    return Promise.all(
      volumes.map((v) => {
        let ensured = this.volumes.get(v.name);
        if (!ensured) {
          ensured = ensureVolume(engine, v).then((made) => {
            if (made) this.done(`volume ${v.name}`, () => engine.removeVolume(v.name).catch(() => undefined));
          });
          this.volumes.set(v.name, ensured);
        }
        return ensured;
      }),
    ).then(() => undefined);
  }

  private async create(step: StepOf<'create'>): Promise<void> {
    const { engine } = this.ctx;
    const c = step.container;
    this.progress(`creating ${c.name}`);
    if (c.volumes?.length) await this.ensureVolumes(c.volumes);
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
  }

  private async containerStep(
    step: StepOf<'start' | 'rename' | 'leave' | 'join' | 'stop' | 'remove'>,
  ): Promise<void> {
    const { engine } = this.ctx;
    const id = this.id(step.name);
    switch (step.op) {
      case 'start':
        this.progress(`starting ${step.name}`);
        await engine.startContainer(id).catch((err: unknown) => {
          this.failedStarts.add(step.name);
          throw err;
        });
        if (!this.created.has(id)) this.done(`start of ${step.name}`, () => engine.stopContainer(id, 10));
        return;
      case 'rename':
        await engine.renameContainer(id, step.to, step.network);
        this.ids.set(step.to, id);
        this.done(`the name of ${step.name}`, () => engine.renameContainer(id, step.name, step.network));
        return;
      case 'leave':
        await engine.leaveNetwork(id, step.network);
        return;
      case 'join':
        await engine.joinNetwork(id, step.network, step.aliases);
        return;
      case 'stop':
        this.progress(`stopping ${step.name}`);
        await engine.stopContainer(id, step.graceSeconds);
        return;
      case 'remove':
        await engine.removeContainer(id);
        return;
    }
  }

  /**
   * Stop, then remove once stopped. With `waitSeconds`, the replica has that long to exit once the
   * engine has sent its stop signal (retire.ts); one still running then is left to the engine.
   */
  private async retire(step: StepOf<'retire'>): Promise<void> {
    const { engine, tenant } = this.ctx;
    const id = this.id(step.name);
    this.progress(`stopping ${step.name}`);
    if (step.waitSeconds === undefined) await engine.stopContainer(id, step.graceSeconds);
    else {
      const wait = { labels: labelFilter(tenant), name: step.name, graceSeconds: step.graceSeconds };
      if (!(await stopWithin(engine, id, { ...wait, exitSeconds: step.waitSeconds }))) {
        throw new InternalError(
          `still running ${step.waitSeconds}s after its stop signal; the engine stops it (SIGKILL after its ${step.graceSeconds}s StopTimeout), and the next change of the service (or rm) removes it`,
        );
      }
    }
    await engine.removeContainer(id);
  }

  private async lbStep(
    step: StepOf<'lb-configure' | 'lb-start' | 'lb-apply' | 'lb-wait' | 'lb-revive'>,
  ): Promise<void> {
    const { lb, tenant } = this.ctx;
    const id = this.id(step.lb);
    switch (step.op) {
      case 'lb-configure':
        await lb.configure(id, lbState(tenant, step.target), {
          certFrom: step.certFrom ? this.id(step.certFrom) : undefined,
        });
        return;
      case 'lb-start':
        if (step.beside) await this.besideReplicas(id, step.lb, step.beside);
        this.progress(`starting ${step.lb}`);
        try {
          await lb.start(id, this.wait());
        } catch (err) {
          throw explainStartFailure(err, step.publish);
        }
        return;
      case 'lb-apply': {
        this.progress('reloading the load balancer');
        const state = lbState(tenant, step.target);
        const up = step.up.map(serverName);
        const undo = await unhealthy(step.target, step.up, tenant, () =>
          lb.apply(id, state, { ...this.wait(), up, drain: step.drain }),
        );
        this.done(`the config of ${step.lb}`, undo);
        return;
      }
      case 'lb-wait':
        await lb.waitUp(id, step.up.map(serverName), { ...this.wait(), startedHere: step.startedHere });
        return;
      case 'lb-revive':
        this.progress(`starting ${step.lb} again`);
        await lb.revive(id, this.wait());
        return;
    }
  }

  /**
   * Before a new load balancer starts beside its replicas: write its files while they start, and
   * wait until they are on the network (their names resolve when HAProxy starts). Throws, and it
   * is not started, when one of their starts failed or the command was interrupted.
   */
  private async besideReplicas(
    id: string,
    name: string,
    beside: NonNullable<StepOf<'lb-start'>['beside']>,
  ): Promise<void> {
    const { engine, lb, tenant, signal } = this.ctx;
    const gaveUp = () => beside.replicas.some((n) => this.failedStarts.has(n));
    const [, joined] = await Promise.all([
      lb.configure(id, lbState(tenant, beside.configure), { joining: true }),
      untilJoined(engine, beside.network, beside.replicas, { signal, gaveUp }),
    ]);
    if (signal?.aborted) throw new InterruptedError('interrupted');
    if (!joined) throw new InternalError(`${name} was not started: a replica's start failed`);
  }

  /** The tenant network goes only when no object of the tenant that joins it is left. */
  private async removeNetworkIfUnused(network: string): Promise<void> {
    const { engine, tenant } = this.ctx;
    const users = (await engine.listContainers(labelFilter(tenant))).filter((c) =>
      usesTenantNetwork(c.labels),
    );
    if (users.length === 0) await engine.removeNetwork(network);
  }
}
