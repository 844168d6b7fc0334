/** The SwarmEngine on a Docker engine that manages a swarm (its Engine API). */
import { createDemuxer, type DockerApi, pathPart } from './docker-api.js';
import { engineError, isStatus, lineSplitter, unlessStatus } from './docker-engine.js';
import type { Labels, LogLine, LogOptions } from './engine.js';
import type { ServiceSpecJson, SwarmEngine, SwarmInfo, SwarmNode, SwarmService, SwarmTask } from './swarm.js';

interface ApiService {
  ID: string;
  Version?: { Index?: number };
  CreatedAt?: string;
  Spec: ServiceSpecJson;
  PreviousSpec?: ServiceSpecJson;
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
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: { State?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
}

function service(s: ApiService): SwarmService {
  return {
    id: s.ID,
    name: s.Spec.Name,
    version: s.Version?.Index ?? 0,
    labels: s.Spec.Labels ?? {},
    spec: s.Spec,
    previousSpec: s.PreviousSpec,
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
    updated: t.UpdatedAt ?? '',
  };
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export class DockerSwarm implements SwarmEngine {
  constructor(private readonly api: DockerApi) {}

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw engineError(err, what, this.api.endpoint.display);
    }
  }

  swarmInfo(): Promise<SwarmInfo | undefined> {
    return this.call('read the swarm', async () => {
      const info = await this.api.json<{
        Swarm?: { NodeID?: string; LocalNodeState?: string; ControlAvailable?: boolean; Nodes?: number };
      }>('GET', '/info');
      const s = info.Swarm;
      if (!s || s.LocalNodeState !== 'active' || !s.NodeID) return undefined;
      return { nodeId: s.NodeID, manager: Boolean(s.ControlAvailable), nodes: s.Nodes ?? 1 };
    });
  }

  listServices(labels: string[]): Promise<SwarmService[]> {
    return this.call('list swarm services', async () =>
      (await this.api.json<ApiService[]>('GET', '/services', { query: { filters: { label: labels } } })).map(
        service,
      ),
    );
  }

  createService(spec: ServiceSpecJson): Promise<string> {
    return this.call(`create swarm service ${spec.Name}`, async () => {
      const r = await this.api.json<{ ID: string }>('POST', '/services/create', { body: spec });
      return r.ID;
    });
  }

  updateService(
    id: string,
    version: number,
    spec: ServiceSpecJson,
    opts: { rollback?: boolean } = {},
  ): Promise<void> {
    return this.call(`update swarm service ${spec.Name}`, async () => {
      const query = { version, ...(opts.rollback ? { rollback: 'previous' } : {}) };
      await this.api.json('POST', `/services/${pathPart(id)}/update`, { query, body: spec });
    });
  }

  inspectService(id: string): Promise<SwarmService> {
    return this.call(`inspect swarm service ${id}`, async () =>
      service(await this.api.json<ApiService>('GET', `/services/${pathPart(id)}`)),
    );
  }

  removeService(id: string): Promise<void> {
    return this.call(`remove swarm service ${id}`, () =>
      unlessStatus([404], this.api.status('DELETE', `/services/${pathPart(id)}`)),
    );
  }

  listTasks(serviceIds: string[]): Promise<SwarmTask[]> {
    if (serviceIds.length === 0) return Promise.resolve([]);
    return this.call('list swarm tasks', async () =>
      (await this.api.json<ApiTask[]>('GET', '/tasks', { query: { filters: { service: serviceIds } } })).map(
        task,
      ),
    );
  }

  listNodes(): Promise<SwarmNode[]> {
    return this.call('list swarm nodes', async () => {
      const nodes = await this.api.json<
        Array<{
          ID: string;
          Description?: { Hostname?: string };
          Spec?: { Role?: string };
          Status?: { State?: string; Addr?: string };
        }>
      >('GET', '/nodes');
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
      const r = await this.api.json<{ ID: string }>('POST', '/configs/create', {
        body: { Name: name, Labels: labels, Data: b64(data) },
      });
      return r.ID;
    });
  }

  createSecret(name: string, labels: Labels, data: string): Promise<string> {
    return this.call(`create swarm secret ${name}`, async () => {
      const r = await this.api.json<{ ID: string }>('POST', '/secrets/create', {
        body: { Name: name, Labels: labels, Data: b64(data) },
      });
      return r.ID;
    });
  }

  private listObjects(kind: 'configs' | 'secrets', labels: string[]) {
    return this.call(`list swarm ${kind}`, async () => {
      const list = await this.api.json<Array<{ ID: string; Spec: { Name: string; Labels?: Labels } }>>(
        'GET',
        `/${kind}`,
        {
          query: { filters: { label: labels } },
        },
      );
      return list.map((o) => ({ id: o.ID, name: o.Spec.Name, labels: o.Spec.Labels ?? {} }));
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
      unlessStatus([404], this.api.status('DELETE', `/configs/${pathPart(id)}`)),
    );
  }

  removeSecret(id: string): Promise<void> {
    return this.call(`remove swarm secret ${id}`, () =>
      unlessStatus([404], this.api.status('DELETE', `/secrets/${pathPart(id)}`)),
    );
  }

  serviceLogs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    return this.call(`read logs of swarm service ${id}`, async () => {
      const streams = opts.streams ?? 'both';
      let res: Awaited<ReturnType<DockerApi['stream']>>;
      try {
        res = await this.api.stream('GET', `/services/${pathPart(id)}/logs`, {
          query: {
            stdout: streams !== 'stderr',
            stderr: streams !== 'stdout',
            timestamps: opts.timestamps ?? false,
            tail: opts.tail,
            since: opts.since ?? 0,
            follow: opts.follow ?? false,
            details: opts.details ?? false,
          },
        });
      } catch (err) {
        if (isStatus(err, 404)) return;
        throw err;
      }
      opts.onOpen?.();
      const out = lineSplitter((text) => onLine({ stream: 'stdout', text }));
      const errs = lineSplitter((text) => onLine({ stream: 'stderr', text }));
      const demux = createDemuxer((stream, chunk) => (stream === 'stderr' ? errs : out).write(chunk));
      const abort = () => res.destroy();
      if (opts.signal?.aborted) abort();
      else opts.signal?.addEventListener('abort', abort, { once: true });
      try {
        for await (const chunk of res) demux.write(chunk as Buffer);
      } catch (e) {
        if (!opts.signal?.aborted) throw e;
      } finally {
        opts.signal?.removeEventListener('abort', abort);
      }
      out.end();
      errs.end();
    });
  }
}
