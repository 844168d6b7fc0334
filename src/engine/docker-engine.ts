/**
 * The Engine interface on a Docker engine, through the Engine API client in docker-api.ts (which
 * honours DOCKER_HOST like the docker CLI). The only module that speaks the Engine API.
 */
import { ConflictError, EngineUnavailableError, NotFoundError, SvcError } from '../errors.js';
import { createDemuxer, DockerApi, DockerApiError, pathPart, splitImageRef } from './docker-api.js';
import { DockerSwarm } from './docker-swarm.js';
import type {
  ContainerDetail,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  Engine,
  EngineInfo,
  ExecResult,
  Labels,
  LogLine,
  LogOptions,
  NetworkRef,
  ProcessInfo,
  PullProgress,
} from './engine.js';
import type { SwarmEngine } from './swarm.js';
import { type ArchiveEntry, createTar, readTar } from './tar.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

/**
 * Map an Engine API failure (DockerApiError) to a typed error, keeping the engine's own words;
 * `where` names the engine (the endpoint's display form) when it cannot be reached.
 */
export function engineError(err: unknown, what: string, where: string): SvcError {
  if (err instanceof SvcError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string };
  const detail = (e?.message ?? String(err)).trim();
  if (e?.code && UNREACHABLE_CODES.has(e.code)) {
    return new EngineUnavailableError(
      `cannot reach the Docker engine at ${where} (${e.code}) while trying to ${what}`,
      {
        cause: err,
        hint: { kind: 'unreachable-engine' },
      },
    );
  }
  switch (e?.statusCode) {
    case 404:
      return new NotFoundError(`${what}: ${detail}`, { cause: err });
    case 409:
      return new ConflictError(`${what}: ${detail}`, { cause: err });
    case 403:
    case 503:
      return new EngineUnavailableError(`the Docker engine refused to ${what}: ${detail}`, { cause: err });
    default:
      return new SvcError(500, `Docker engine error while trying to ${what}: ${detail}`, { cause: err });
  }
}

function trimName(name: string | undefined): string {
  return (name ?? '').replace(/^\//, '');
}

/** The parts of the Engine API's answers that svc reads. */
interface ApiContainer {
  Id: string;
  Names?: string[];
  Image: string;
  State: string;
  Labels?: Labels | null;
  Created: number;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string } | null> };
  Ports?: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }>;
}

interface ApiContainerDetail {
  Id: string;
  Name: string;
  Created: string;
  Config?: { Image?: string; Labels?: Labels | null; Tty?: boolean; User?: string };
  State: { Status: string; ExitCode?: number; Error?: string; StartedAt?: string };
  NetworkSettings?: {
    Networks?: Record<string, { IPAddress?: string } | null>;
    Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
  };
}

interface ApiNetwork {
  Id: string;
  Name: string;
  Created?: string;
}

export const isStatus = (err: unknown, ...codes: number[]) =>
  err instanceof DockerApiError && err.statusCode !== undefined && codes.includes(err.statusCode);

/** A request for which these error statuses mean "already so" (404: already gone, …). */
export async function unlessStatus(codes: number[], request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!isStatus(err, ...codes)) throw err;
  }
}

/** Address per network name, of the networks where the container has one. */
function addressesOf(networks: Record<string, { IPAddress?: string } | null> = {}): Record<string, string> {
  const addresses: Record<string, string> = {};
  for (const [net, ep] of Object.entries(networks)) if (ep?.IPAddress) addresses[net] = ep.IPAddress;
  return addresses;
}

/** Lines of a byte stream, as they complete; the last unterminated one at the end. */
export function lineSplitter(onLine: (text: string) => void): { write(b: Buffer): void; end(): void } {
  let rest = '';
  return {
    write(b) {
      const parts = (rest + b.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) onLine(text);
    },
    end() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

export class DockerEngine implements Engine {
  private readonly api: DockerApi;
  readonly swarm: SwarmEngine;

  constructor(api: DockerApi = new DockerApi()) {
    this.api = api;
    this.swarm = new DockerSwarm(api);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw engineError(err, what, this.api.endpoint.display);
    }
  }

  ping(): Promise<void> {
    return this.call('ping the engine', async () => {
      await this.api.status('GET', '/_ping');
    });
  }

  info(): Promise<EngineInfo> {
    return this.call('read engine info', async () => {
      const i = await this.api.json<{ NCPU?: number; MemTotal?: number; ServerVersion?: string }>(
        'GET',
        '/info',
      );
      const raw = i as Record<string, unknown>;
      return { cpus: i.NCPU ?? 1, memoryBytes: i.MemTotal ?? 0, serverVersion: i.ServerVersion ?? '', raw };
    });
  }

  async inspectImage(
    ref: string,
  ): Promise<{ id: string; tags: string[]; raw?: Record<string, unknown> } | undefined> {
    try {
      return await this.call(`inspect image ${ref}`, async () => {
        const image = await this.api.json<{ Id: string; RepoTags?: string[] | null }>(
          'GET',
          `/images/${pathPart(ref)}/json`,
        );
        return { id: image.Id, tags: image.RepoTags ?? [], raw: image as Record<string, unknown> };
      });
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.inspectImage(ref)) !== undefined;
  }

  pullImage(ref: string, onProgress?: (p: PullProgress) => void): Promise<void> {
    return this.call(`pull image ${ref}`, async () => {
      const res = await this.api.stream('POST', '/images/create', { query: splitImageRef(ref) });
      let failure: string | undefined;
      const lines = lineSplitter((text) => {
        if (!text.trim()) return;
        let event: PullProgress & { error?: string; errorDetail?: { message?: string } };
        try {
          event = JSON.parse(text);
        } catch {
          return;
        }
        if (event.error || event.errorDetail) failure ??= event.errorDetail?.message ?? event.error;
        else onProgress?.({ status: event.status, id: event.id, progress: event.progress });
      });
      for await (const chunk of res) lines.write(chunk as Buffer);
      lines.end();
      if (failure) throw new Error(failure);
    });
  }

  ensureNetwork(
    name: string,
    labels: Labels,
    lockImage?: string,
    driver: 'bridge' | 'overlay' = 'bridge',
  ): Promise<NetworkRef> {
    return this.call(`create network ${name}`, async () => {
      const find = async () =>
        (await this.api.json<ApiNetwork[]>('GET', '/networks', { query: { filters: { name: [name] } } }))
          .filter((n) => n.Name === name)
          .sort(
            (a, b) => Date.parse(a.Created ?? '') - Date.parse(b.Created ?? '') || a.Id.localeCompare(b.Id),
          )[0];
      const create = async () =>
        (
          await this.api.json<{ Id: string }>('POST', '/networks/create', {
            body: { Name: name, Driver: driver, CheckDuplicate: true, Labels: labels, Attachable: true },
          })
        ).Id;
      const existing = await find();
      if (existing) return { id: existing.Id, name, created: false };
      if (!lockImage) return { id: await create(), name, created: true };

      const lockName = `${name}-lock`;
      const removeLock = () => this.removeContainer(lockName).catch(() => undefined);
      const deadline = Date.now() + 30_000;
      for (;;) {
        let locked = false;
        try {
          await this.api.json('POST', '/containers/create', {
            query: { name: lockName },
            body: { Image: lockImage, Entrypoint: ['/nonexistent'], HostConfig: { NetworkMode: 'none' } },
          });
          locked = true;
        } catch (err) {
          if (!isStatus(err, 409)) throw err;
        }
        if (locked) {
          try {
            const found = await find();
            if (found) return { id: found.Id, name, created: false };
            return { id: await create(), name, created: true };
          } finally {
            await removeLock();
          }
        }
        // Another caller holds the lock: its network appears, or its lock goes stale (killed).
        const found = await find();
        if (found) return { id: found.Id, name, created: false };
        const held = await this.api
          .json<ApiContainerDetail>('GET', `/containers/${lockName}/json`)
          .catch(() => undefined);
        if (held && Date.now() - Date.parse(held.Created) > 20_000) await removeLock();
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for another svc to create network ${name}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
  }

  removeNetwork(idOrName: string): Promise<void> {
    return this.call(`remove network ${idOrName}`, async () => {
      // A swarm-scoped (overlay) network is found by its ID only: look its name up.
      const found = await this.api.json<ApiNetwork[]>('GET', '/networks', {
        query: { filters: { name: [idOrName] } },
      });
      const ids = found.filter((n) => n.Name === idOrName).map((n) => n.Id);
      for (const id of ids.length > 0 ? ids : [idOrName]) {
        await unlessStatus([404], this.api.status('DELETE', `/networks/${pathPart(id)}`));
      }
    });
  }

  listContainers(labels: string[]): Promise<ContainerSummary[]> {
    return this.call('list containers', async () => {
      const list = await this.api.json<ApiContainer[]>('GET', '/containers/json', {
        query: { all: true, filters: { label: labels } },
      });
      return list.map((c) => ({
        id: c.Id,
        name: trimName(c.Names?.[0]),
        image: c.Image,
        state: c.State as ContainerState,
        labels: c.Labels ?? {},
        created: c.Created,
        addresses: addressesOf(c.NetworkSettings?.Networks),
        ports: (c.Ports ?? [])
          .filter((p) => p.PublicPort)
          .map((p) => `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`),
      }));
    });
  }

  createContainer(spec: ContainerSpec): Promise<string> {
    return this.call(`create container ${spec.name}`, async () => {
      const port = spec.publish ? `${spec.publish.containerPort}/tcp` : undefined;
      const created = await this.api.json<{ Id: string }>('POST', '/containers/create', {
        query: { name: spec.name },
        body: {
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
            Memory: spec.memoryBytes,
            NanoCpus: spec.nanoCpus,
            RestartPolicy: { Name: spec.restartPolicy ?? 'no' },
            Sysctls: spec.sysctls,
            LogConfig: spec.logConfig
              ? { Type: spec.logConfig.type, Config: spec.logConfig.config }
              : undefined,
            PortBindings:
              port && spec.publish
                ? { [port]: [{ HostIp: spec.publish.hostIp, HostPort: String(spec.publish.hostPort) }] }
                : undefined,
          },
          NetworkingConfig: spec.aliases?.length
            ? { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } }
            : undefined,
        },
      });
      return created.Id;
    });
  }

  startContainer(id: string): Promise<void> {
    return this.call(`start container ${id.slice(0, 12)}`, async () => {
      await this.api.status('POST', `/containers/${id}/start`); // 304: already running
    });
  }

  inspectContainer(id: string): Promise<ContainerDetail> {
    return this.call(`inspect container ${id.slice(0, 12)}`, async () => {
      const c = await this.api.json<ApiContainerDetail>('GET', `/containers/${id}/json`);
      return {
        id: c.Id,
        name: trimName(c.Name),
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
      };
    });
  }

  stopContainer(id: string, graceSeconds: number): Promise<void> {
    // 304: already stopped; 404: gone.
    return this.call(`stop container ${id.slice(0, 12)}`, () =>
      unlessStatus([404], this.api.status('POST', `/containers/${id}/stop`, { query: { t: graceSeconds } })),
    );
  }

  logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    return this.call(`read logs of container ${id.slice(0, 12)}`, async () => {
      const info = await this.api.json<ApiContainerDetail>('GET', `/containers/${id}/json`);
      const streams = opts.streams ?? 'both';
      const res = await this.api.stream('GET', `/containers/${id}/logs`, {
        query: {
          stdout: streams !== 'stderr',
          stderr: streams !== 'stdout',
          timestamps: opts.timestamps ?? false,
          tail: opts.tail,
          since: opts.since ?? 0,
          follow: opts.follow ?? false,
        },
      });
      opts.onOpen?.();
      const out = lineSplitter((text) => onLine({ stream: 'stdout', text }));
      const err = lineSplitter((text) => onLine({ stream: 'stderr', text }));
      const demux = createDemuxer((stream, chunk) => (stream === 'stderr' ? err : out).write(chunk));
      const abort = () => res.destroy();
      if (opts.signal?.aborted) abort();
      else opts.signal?.addEventListener('abort', abort, { once: true });
      try {
        for await (const chunk of res) {
          if (info.Config?.Tty) out.write(chunk as Buffer);
          else demux.write(chunk as Buffer);
        }
      } catch (e) {
        if (!opts.signal?.aborted) throw e;
      } finally {
        opts.signal?.removeEventListener('abort', abort);
      }
      // Every line is delivered before this returns.
      out.end();
      err.end();
    });
  }

  removeContainer(id: string): Promise<void> {
    // 404: already gone; 409: removal already in progress.
    return this.call(`remove container ${id.slice(0, 12)}`, () =>
      unlessStatus(
        [404, 409],
        this.api.status('DELETE', `/containers/${pathPart(id)}`, { query: { force: true, v: false } }),
      ),
    );
  }

  renameContainer(id: string, name: string, network?: string): Promise<void> {
    return this.call(`rename container ${id.slice(0, 12)} to ${name}`, async () => {
      const net = network ? `/networks/${pathPart(network)}` : undefined;
      if (net) await this.api.status('POST', `${net}/disconnect`, { body: { Container: id, Force: true } });
      await this.api.status('POST', `/containers/${id}/rename`, { query: { name } });
      if (net) await this.api.status('POST', `${net}/connect`, { body: { Container: id } });
    });
  }

  writeFiles(id: string, dir: string, entries: ArchiveEntry[]): Promise<void> {
    return this.call(`write files into container ${id.slice(0, 12)}`, async () => {
      await this.api.status('PUT', `/containers/${id}/archive`, {
        query: { path: dir },
        raw: { stream: createTar(entries), contentType: 'application/x-tar' },
      });
    });
  }

  readFiles(id: string, path: string): Promise<ArchiveEntry[]> {
    return this.call(`read ${path} of container ${id.slice(0, 12)}`, async () => {
      let archive: Buffer;
      try {
        archive = await this.api.buffer('GET', `/containers/${id}/archive`, { query: { path } });
      } catch (err) {
        if (isStatus(err, 404) && !/no such container/i.test((err as Error).message)) return [];
        throw err;
      }
      return readTar(archive);
    });
  }

  top(id: string): Promise<ProcessInfo[]> {
    return this.call(`list the processes of container ${id.slice(0, 12)}`, async () => {
      const t = await this.api.json<{ Titles?: string[]; Processes?: string[][] | null }>(
        'GET',
        `/containers/${id}/top`,
        { query: { ps_args: '-o pid,ppid,args' } },
      );
      const titles = t.Titles ?? [];
      const col = (name: string) => titles.findIndex((x) => x.trim().toUpperCase() === name);
      const [pid, ppid, cmd] = [col('PID'), col('PPID'), Math.max(col('COMMAND'), col('CMD'))];
      return (t.Processes ?? []).map((p) => ({
        pid: Number(p[pid]),
        ppid: Number(p[ppid]),
        command: p[cmd] ?? '',
      }));
    });
  }

  exec(id: string, argv: string[]): Promise<ExecResult> {
    return this.call(`run ${argv[0]} in container ${id.slice(0, 12)}`, async () => {
      const { Id: execId } = await this.api.json<{ Id: string }>('POST', `/containers/${id}/exec`, {
        body: { Cmd: argv, AttachStdout: true, AttachStderr: true },
      });
      // Without an Upgrade header the engine answers 200 and streams until the process ends.
      const res = await this.api.stream('POST', `/exec/${execId}/start`, {
        body: { Detach: false, Tty: false },
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const demux = createDemuxer((stream, chunk) =>
        (stream === 'stderr' ? err : out).push(Buffer.from(chunk)),
      );
      for await (const chunk of res) demux.write(chunk as Buffer);
      const result = await this.api.json<{ ExitCode?: number | null }>('GET', `/exec/${execId}/json`);
      return {
        exitCode: result.ExitCode ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
    });
  }

  signal(id: string, signal: string): Promise<void> {
    return this.call(`send ${signal} to container ${id.slice(0, 12)}`, async () => {
      await this.api.status('POST', `/containers/${id}/kill`, { query: { signal } });
    });
  }
}
