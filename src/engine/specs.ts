/**
 * svc's container shapes in the Engine API's terms, both ways: a ContainerSpec as the body of
 * POST /containers/create, the engine's container list entries as ContainerSummary and an
 * inspected container as ContainerDetail, its processes as ProcessInfo.
 */
import type Dockerode from 'dockerode';
import type {
  ContainerDetail,
  ContainerHealth,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  ProcessInfo,
  VolumeMount,
} from './engine.js';

/** Address per network name, of the networks where the container has one. */
export function addressesOf(
  networks: Record<string, { IPAddress?: string } | null> = {},
): Record<string, string> {
  const addresses: Record<string, string> = {};
  for (const [net, ep] of Object.entries(networks)) if (ep?.IPAddress) addresses[net] = ep.IPAddress;
  return addresses;
}

/** Docker's health verdict in a container list entry's status (`Up 5 seconds (health: starting)`). */
export function healthInStatus(status: string | undefined): ContainerHealth | undefined {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status ?? '');
  if (!m) return undefined;
  return m[1] === 'health: starting' ? 'starting' : (m[1] as ContainerHealth);
}

/** Whether an inspected container has a health check, its verdict and its last check's output. */
export function healthOf(
  c: Dockerode.ContainerInspectInfo,
): Pick<ContainerDetail, 'health' | 'hasHealthCheck' | 'healthOutput'> {
  const test = c.Config?.Healthcheck?.Test ?? [];
  const health = c.State?.Health;
  const last = health?.Log?.at(-1);
  const out: Pick<ContainerDetail, 'health' | 'hasHealthCheck' | 'healthOutput'> = {
    hasHealthCheck: test.length > 0 && test[0] !== 'NONE',
    healthOutput: (last?.Output ?? '').trim().split('\n').slice(-3).join(' | ').slice(0, 300),
  };
  const status = health?.Status;
  if (status === 'starting' || status === 'healthy' || status === 'unhealthy') out.health = status;
  return out;
}

export function summaryOf(c: Dockerode.ContainerInfo): ContainerSummary {
  const health = healthInStatus(c.Status);
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    image: c.Image,
    state: c.State as ContainerState,
    labels: c.Labels ?? {},
    created: c.Created,
    addresses: addressesOf(c.NetworkSettings?.Networks),
    ports: (c.Ports ?? [])
      .filter((p) => p.PublicPort)
      .map((p) => `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`),
    volumes: (c.Mounts ?? []).flatMap((m) => (m.Type === 'volume' && m.Name ? [m.Name] : [])),
    ...(health ? { health } : {}),
    ...(c.ImageID ? { imageId: c.ImageID } : {}),
  };
}

/** An inspected container (GET /containers/{id}/json) as ContainerDetail. */
export function detailOf(c: Dockerode.ContainerInspectInfo): ContainerDetail {
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image: c.Config?.Image ?? '',
    state: c.State.Status as ContainerState,
    labels: c.Config?.Labels ?? {},
    created: Math.floor(Date.parse(c.Created) / 1000),
    addresses: addressesOf(c.NetworkSettings?.Networks),
    ports: Object.entries(c.NetworkSettings?.Ports ?? {}).flatMap(([port, binds]) =>
      (binds ?? []).map((b) => `${b.HostIp}:${b.HostPort}->${port}`),
    ),
    exitCode: c.State.ExitCode ?? 0,
    error: c.State.Error ?? '',
    startedAt: c.State.StartedAt ?? '',
    user: c.Config?.User ?? '',
    ...healthOf(c),
    restartPolicy: c.HostConfig?.RestartPolicy?.Name ?? '',
    restartCount: c.RestartCount ?? 0,
  };
}

/** GET /containers/{id}/top with `ps -o pid,ppid,args` as ProcessInfo. */
export function processesOf(top: unknown): ProcessInfo[] {
  const t = top as { Titles?: string[]; Processes?: string[][] | null };
  const titles = t.Titles ?? [];
  const col = (name: string) => titles.findIndex((x) => x.trim().toUpperCase() === name);
  const [pid, ppid, cmd] = [col('PID'), col('PPID'), Math.max(col('COMMAND'), col('CMD'))];
  return (t.Processes ?? []).map((p) => ({
    pid: Number(p[pid]),
    ppid: Number(p[ppid]),
    command: p[cmd] ?? '',
  }));
}

/** A named volume as a mount (`VolumeOptions.Labels`: the labels it gets should the engine make it). */
export function volumeMount(v: VolumeMount): Record<string, unknown> {
  return {
    Type: 'volume',
    Source: v.name,
    Target: v.target,
    ReadOnly: v.readOnly,
    VolumeOptions: { Labels: v.labels },
  };
}

/** The body of POST /containers/create for `spec` (its name goes in the query). */
export function containerBody(spec: ContainerSpec): Record<string, unknown> {
  const port = spec.publish ? `${spec.publish.containerPort}/tcp` : undefined;
  return {
    Image: spec.image,
    Labels: spec.labels,
    Entrypoint: spec.entrypoint ?? undefined,
    Cmd: spec.cmd ?? undefined,
    Env: spec.env ?? undefined,
    WorkingDir: spec.workingDir || undefined,
    Tty: spec.tty ?? false,
    OpenStdin: spec.openStdin ?? false,
    StopSignal: spec.stopSignal || undefined,
    StopTimeout: spec.stopTimeout,
    ExposedPorts: port ? { [port]: {} } : undefined,
    HostConfig: {
      NetworkMode: spec.network,
      Binds: spec.binds ?? undefined,
      Mounts: spec.volumes?.length ? spec.volumes.map(volumeMount) : undefined,
      Memory: spec.memoryBytes,
      NanoCpus: spec.nanoCpus,
      PidsLimit: spec.pidsLimit,
      RestartPolicy: { Name: spec.restartPolicy ?? 'no' },
      Sysctls: spec.sysctls,
      LogConfig: spec.logConfig ? { Type: spec.logConfig.type, Config: spec.logConfig.config } : undefined,
      PortBindings:
        port && spec.publish
          ? { [port]: [{ HostIp: spec.publish.hostIp, HostPort: String(spec.publish.hostPort) }] }
          : undefined,
    },
    NetworkingConfig: spec.aliases?.length
      ? { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } }
      : undefined,
  };
}
