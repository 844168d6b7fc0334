/**
 * The Engine interface on a Docker engine, through dockerode. The only module that imports
 * dockerode. Honours DOCKER_HOST (unix://, tcp://) like the docker CLI, via docker-modem.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { ConflictError, EngineUnavailableError, NotFoundError, SvcError } from '../errors.js';
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
  PullProgress,
} from './engine.js';
import { type ArchiveEntry, createTar } from './tar.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
]);

function describeHost(): string {
  return process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'unix:///var/run/docker.sock';
}

/** Map a dockerode/docker-modem failure to a typed error, keeping the engine's own words. */
export function engineError(err: unknown, what: string): SvcError {
  if (err instanceof SvcError) return err;
  const e = err as { statusCode?: number; code?: string; json?: { message?: string }; message?: string };
  const detail = (e?.json?.message ?? e?.message ?? String(err)).trim();
  if (e?.code && UNREACHABLE_CODES.has(e.code)) {
    return new EngineUnavailableError(
      `cannot reach the Docker engine at ${describeHost()} (${e.code}) while trying to ${what}. ` +
        'Is the daemon running? Set DOCKER_HOST to point svc at another engine.',
      { cause: err },
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

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw engineError(err, what);
  }
}

function trimName(name: string | undefined): string {
  return (name ?? '').replace(/^\//, '');
}

export class DockerEngine implements Engine {
  private readonly docker: Docker;

  constructor(docker: Docker = new Docker()) {
    this.docker = docker;
  }

  ping(): Promise<void> {
    return call('ping the engine', async () => {
      await this.docker.ping();
    });
  }

  info(): Promise<EngineInfo> {
    return call('read engine info', async () => {
      const i = await this.docker.info();
      return { cpus: i.NCPU ?? 1, memoryBytes: i.MemTotal ?? 0, serverVersion: i.ServerVersion ?? '' };
    });
  }

  async inspectImage(ref: string): Promise<{ id: string; tags: string[] } | undefined> {
    try {
      const image = await this.docker.getImage(ref).inspect();
      return { id: image.Id, tags: image.RepoTags ?? [] };
    } catch (err) {
      const e = engineError(err, `inspect image ${ref}`);
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      const e = engineError(err, `inspect image ${ref}`);
      if (e instanceof NotFoundError) return false;
      throw e;
    }
  }

  pullImage(ref: string, onProgress?: (p: PullProgress) => void): Promise<void> {
    return call(`pull image ${ref}`, async () => {
      const stream = await this.docker.pull(ref);
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(
          stream,
          (err: Error | null, output: Array<{ error?: string; errorDetail?: { message?: string } }>) => {
            const failed = output?.find((o) => o.error || o.errorDetail);
            if (err) reject(err);
            else if (failed) reject(new Error(failed.errorDetail?.message ?? failed.error));
            else resolve();
          },
          (event: PullProgress) => onProgress?.(event),
        );
      });
    });
  }

  ensureNetwork(name: string, labels: Labels, lockImage?: string): Promise<NetworkRef> {
    return call(`create network ${name}`, async () => {
      const find = async () =>
        (await this.docker.listNetworks({ filters: { name: [name] } }))
          .filter((n) => n.Name === name)
          .sort(
            (a, b) => Date.parse(a.Created ?? '') - Date.parse(b.Created ?? '') || a.Id.localeCompare(b.Id),
          )[0];
      const create = async () =>
        (
          await this.docker.createNetwork({
            Name: name,
            Driver: 'bridge',
            CheckDuplicate: true,
            Labels: labels,
            Attachable: true,
          })
        ).id;
      const existing = await find();
      if (existing) return { id: existing.Id, name, created: false };
      if (!lockImage) return { id: await create(), name, created: true };

      const lockName = `${name}-lock`;
      const deadline = Date.now() + 30_000;
      for (;;) {
        let lock: Docker.Container | undefined;
        try {
          lock = await this.docker.createContainer({
            name: lockName,
            Image: lockImage,
            Entrypoint: ['/nonexistent'],
            HostConfig: { NetworkMode: 'none' },
          });
        } catch (err) {
          if ((err as { statusCode?: number }).statusCode !== 409) throw err;
        }
        if (lock) {
          try {
            const found = await find();
            if (found) return { id: found.Id, name, created: false };
            return { id: await create(), name, created: true };
          } finally {
            await lock.remove({ force: true }).catch(() => undefined);
          }
        }
        // Another caller holds the lock: its network appears, or its lock goes stale (killed).
        const found = await find();
        if (found) return { id: found.Id, name, created: false };
        const held = await this.docker
          .getContainer(lockName)
          .inspect()
          .catch(() => undefined);
        if (held && Date.now() - Date.parse(held.Created) > 20_000) {
          await this.docker
            .getContainer(lockName)
            .remove({ force: true })
            .catch(() => undefined);
        }
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for another svc to create network ${name}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
  }

  removeNetwork(idOrName: string): Promise<void> {
    return call(`remove network ${idOrName}`, async () => {
      try {
        await this.docker.getNetwork(idOrName).remove();
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return;
        throw err;
      }
    });
  }

  listContainers(labels: string[]): Promise<ContainerSummary[]> {
    return call('list containers', async () => {
      const list = await this.docker.listContainers({ all: true, filters: { label: labels } });
      return list.map((c) => ({
        id: c.Id,
        name: trimName(c.Names?.[0]),
        image: c.Image,
        state: c.State as ContainerState,
        labels: c.Labels ?? {},
        created: c.Created,
        addresses: Object.fromEntries(
          Object.entries(c.NetworkSettings?.Networks ?? {})
            .filter(([, ep]) => ep?.IPAddress)
            .map(([net, ep]) => [net, ep.IPAddress]),
        ),
        ports: (c.Ports ?? [])
          .filter((p) => p.PublicPort)
          .map((p) => `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`),
      }));
    });
  }

  createContainer(spec: ContainerSpec): Promise<string> {
    return call(`create container ${spec.name}`, async () => {
      const port = spec.publish ? `${spec.publish.containerPort}/tcp` : undefined;
      const container = await this.docker.createContainer({
        name: spec.name,
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
          PortBindings:
            port && spec.publish
              ? { [port]: [{ HostIp: spec.publish.hostIp, HostPort: String(spec.publish.hostPort) }] }
              : undefined,
        },
        NetworkingConfig: spec.aliases?.length
          ? { EndpointsConfig: { [spec.network]: { Aliases: spec.aliases } } }
          : undefined,
      });
      return container.id;
    });
  }

  startContainer(id: string): Promise<void> {
    return call(`start container ${id.slice(0, 12)}`, async () => {
      await this.docker.getContainer(id).start();
    });
  }

  inspectContainer(id: string): Promise<ContainerDetail> {
    return call(`inspect container ${id.slice(0, 12)}`, async () => {
      const c = await this.docker.getContainer(id).inspect();
      const addresses: Record<string, string> = {};
      for (const [net, ep] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
        if (ep?.IPAddress) addresses[net] = ep.IPAddress;
      }
      return {
        id: c.Id,
        name: trimName(c.Name),
        image: c.Config?.Image ?? '',
        state: c.State.Status as ContainerState,
        labels: c.Config?.Labels ?? {},
        created: Math.floor(Date.parse(c.Created) / 1000),
        addresses,
        ports: Object.entries(c.NetworkSettings?.Ports ?? {}).flatMap(([port, binds]) =>
          (binds ?? []).map((b) => `${b.HostIp}:${b.HostPort}->${port}`),
        ),
        exitCode: c.State.ExitCode ?? 0,
        error: c.State.Error ?? '',
      };
    });
  }

  stopContainer(id: string, graceSeconds: number): Promise<void> {
    return call(`stop container ${id.slice(0, 12)}`, async () => {
      try {
        await this.docker.getContainer(id).stop({ t: graceSeconds });
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        if (code === 304 || code === 404) return; // already stopped, or gone
        throw err;
      }
    });
  }

  logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    return call(`read logs of container ${id.slice(0, 12)}`, async () => {
      const container = this.docker.getContainer(id);
      const info = await container.inspect();
      const base = {
        stdout: true,
        stderr: true,
        timestamps: opts.timestamps ?? false,
        ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
        since: opts.since ?? 0,
      };
      const splitter = (stream: 'stdout' | 'stderr') => {
        let rest = '';
        const pass = new PassThrough();
        pass.on('data', (b: Buffer) => {
          const parts = (rest + b.toString('utf8')).split('\n');
          rest = parts.pop() ?? '';
          for (const text of parts) onLine({ stream, text });
        });
        pass.on('end', () => {
          if (rest) onLine({ stream, text: rest });
        });
        return pass;
      };
      const out = splitter('stdout');
      const err = splitter('stderr');
      // Every line is delivered before this returns.
      const delivered = Promise.all([once(out, 'end'), once(err, 'end')]);
      if (!opts.follow) {
        const raw = (await container.logs({ ...base, follow: false })) as unknown as Buffer;
        if (info.Config.Tty) out.write(raw);
        else demuxBuffer(raw, out, err);
        out.end();
        err.end();
        await delivered;
        return;
      }
      const stream = (await container.logs({ ...base, follow: true })) as unknown as NodeJS.ReadableStream;
      if (info.Config.Tty) stream.pipe(out);
      else this.docker.modem.demuxStream(stream, out, err);
      await new Promise<void>((resolve) => {
        const done = () => {
          out.end();
          err.end();
          resolve();
        };
        stream.on('end', done);
        stream.on('close', done);
        const abort = () => {
          (stream as unknown as { destroy?: () => void }).destroy?.();
          done();
        };
        if (opts.signal?.aborted) abort();
        else opts.signal?.addEventListener('abort', abort, { once: true });
      });
      await delivered;
    });
  }

  removeContainer(id: string): Promise<void> {
    return call(`remove container ${id.slice(0, 12)}`, async () => {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: false });
      } catch (err) {
        const code = (err as { statusCode?: number }).statusCode;
        // 404: already gone; 409: removal already in progress.
        if (code === 404 || code === 409) return;
        throw err;
      }
    });
  }

  renameContainer(id: string, name: string, network?: string): Promise<void> {
    return call(`rename container ${id.slice(0, 12)} to ${name}`, async () => {
      const net = network ? this.docker.getNetwork(network) : undefined;
      await net?.disconnect({ Container: id, Force: true });
      await this.docker.getContainer(id).rename({ name });
      await net?.connect({ Container: id });
    });
  }

  copyDirectory(fromId: string, toId: string, dir: string): Promise<void> {
    return call(`copy ${dir} between containers`, async () => {
      const archive = await this.docker.getContainer(fromId).getArchive({ path: dir });
      const parent = dir.replace(/\/[^/]+\/?$/, '') || '/';
      await this.docker.getContainer(toId).putArchive(archive, { path: parent });
    });
  }

  writeFiles(id: string, dir: string, entries: ArchiveEntry[]): Promise<void> {
    return call(`write files into container ${id.slice(0, 12)}`, async () => {
      await this.docker.getContainer(id).putArchive(createTar(entries), { path: dir });
    });
  }

  exec(id: string, argv: string[]): Promise<ExecResult> {
    return call(`run ${argv[0]} in container ${id.slice(0, 12)}`, async () => {
      const container = this.docker.getContainer(id);
      const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const stdout = new PassThrough().on('data', (b: Buffer) => out.push(b));
      const stderr = new PassThrough().on('data', (b: Buffer) => err.push(b));
      this.docker.modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
      const result = await exec.inspect();
      return {
        exitCode: result.ExitCode ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
    });
  }

  signal(id: string, signal: string): Promise<void> {
    return call(`send ${signal} to container ${id.slice(0, 12)}`, async () => {
      await this.docker.getContainer(id).kill({ signal });
    });
  }
}

/** Split a multiplexed (non-TTY) log buffer: 8-byte headers [stream, 0, 0, 0, size32be]. */
function demuxBuffer(raw: Buffer, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const type = raw[offset];
    const size = raw.readUInt32BE(offset + 4);
    const chunk = raw.subarray(offset + 8, offset + 8 + size);
    (type === 2 ? err : out).write(chunk);
    offset += 8 + size;
  }
}
