/**
 * `svc create`: observe the engine, plan (pure, create-plan.ts), apply. A failure or an
 * interruption half-way removes everything this run created and nothing else.
 */

import type { Engine } from '../engine/engine.js';
import { ConflictError, InterruptedError, NotFoundError, SvcError } from '../errors.js';
import type { ServiceSpec } from '../spec/types.js';
import {
  type CreatePlan,
  type CreateStep,
  type PullPolicy,
  planCreate,
  replicaNumbers,
} from './create-plan.js';
import { isKept, labelFilter, usesTenantNetwork } from './labels.js';
import { explainStartFailure } from './lb-control.js';
import { applySecurityGroups, requireSecurityGroups } from './security-groups.js';
import { rfc3339Nano, type ServiceJson, toServiceJson } from './service-json.js';
import { waitUntilUp } from './wait-ready.js';

export interface CreateOptions {
  tenant: string;
  lbImage: string;
  pull: PullPolicy;
  /** Return only once every replica is UP behind the load balancer. */
  wait: boolean;
  timeoutMs: number;
  /** Progress for people (spinner text); never data. */
  onProgress?: (text: string) => void;
  /** Aborting stops at the next step and rolls back. */
  signal?: AbortSignal;
}

export interface CreateResult {
  service: ServiceJson;
  notes: string[];
}

/** Run at most `limit` of the tasks at once; all are awaited; the first failure is rethrown. */
async function runPool<T>(tasks: Array<() => Promise<T>>, limit: number, signal?: AbortSignal): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  async function worker(): Promise<void> {
    while (next < tasks.length && !failure) {
      if (signal?.aborted) {
        failure = { err: new InterruptedError('interrupted; removed what this create had made') };
        return;
      }
      const i = next++;
      try {
        results[i] = await (tasks[i] as () => Promise<T>)();
      } catch (err) {
        failure ??= { err };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw failure.err;
  return results;
}

const PARALLELISM = 8;

class Applier {
  readonly ids = new Map<string, string>();
  private readonly createdContainers: string[] = [];
  private createdNetwork: string | undefined;
  private readonly networkIds = new Map<string, string>();

  constructor(
    private readonly engine: Engine,
    private readonly spec: ServiceSpec,
    private readonly tenant: string,
    private readonly onProgress: (text: string) => void,
  ) {}

  get madeSomething(): boolean {
    return this.createdContainers.length > 0 || this.createdNetwork !== undefined;
  }

  private id(name: string): string {
    const id = this.ids.get(name);
    if (!id) throw new Error(`plan refers to ${name} before creating it`);
    return id;
  }

  async step(step: CreateStep): Promise<void> {
    switch (step.op) {
      case 'pull-image':
        this.onProgress(`pulling ${step.image}`);
        try {
          await this.engine.pullImage(step.image, (p) =>
            this.onProgress(`pulling ${step.image}: ${p.status} ${p.progress ?? ''}`),
          );
        } catch (err) {
          if (err instanceof SvcError && err.status === 503) throw err;
          const reason = err instanceof Error ? err.message : String(err);
          throw new NotFoundError(`image "${step.image}" is not present and could not be pulled: ${reason}`, {
            cause: err,
          });
        }
        return;
      case 'ensure-network': {
        const net = await this.engine.ensureNetwork(step.name, step.labels, step.lockImage);
        if (net.created) this.createdNetwork = net.id;
        this.networkIds.set(step.name, net.id);
        return;
      }
      case 'create-container': {
        this.onProgress(`creating ${step.container.name}`);
        try {
          // By ID: for a moment a concurrent create may have made a second network of that name.
          const network = this.networkIds.get(step.container.network) ?? step.container.network;
          const id = await this.engine.createContainer({ ...step.container, network });
          this.createdContainers.push(id);
          this.ids.set(step.container.name, id);
        } catch (err) {
          if (err instanceof ConflictError && step.role === 'lb') {
            throw new ConflictError(
              `service "${this.spec.Name}" already exists (its load balancer ${step.container.name} is there)`,
              { cause: err },
            );
          }
          throw err;
        }
        return;
      }
      case 'write-files':
        await this.engine.writeFiles(this.id(step.container), step.dir, step.entries);
        return;
      case 'start-container':
        this.onProgress(`starting ${step.container}`);
        try {
          await this.engine.startContainer(this.id(step.container));
        } catch (err) {
          throw explainStartFailure(err, this.spec);
        }
        return;
    }
  }

  /** Remove what this run created, newest first; failures here are not the user's news. */
  async rollback(): Promise<void> {
    this.onProgress('removing what was created');
    await Promise.allSettled(this.createdContainers.reverse().map((id) => this.engine.removeContainer(id)));
    // The tenant network goes only if this run made it and no object of the tenant uses it: a
    // concurrent create (of this name or another) may have created containers on it meanwhile.
    if (this.createdNetwork) {
      const users = await this.engine
        .listContainers(labelFilter(this.tenant))
        .then((list) => list.filter((c) => usesTenantNetwork(c.labels)))
        .catch(() => [{}]);
      if (users.length === 0) await this.engine.removeNetwork(this.createdNetwork).catch(() => undefined);
    }
  }
}

async function observe(engine: Engine, spec: ServiceSpec, opts: CreateOptions) {
  const [existing, info, ...present] = await Promise.all([
    engine.listContainers(labelFilter(opts.tenant, spec.Name)),
    engine.info(),
    ...[spec.Image, opts.lbImage].map((image) => engine.imageExists(image)),
  ]);
  const images = [spec.Image, opts.lbImage];
  return {
    observation: {
      existing: existing.filter((c) => !isKept(c)).map((c) => c.name),
      missingImages: images.filter((_, i) => !present[i]),
    },
    cpus: info.cpus,
  };
}

export async function createService(
  engine: Engine,
  spec: ServiceSpec,
  opts: CreateOptions,
): Promise<CreateResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const created = rfc3339Nano();
  await requireSecurityGroups(engine, opts.tenant, spec.SecurityGroups);
  progress('reading the engine');
  const { observation, cpus } = await observe(engine, spec, opts);
  const plan: CreatePlan = planCreate(
    spec,
    { tenant: opts.tenant, lbImage: opts.lbImage, pull: opts.pull, engineCpus: cpus, created },
    observation,
  );

  const applier = new Applier(engine, spec, opts.tenant, progress);
  try {
    for (const phase of plan.phases) {
      if (opts.signal?.aborted) throw new InterruptedError('interrupted; removed what this create had made');
      await runPool(
        phase.map((step) => () => applier.step(step)),
        PARALLELISM,
        opts.signal,
      );
    }
    if (opts.signal?.aborted) throw new InterruptedError('interrupted; removed what this create had made');
    // The load balancer starts closed to every source; now let the groups' prefixes in.
    if (spec.SecurityGroups?.length) await applySecurityGroups(engine, opts.tenant, { service: spec.Name });
  } catch (err) {
    await applier.rollback();
    if (err instanceof SvcError && !(err instanceof InterruptedError) && applier.madeSomething) {
      err.message += '; everything this create made was removed';
    }
    throw err;
  }

  const lbId = applier.ids.get(plan.lbName) as string;
  const lb = await engine.inspectContainer(lbId);
  if (opts.wait) {
    progress(`waiting for ${spec.Replicas} replicas to be UP`);
    try {
      await waitUntilUp(
        engine,
        lbId,
        replicaNumbers(spec.Replicas).map((n) => `r${n}`),
        { timeoutMs: opts.timeoutMs, signal: opts.signal, onProgress: progress },
      );
    } catch (err) {
      if (err instanceof SvcError)
        err.message += `; the service was created and is left as it is (svc rm ${spec.Name} removes it)`;
      throw err;
    }
  }
  const service = toServiceJson(spec, {
    tenant: opts.tenant,
    ip: lb.addresses[plan.network] ?? '',
    created,
    status: 'created',
    message: 'Service is created',
    containers: plan.replicaNames.map((n) => applier.ids.get(n) as string),
  });
  return { service, notes: plan.notes };
}

/** What --dry-run prints: the Service JSON create would answer, with nothing touched. */
export function dryRunService(spec: ServiceSpec, tenant: string): ServiceJson {
  return toServiceJson(spec, {
    tenant,
    ip: '',
    created: rfc3339Nano(),
    status: 'created',
    message: 'Dry run: the service would be created; nothing was changed',
    containers: null,
  });
}
