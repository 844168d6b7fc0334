/**
 * The SwarmEngine on a Docker engine that manages a swarm, through the same dockerode client as
 * DockerEngine. Bodies go in the body only (`_body`): dockerode would otherwise also put them in
 * the URL's query, and a secret's data must never be in a URL.
 */
import type Dockerode from 'dockerode';
import { readLogs } from './docker-streams.js';
import type { Labels, LogLine, LogOptions } from './engine.js';
import { engineError, isStatus, unlessStatus } from './engine-error.js';
import { loginFor, type RegistryLogin } from './registry-login.js';
import type { ServiceSpecJson, SwarmEngine, SwarmInfo, SwarmNode, SwarmService, SwarmTask } from './swarm.js';

interface ApiService {
  ID: string;
  Version?: { Index?: number };
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec: ServiceSpecJson;
  UpdateStatus?: { State?: string; Message?: string; StartedAt?: string };
  Endpoint?: {
    Ports?: Array<{ PublishedPort?: number; TargetPort?: number; PublishMode?: string }>;
    VirtualIPs?: Array<{ NetworkID?: string; Addr?: string }>;
  };
}

interface ApiTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  UpdatedAt?: string;
  DesiredState?: string;
  Spec?: { ContainerSpec?: { Image?: string; Labels?: Record<string, string> } };
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
}

function service(s: ApiService): SwarmService {
  return {
    id: s.ID,
    name: s.Spec.Name,
    version: s.Version?.Index ?? 0,
    labels: s.Spec.Labels ?? {},
    spec: s.Spec,
    updateState: s.UpdateStatus?.State ?? '',
    updateMessage: s.UpdateStatus?.Message ?? '',
    updateStarted: s.UpdateStatus?.StartedAt ?? '',
    ports: (s.Endpoint?.Ports ?? []).map((p) => ({
      published: p.PublishedPort ?? 0,
      target: p.TargetPort ?? 0,
      mode: p.PublishMode ?? 'ingress',
    })),
    virtualIps: Object.fromEntries(
      (s.Endpoint?.VirtualIPs ?? []).map((v) => [v.NetworkID ?? '', (v.Addr ?? '').replace(/\/\d+$/, '')]),
    ),
    created: Math.floor(Date.parse(s.CreatedAt ?? '') / 1000) || 0,
    updated: s.UpdatedAt ?? s.CreatedAt ?? '',
  };
}

function task(t: ApiTask): SwarmTask {
  return {
    id: t.ID,
    serviceId: t.ServiceID,
    slot: t.Slot ?? 0,
    nodeId: t.NodeID ?? '',
    state: t.Status?.State ?? '',
    desiredState: t.DesiredState ?? '',
    error: t.Status?.Err ?? '',
    containerId: t.Status?.ContainerStatus?.ContainerID ?? '',
    image: (t.Spec?.ContainerSpec?.Image ?? '').replace(/@sha256:[0-9a-f]+$/, ''),
    labels: t.Spec?.ContainerSpec?.Labels ?? {},
    updated: t.UpdatedAt ?? '',
  };
}

/** The swarm part of the engine's `/info`: this node, if it is in a swarm, and whether it manages it. */
export function swarmInfoOf(info: {
  Swarm?: { NodeID?: string; LocalNodeState?: string; ControlAvailable?: boolean };
}): SwarmInfo | undefined {
  const s = info.Swarm;
  if (s?.LocalNodeState !== 'active' || !s.NodeID) return undefined;
  return { nodeId: s.NodeID, manager: Boolean(s.ControlAvailable) };
}

/**
 * The login for the registry of the image a service spec runs, for X-Registry-Auth: Swarm keeps it
 * with the service, and each node pulls the image with it (docker's --with-registry-auth).
 */
async function registryAuth(
  login: RegistryLogin,
  spec: ServiceSpecJson,
): Promise<Dockerode.AuthConfig | undefined> {
  const task = spec.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined;
  const image = task?.ContainerSpec?.Image;
  return image ? ((await loginFor(login, image)).auth as Dockerode.AuthConfig | undefined) : undefined;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Query and body apart (see the file's comment), as the options dockerode's call takes. */
function apart<Options>(query: Record<string, unknown>, body: unknown): Options {
  return { _query: query, _body: body } as Options;
}

export class DockerSwarm implements SwarmEngine {
  constructor(
    private readonly docker: Dockerode,
    private readonly where: string,
    /** The registry login service creates and updates hand the swarm. */
    private readonly login: RegistryLogin,
  ) {}

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw engineError(err, what, this.where);
    }
  }

  listServices(labels: string[]): Promise<SwarmService[]> {
    return this.call('list swarm services', async () =>
      ((await this.docker.listServices({ filters: { label: labels } })) as unknown as ApiService[]).map(
        service,
      ),
    );
  }

  createService(spec: ServiceSpecJson): Promise<string> {
    return this.call(`create swarm service ${spec.Name}`, async () => {
      const body = spec as unknown as Dockerode.CreateServiceOptions;
      // No header at all without a login (an empty one would replace what Swarm keeps).
      const auth = await registryAuth(this.login, spec);
      const created = auth
        ? await this.docker.createService(auth, body)
        : await this.docker.createService(body);
      return created.id;
    });
  }

  updateService(id: string, version: number, spec: ServiceSpecJson): Promise<void> {
    return this.call(`update swarm service ${spec.Name}`, async () => {
      const auth = await registryAuth(this.login, spec);
      const service = this.docker.getService(id);
      await (auth
        ? service.update(auth, apart({ version }, spec))
        : service.update(apart({ version }, spec)));
    });
  }

  inspectService(id: string): Promise<SwarmService> {
    return this.call(`inspect swarm service ${id}`, async () =>
      service((await this.docker.getService(id).inspect()) as ApiService),
    );
  }

  removeService(id: string): Promise<void> {
    return this.call(`remove swarm service ${id}`, () =>
      unlessStatus([404], this.docker.getService(id).remove()),
    );
  }

  listTasks(serviceIds: string[]): Promise<SwarmTask[]> {
    if (serviceIds.length === 0) return Promise.resolve([]);
    return this.call('list swarm tasks', async () =>
      ((await this.docker.listTasks({ filters: { service: serviceIds } })) as ApiTask[]).map(task),
    );
  }

  tasksLeft(serviceIds: string[]): Promise<SwarmTask[]> {
    // The engine's service filter looks each service up (404 once it is removed): filter here.
    return this.call('list swarm tasks', async () =>
      ((await this.docker.listTasks()) as ApiTask[])
        .map(task)
        .filter((t) => serviceIds.includes(t.serviceId)),
    );
  }

  listNodes(): Promise<SwarmNode[]> {
    return this.call('list swarm nodes', async () => {
      const nodes = (await this.docker.listNodes()) as Array<{
        ID: string;
        Description?: { Hostname?: string };
        Spec?: { Role?: string };
        Status?: { State?: string; Addr?: string };
      }>;
      return nodes.map((n) => ({
        id: n.ID,
        hostname: n.Description?.Hostname ?? '',
        role: n.Spec?.Role === 'manager' ? 'manager' : 'worker',
        state: n.Status?.State ?? '',
        address: n.Status?.Addr ?? '',
      }));
    });
  }

  createConfig(name: string, labels: Labels, data: string): Promise<string> {
    return this.call(`create swarm config ${name}`, async () => {
      const created = await this.docker.createConfig(
        apart({}, { Name: name, Labels: labels, Data: b64(data) }),
      );
      return (created as unknown as { id: string }).id;
    });
  }

  createSecret(name: string, labels: Labels, data: string): Promise<string> {
    return this.call(`create swarm secret ${name}`, async () => {
      const created = await this.docker.createSecret(
        apart({}, { Name: name, Labels: labels, Data: b64(data) }),
      );
      return (created as unknown as { id: string }).id;
    });
  }

  private listObjects(kind: 'configs' | 'secrets', labels: string[]) {
    return this.call(`list swarm ${kind}`, async () => {
      const query = { filters: { label: labels } };
      const list = (await (kind === 'configs'
        ? this.docker.listConfigs(query)
        : this.docker.listSecrets(query))) as unknown as Array<{
        ID: string;
        CreatedAt?: string;
        Spec: { Name: string; Labels?: Labels };
      }>;
      return list.map((o) => ({
        id: o.ID,
        name: o.Spec.Name,
        labels: o.Spec.Labels ?? {},
        created: Math.floor(Date.parse(o.CreatedAt ?? '') / 1000) || 0,
      }));
    });
  }

  listConfigs(labels: string[]) {
    return this.listObjects('configs', labels);
  }

  listSecrets(labels: string[]) {
    return this.listObjects('secrets', labels);
  }

  removeConfig(id: string): Promise<void> {
    return this.call(`remove swarm config ${id}`, () =>
      unlessStatus([404], this.docker.getConfig(id).remove()),
    );
  }

  removeSecret(id: string): Promise<void> {
    return this.call(`remove swarm secret ${id}`, () =>
      unlessStatus([404], this.docker.getSecret(id).remove()),
    );
  }

  serviceLogs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    return this.call(`read logs of swarm service ${id}`, async () => {
      try {
        await readLogs(this.docker, { kind: 'services', id, tty: false }, opts, onLine);
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
      }
    });
  }
}
