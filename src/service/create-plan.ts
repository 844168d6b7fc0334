/**
 * Planning `svc create`: a pure function from the spec and what was observed on the engine to
 * the steps that make the service, grouped in phases (the steps of one phase may run at once).
 * `describePlan` is its text form, used by --dry-run's tests and by people reading a failure.
 */
import type { ArchiveEntry, ContainerSpec, Labels } from '../engine/engine.js';
import { ConflictError, NotFoundError } from '../errors.js';
import {
  HAPROXY_CERT_PATH,
  HAPROXY_CONFIG_PATH,
  HAPROXY_SG_ALLOW_PATH,
  renderAllowList,
  renderHaproxyConfig,
} from '../haproxy/render-config.js';
import { CONTAINER_SIZES, type ServiceSpec } from '../spec/types.js';
import { LABEL, LABEL_SCHEMA_VERSION, names } from './labels.js';
import { recordContainer } from './records.js';
import { specHash } from './spec-hash.js';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface CreateContext {
  tenant: string;
  lbImage: string;
  pull: PullPolicy;
  /** CPUs the engine has: a size's CPUs are capped at this. */
  engineCpus: number;
  /** RFC 3339 creation time recorded on the load balancer. */
  created: string;
}

/** What observation found on the engine before planning. */
export interface CreateObservation {
  /** Names of objects of this service that already exist in this tenant. */
  existing: string[];
  /** Images (the service's and the load balancer's) not present on the engine. */
  missingImages: string[];
}

export type CreateStep =
  | { op: 'pull-image'; image: string }
  | { op: 'ensure-network'; name: string; labels: Labels; lockImage: string }
  | { op: 'create-container'; role: 'lb' | 'replica' | 'record'; container: ContainerSpec }
  | { op: 'write-files'; container: string; dir: string; entries: ArchiveEntry[] }
  | { op: 'start-container'; container: string };

export interface CreatePlan {
  phases: CreateStep[][];
  /** Things the user should know (e.g. CPUs capped), said on stderr. */
  notes: string[];
  lbName: string;
  replicaNames: string[];
  network: string;
}

export const HAPROXY_DIR = '/usr/local/etc/haproxy';
/** The official haproxy image runs as this user; the certificate is readable by it alone. */
const HAPROXY_UID = 99;

function relativeTo(dir: string, path: string): string {
  if (!path.startsWith(`${dir}/`)) throw new Error(`${path} is not inside ${dir}`);
  return path.slice(dir.length + 1);
}

/** The files the load balancer container holds: its config and, for httpsTerm, the PEM. */
/** The load balancer's config for these replica numbers: server `rN` is replica N. */
export function lbConfig(spec: ServiceSpec, tenant: string, replicas: number[]): string {
  const servers = replicas.map((n) => ({
    name: `r${n}`,
    host: names.replica(tenant, spec.Name, n),
    port: spec.ContainerPort,
  }));
  return renderHaproxyConfig({ spec, servers });
}

export function replicaNumbers(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

/** The files the load balancer container holds: its config and, for httpsTerm, the PEM. */
export function lbFiles(spec: ServiceSpec, tenant: string): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [
    {
      name: relativeTo(HAPROXY_DIR, HAPROXY_CONFIG_PATH),
      content: lbConfig(spec, tenant, replicaNumbers(spec.Replicas)),
      mode: 0o644,
    },
  ];
  if (spec.SSLCert) entries.push(...certFiles(spec.SSLCert));
  if (spec.SecurityGroups && spec.SecurityGroups.length > 0) {
    // Closed until `svc create` writes the groups' prefixes (applySecurityGroups) once it runs.
    entries.push({
      name: relativeTo(HAPROXY_DIR, HAPROXY_SG_ALLOW_PATH),
      content: renderAllowList([]),
      mode: 0o644,
    });
  }
  return entries;
}

/** The SSLCert PEM as load balancer files (relative to HAPROXY_DIR): readable by HAProxy's user only. */
export function certFiles(pem: string): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  const certPath = relativeTo(HAPROXY_DIR, HAPROXY_CERT_PATH);
  const certDir = certPath.split('/').slice(0, -1).join('/');
  if (certDir) entries.push({ name: certDir, mode: 0o700, uid: HAPROXY_UID, gid: HAPROXY_UID });
  entries.push({ name: certPath, content: pem, mode: 0o600, uid: HAPROXY_UID, gid: HAPROXY_UID });
  return entries;
}

/** The load balancer container: on the tenant network with the service name as alias. */
export function lbContainer(spec: ServiceSpec, tenant: string, image: string): ContainerSpec {
  return {
    name: names.lb(tenant, spec.Name),
    image,
    labels: objectLabels(spec, tenant, 'lb'),
    network: names.network(tenant),
    aliases: [spec.Name],
    // The official image's stop signal: a soft stop that lets in-flight requests finish.
    stopSignal: 'SIGUSR1',
    restartPolicy: 'unless-stopped',
    // The official image runs HAProxy as a user; let it bind service ports below 1024.
    sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
    publish: spec.FIP
      ? { hostIp: spec.FIP, hostPort: spec.ServicePort, containerPort: spec.ServicePort }
      : null,
  };
}

/** The labels every container of the service carries. */
export function objectLabels(spec: ServiceSpec, tenant: string, role: 'lb' | 'replica'): Labels {
  return {
    [LABEL.managed]: LABEL_SCHEMA_VERSION,
    [LABEL.tenant]: tenant,
    [LABEL.service]: spec.Name,
    [LABEL.role]: role,
    [LABEL.specHash]: specHash(spec),
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

/** Replica N of the service: every container field of the spec, its size, labels, restart policy. */
export function replicaContainer(
  spec: ServiceSpec,
  tenant: string,
  n: number,
  engineCpus: number,
): ContainerSpec {
  return {
    name: names.replica(tenant, spec.Name, n),
    image: spec.Image,
    labels: { ...spec.Labels, ...objectLabels(spec, tenant, 'replica'), [LABEL.replica]: String(n) },
    network: names.network(tenant),
    entrypoint: spec.Entrypoint,
    cmd: spec.Cmd,
    env: spec.Env,
    workingDir: spec.WorkingDir,
    binds: spec.Volumes,
    tty: spec.Tty,
    openStdin: spec.Stdin,
    stopSignal: spec.StopSignal,
    memoryBytes: CONTAINER_SIZES[spec.ContainerSize].memoryMiB * 1024 * 1024,
    nanoCpus: cpusFor(spec, engineCpus) * 1e9,
    restartPolicy: 'unless-stopped',
  };
}

export function planCreate(spec: ServiceSpec, ctx: CreateContext, observed: CreateObservation): CreatePlan {
  if (observed.existing.length > 0) {
    throw new ConflictError(
      `service "${spec.Name}" already exists in tenant ${ctx.tenant} (${observed.existing.join(', ')}); ` +
        'choose another name, or remove it first with: svc rm ' +
        spec.Name,
    );
  }
  const notes: string[] = [];
  const phases: CreateStep[][] = [];

  const pulls: CreateStep[] = [];
  const images = [...new Set([spec.Image, ctx.lbImage])];
  for (const image of images) {
    const missing = observed.missingImages.includes(image);
    if (missing && ctx.pull === 'never') {
      throw new NotFoundError(
        `image "${image}" is not present on the engine and --pull never forbids pulling it; ` +
          'build or load it first (docker build / docker load / docker import)',
      );
    }
    if (missing || (ctx.pull === 'always' && image === spec.Image)) pulls.push({ op: 'pull-image', image });
  }
  if (pulls.length > 0) phases.push(pulls);

  const network = names.network(ctx.tenant);
  phases.push([
    {
      op: 'ensure-network',
      name: network,
      labels: { [LABEL.managed]: LABEL_SCHEMA_VERSION, [LABEL.tenant]: ctx.tenant, [LABEL.role]: 'network' },
      // Pulled before this step: serves as the image of the lock container.
      lockImage: ctx.lbImage,
    },
  ]);

  // The load balancer is created first: its name is the lock that makes two concurrent creates
  // of one service end with exactly one winner (the engine refuses the second name with 409).
  const lbName = names.lb(ctx.tenant, spec.Name);
  const lb = lbContainer(spec, ctx.tenant, ctx.lbImage);
  phases.push([{ op: 'create-container', role: 'lb', container: lb }]);
  const record = recordContainer({
    tenant: ctx.tenant,
    spec,
    revision: 1,
    created: ctx.created,
    image: ctx.lbImage,
  });
  const note = cpuNote(spec, ctx.engineCpus);
  if (note) notes.push(note);
  const replicaNames: string[] = [];
  const replicas: CreateStep[] = [];
  for (const n of replicaNumbers(spec.Replicas)) {
    const container = replicaContainer(spec, ctx.tenant, n, ctx.engineCpus);
    replicaNames.push(container.name);
    replicas.push({ op: 'create-container', role: 'replica', container });
  }
  phases.push([{ op: 'create-container', role: 'record', container: record }, ...replicas]);
  // The replicas start before the load balancer: HAProxy then resolves their names when it
  // starts and its first checks find them listening. Started alongside, a replica that was
  // resolved but not yet up failed its first check (DOWN, then `rise` checks to come back).
  // Its config is written meanwhile.
  phases.push([
    { op: 'write-files', container: lbName, dir: HAPROXY_DIR, entries: lbFiles(spec, ctx.tenant) },
    ...replicaNames.map((container) => ({ op: 'start-container' as const, container })),
  ]);
  phases.push([{ op: 'start-container', container: lbName }]);
  return { phases, notes, lbName, replicaNames, network };
}

function describeStep(step: CreateStep): string {
  switch (step.op) {
    case 'pull-image':
      return `pull image ${step.image}`;
    case 'ensure-network':
      return `ensure network ${step.name}`;
    case 'create-container': {
      const c = step.container;
      const publish = c.publish
        ? ` publish ${c.publish.hostIp}:${c.publish.hostPort}->${c.publish.containerPort}/tcp`
        : '';
      return `create ${step.role} ${c.name} from ${c.image} on ${c.network}${publish}`;
    }
    case 'write-files':
      return `write ${step.entries.map((e) => `${step.dir}/${e.name}`).join(', ')} into ${step.container}`;
    case 'start-container':
      return `start ${step.container}`;
  }
}

/** One line a step; the steps of one phase share its number. */
export function describePlan(plan: CreatePlan): string {
  return plan.phases.flatMap((phase, i) => phase.map((step) => `${i + 1}. ${describeStep(step)}`)).join('\n');
}
