/**
 * A service spec as Swarm objects (pure): the replicas are one replicated Swarm service; the load
 * balancer is a second one (the same HAProxy image and config as locally), pinned to the node svc
 * talks to, finding the replicas by Swarm's DNS (`tasks.<replicas service>`, HAProxy
 * `server-template`), so that scaling changes nothing in it. Its config and certificate are
 * Swarm configs and secrets, mounted where the official image reads them.
 */
import type { Labels } from '../../engine/engine.js';
import { volumeMount } from '../../engine/specs.js';
import type { ServiceSpecJson } from '../../engine/swarm.js';
import { InternalError } from '../../errors.js';
import { renderHaproxyConfig } from '../../haproxy/render-config.js';
import { LABEL, LB_DIR, LB_FILES, names } from '../../model/naming.js';
import { specHash } from '../../model/spec-hash.js';
import { tenantMount, volumeEntries } from '../../model/volumes.js';
import { CONTAINER_SIZES, MAX_REPLICAS, type ServiceSpec } from '../../spec/types.js';
import { swarmLabels, swarmNames } from './names.js';

const SECOND = 1e9;

export interface SwarmContext {
  tenant: string;
  /** The node svc talks to: the load balancer runs there (its FIP is that node's port). */
  nodeId: string;
  /** CPUs a node has (a size's CPUs are capped at this). */
  engineCpus: number;
  /**
   * What the replicas' tasks run: the spec's Image pinned to a digest (`name:tag@sha256:…`), so
   * that every task of a release runs the same image; the Image itself when none was resolved.
   */
  replicaImage?: string;
}

/**
 * The spec's Volumes as Swarm mounts: host paths as binds, named volumes as the tenant's engine
 * volumes, which each node makes with the tenant's labels (VolumeOptions) when a task needs it.
 */
function mountsOf(spec: ServiceSpec, tenant: string): Array<Record<string, unknown>> | undefined {
  if (!spec.Volumes) return undefined;
  return volumeEntries(spec.Volumes).map((v) =>
    v.host
      ? { Type: 'bind', Source: v.source, Target: v.target, ReadOnly: v.readOnly }
      : volumeMount(tenantMount(v, tenant)),
  );
}

/** The volumes (by engine name) a replicas service's tasks mount. */
export function mountedVolumes(spec: ServiceSpecJson): string[] {
  const template = spec.TaskTemplate as {
    ContainerSpec?: { Mounts?: Array<{ Type?: string; Source?: string }> };
  };
  return (template?.ContainerSpec?.Mounts ?? []).flatMap((m) =>
    m.Type === 'volume' && m.Source ? [m.Source] : [],
  );
}

const quoted = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * HealthCheckPath as the task's Docker health check. Swarm's gate is a task's health: a task
 * enters the service's DNS (so a load balancer slot, which is UP as soon as it fills) and a
 * start-first update stops an old task only once the new one is healthy. The probe is the load
 * balancer's (`GET` of the path, the service as Host, 2xx-3xx), run in the task by its wget or
 * curl; an image with a shell and neither passes at once (the load balancer's check still
 * gates it). Failures in the first minute do not count: a warming app is not restarted.
 */
export function pathHealthcheck(spec: ServiceSpec): Record<string, unknown> | undefined {
  if (!spec.HealthCheckPath) return undefined;
  const url = quoted(`http://127.0.0.1:${spec.ContainerPort}${spec.HealthCheckPath}`);
  const host = quoted(`Host: ${spec.Name}`);
  const has = (tool: string) => `command -v ${tool} >/dev/null 2>&1`;
  return {
    Test: [
      'CMD-SHELL',
      `if ${has('wget')}; then wget -q -O /dev/null --header ${host} ${url}; ` +
        `elif ${has('curl')}; then curl -fs -o /dev/null -H ${host} ${url}; else exit 0; fi`,
    ],
    Interval: SECOND,
    Timeout: 2 * SECOND,
    Retries: spec.HealthCheckFall,
    StartPeriod: 60 * SECOND,
  };
}

/**
 * The replicas: every container field of the spec in the task template, its size as limits,
 * Swarm's own restart policy, and Swarm's rolling update (`parallelism` at a time, one by default,
 * the new ones first, a failing release rolled back). `record` is what the service's labels keep (the desired state).
 */
export function replicasService(
  spec: ServiceSpec,
  ctx: SwarmContext,
  record: Labels,
  parallelism = 1,
): ServiceSpecJson {
  const size = CONTAINER_SIZES[spec.ContainerSize];
  const labels = { ...swarmLabels(spec.Name, ctx.tenant, 'replica'), ...record };
  const container: Record<string, unknown> = {
    Image: ctx.replicaImage ?? spec.Image,
    Labels: {
      ...spec.Labels,
      ...swarmLabels(spec.Name, ctx.tenant, 'replica'),
      [LABEL.image]: spec.Image,
      [LABEL.specHash]: specHash(spec),
    },
    Env: spec.Env ?? undefined,
    Dir: spec.WorkingDir || undefined,
    TTY: spec.Tty,
    OpenStdin: spec.Stdin,
    StopSignal: spec.StopSignal || undefined,
    StopGracePeriod: spec.StopTimeout * SECOND,
    Mounts: mountsOf(spec, ctx.tenant),
    Healthcheck: pathHealthcheck(spec),
  };
  if (spec.Entrypoint) container.Command = spec.Entrypoint;
  if (spec.Cmd) container.Args = spec.Cmd;
  return {
    Name: swarmNames.replicas(ctx.tenant, spec.Name),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: container,
      Resources: {
        Limits: {
          MemoryBytes: size.memoryMiB * 1024 * 1024,
          NanoCPUs: Math.min(size.cpus, ctx.engineCpus) * 1e9,
          Pids: size.pids,
        },
      },
      Networks: [{ Target: swarmNames.network(ctx.tenant) }],
    },
    Mode: { Replicated: { Replicas: spec.Replicas } },
    UpdateConfig: {
      Parallelism: parallelism,
      Delay: 0,
      FailureAction: 'rollback',
      Monitor: 5 * SECOND,
      Order: 'start-first',
    },
    RollbackConfig: {
      Parallelism: 1,
      Delay: 0,
      FailureAction: 'pause',
      Monitor: 5 * SECOND,
      Order: 'start-first',
    },
    // No virtual IP: the load balancer finds each task by `tasks.<name>`.
    EndpointSpec: { Mode: 'dnsrr' },
  };
}

/** The load balancer's config: HAProxy's `server-template` on `tasks.<replicas service>`. */
export function lbConfigText(spec: ServiceSpec, tenant: string): string {
  return renderHaproxyConfig({
    spec,
    servers: [],
    paths: { cert: `${LB_DIR}/${LB_FILES.cert}`, allow: `${LB_DIR}/${LB_FILES.allow}` },
    template: {
      // As many slots as a service may have replicas: scaling changes nothing in the load balancer.
      count: MAX_REPLICAS,
      host: `tasks.${swarmNames.replicas(tenant, spec.Name)}`,
      port: spec.ContainerPort,
    },
  });
}

/** The Swarm configs and secret a load balancer mounts: names of the objects holding them. */
export interface LbObjects {
  config: string;
  allow?: string;
  cert?: string;
  /** The user HAProxy runs as in the image (owner of the certificate; needed with `cert`). */
  owner?: { uid: number; gid: number };
}

export function lbService(
  spec: ServiceSpec,
  ctx: SwarmContext,
  image: string,
  objects: LbObjects,
): ServiceSpecJson {
  const file = (path: string, mode: number, owner = { uid: 0, gid: 0 }) => ({
    Name: `${LB_DIR}/${path}`,
    UID: String(owner.uid),
    GID: String(owner.gid),
    Mode: mode,
  });
  const configs = [{ File: file(LB_FILES.config, 0o444), ConfigName: objects.config }];
  if (objects.allow) configs.push({ File: file(LB_FILES.allow, 0o444), ConfigName: objects.allow });
  if (objects.cert && !objects.owner)
    throw new InternalError('the owner of the certificate file was not read from the load balancer image');
  const secrets = objects.cert
    ? [{ File: file(LB_FILES.cert, 0o400, objects.owner), SecretName: objects.cert }]
    : [];
  return {
    Name: names.lb(ctx.tenant, spec.Name),
    Labels: swarmLabels(spec.Name, ctx.tenant, 'lb'),
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Labels: swarmLabels(spec.Name, ctx.tenant, 'lb'),
        Command: ['haproxy'],
        Args: ['-W', '-db', '-f', `${LB_DIR}/${LB_FILES.config}`],
        StopSignal: 'SIGUSR1',
        StopGracePeriod: 30 * SECOND,
        Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
        Configs: configs,
        Secrets: secrets,
      },
      // Pinned to the node svc talks to: its FIP is that node's port, and it is where one looks.
      Placement: { Constraints: [`node.id == ${ctx.nodeId}`] },
      Networks: [{ Target: swarmNames.network(ctx.tenant), Aliases: [spec.Name] }],
      LogDriver: { Name: 'json-file', Options: { 'max-size': '10m', 'max-file': '3' } },
    },
    Mode: { Replicated: { Replicas: 1 } },
    // The host port allows one task at a time on the node: the old one goes first.
    UpdateConfig: { Parallelism: 1, FailureAction: 'rollback', Monitor: 5 * SECOND, Order: 'stop-first' },
    EndpointSpec: {
      Mode: 'vip',
      Ports: spec.FIP
        ? [
            {
              Protocol: 'tcp',
              TargetPort: spec.ServicePort,
              PublishedPort: spec.ServicePort,
              PublishMode: 'host',
            },
          ]
        : [],
    },
  };
}
