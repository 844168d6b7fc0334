/**
 * Planning `svc create`: from the spec and what was observed to the steps that make the service.
 * Pure. The load balancer is created first (its name is the lock: of two concurrent creates of
 * one service the engine lets exactly one make it). It is configured while the replicas start and
 * starts beside them once they are on the network (core/joined.ts), so that HAProxy resolves them
 * when it starts and the engine runs the three starts at once. A replica not yet listening at its
 * first check is checked again every 25 ms (an HTTP check: 50 ms) until it passes; `--wait`
 * waits for every one to pass.
 */

import type { PullPolicy, Snapshot } from '../../../core/backend.js';
import { neverPullError } from '../../../core/images.js';
import { allowFor } from '../../../core/plan/security-groups.js';
import { operationOwner, recordContainer } from '../../../core/records.js';
import type { Plan, Step } from '../../../core/steps.js';
import type { ContainerSpec, Labels } from '../../../engine/engine.js';
import { ConflictError } from '../../../errors.js';
import { lbContainerSettings } from '../../../lb/driver.js';
import { baseLabels, LABEL, names, serviceLabels } from '../../../model/naming.js';
import { specHash } from '../../../model/spec-hash.js';
import { hostBinds, tenantMounts } from '../../../model/volumes.js';
import { CONTAINER_SIZES, type ServiceSpec } from '../../../spec/types.js';

export interface CreateContext {
  tenant: string;
  lbImage: string;
  pull: PullPolicy;
  /** CPUs the engine has: a size's CPUs are capped at this. */
  engineCpus: number;
  /** RFC 3339 creation time, recorded. */
  created: string;
  /** Images (the service's and the load balancer's) the engine does not have. */
  missingImages: string[];
}

/** The labels every container of the service carries (`hash`: the spec's, model/spec-hash.ts, computed once). */
function objectLabels(spec: ServiceSpec, tenant: string, role: 'lb' | 'replica', hash: string): Labels {
  return { ...serviceLabels(tenant, spec.Name, role), [LABEL.specHash]: hash };
}

/**
 * The load balancer container: on the tenant network with the service name as alias; it names
 * the command that creates it (until it starts, that command may still be making the service).
 */
export function lbContainer(spec: ServiceSpec, tenant: string, image: string, hash: string): ContainerSpec {
  return {
    name: names.lb(tenant, spec.Name),
    image,
    labels: { ...objectLabels(spec, tenant, 'lb', hash), [LABEL.operationOwner]: operationOwner() },
    network: names.network(tenant),
    aliases: [spec.Name],
    ...lbContainerSettings(),
    publish: spec.FIP
      ? { hostIp: spec.FIP, hostPort: spec.ServicePort, containerPort: spec.ServicePort }
      : null,
  };
}

function cpusFor(spec: ServiceSpec, engineCpus: number): number {
  return Math.min(CONTAINER_SIZES[spec.ContainerSize].cpus, engineCpus);
}

/** Said when a size asks for more CPUs than the engine has. */
export function cpuNote(spec: ServiceSpec, engineCpus: number): string | undefined {
  const asked = CONTAINER_SIZES[spec.ContainerSize].cpus;
  const cpus = cpusFor(spec, engineCpus);
  if (cpus >= asked) return undefined;
  return `ContainerSize ${spec.ContainerSize} asks for ${asked} CPUs; the engine has ${engineCpus}, so each replica gets ${cpus}`;
}

/**
 * Replica N of the service: every container field of the spec (named volumes as the tenant's), its
 * size, labels, restart policy.
 */
export function replicaContainer(
  spec: ServiceSpec,
  tenant: string,
  n: number,
  engineCpus: number,
  hash: string,
): ContainerSpec {
  return {
    name: names.replica(tenant, spec.Name, n),
    image: spec.Image,
    labels: {
      ...spec.Labels,
      ...objectLabels(spec, tenant, 'replica', hash),
      [LABEL.replica]: String(n),
      [LABEL.image]: spec.Image,
    },
    network: names.network(tenant),
    entrypoint: spec.Entrypoint,
    cmd: spec.Cmd,
    env: spec.Env,
    workingDir: spec.WorkingDir,
    binds: hostBinds(spec.Volumes),
    volumes: tenantMounts(spec.Volumes, tenant),
    tty: spec.Tty,
    openStdin: spec.Stdin,
    stopSignal: spec.StopSignal,
    stopTimeout: spec.StopTimeout,
    memoryBytes: CONTAINER_SIZES[spec.ContainerSize].memoryMiB * 1024 * 1024,
    nanoCpus: cpusFor(spec, engineCpus) * 1e9,
    pidsLimit: CONTAINER_SIZES[spec.ContainerSize].pids,
    restartPolicy: 'unless-stopped',
  };
}

export function replicaNumbers(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

function pulls(spec: ServiceSpec, ctx: CreateContext): Step[] {
  const out: Step[] = [];
  for (const image of [...new Set([spec.Image, ctx.lbImage])]) {
    const missing = ctx.missingImages.includes(image);
    if (missing && ctx.pull === 'never') throw neverPullError(image);
    if (missing || (ctx.pull === 'always' && image === spec.Image)) out.push({ op: 'pull-image', image });
  }
  return out;
}

/** The tenant's network, made when missing (the load balancer's image holds the lock). */
export function tenantNetworkStep(tenant: string, lbImage: string): Step {
  return {
    op: 'ensure-network',
    network: names.network(tenant),
    labels: baseLabels(tenant, 'network'),
    lockImage: lbImage,
  };
}

export function planCreate(spec: ServiceSpec, ctx: CreateContext, snapshot: Snapshot): Plan {
  if (snapshot.services.some((s) => s.name === spec.Name)) {
    throw new ConflictError(`service "${spec.Name}" already exists in tenant ${ctx.tenant}`, {
      hint: { kind: 'remove', service: spec.Name },
    });
  }
  const allow = allowFor(spec, snapshot);
  const hash = specHash(spec);
  const numbers = replicaNumbers(spec.Replicas);
  const network = names.network(ctx.tenant);
  const lb = lbContainer(spec, ctx.tenant, ctx.lbImage, hash);
  const record = recordContainer({
    tenant: ctx.tenant,
    spec,
    revision: 1,
    created: ctx.created,
    servers: numbers,
    image: ctx.lbImage,
  });
  const replicas = numbers.map((n) => replicaContainer(spec, ctx.tenant, n, ctx.engineCpus, hash));
  const pull = pulls(spec, ctx);
  const note = cpuNote(spec, ctx.engineCpus);
  return {
    phases: [
      ...(pull.length > 0 ? [pull] : []),
      [tenantNetworkStep(ctx.tenant, ctx.lbImage)],
      [{ op: 'create', role: 'lb', container: lb }],
      [
        { op: 'create', role: 'record', container: record },
        ...replicas.map((container): Step => ({ op: 'create', role: 'replica', container })),
      ],
      [
        ...replicas.map((r): Step => ({ op: 'start', name: r.name })),
        {
          op: 'lb-start',
          lb: lb.name,
          publish: lb.publish ?? undefined,
          beside: {
            network,
            replicas: replicas.map((r) => r.name),
            configure: { spec, servers: numbers, cert: spec.SSLCert || undefined, allow },
          },
        },
      ],
    ],
    cleanup: [],
    notes: note ? [note] : [],
  };
}
