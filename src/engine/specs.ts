/**
 * svc's container shapes in the Engine API's terms, both ways: a ContainerSpec as the body of
 * POST /containers/create, and the engine's container list entries as ContainerSummary.
 */
import type Dockerode from 'dockerode';
import type { ContainerSpec, ContainerState, ContainerSummary, VolumeMount } from './engine.js';

/** Address per network name, of the networks where the container has one. */
export function addressesOf(
  networks: Record<string, { IPAddress?: string } | null> = {},
): Record<string, string> {
  const addresses: Record<string, string> = {};
  for (const [net, ep] of Object.entries(networks)) if (ep?.IPAddress) addresses[net] = ep.IPAddress;
  return addresses;
}

export function summaryOf(c: Dockerode.ContainerInfo): ContainerSummary {
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
  };
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
