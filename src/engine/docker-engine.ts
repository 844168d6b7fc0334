/**
 * The Engine interface on a Docker engine, through dockerode (the client of this run's endpoint:
 * dockerode-client.ts, honouring -H, contexts and DOCKER_HOST like the docker CLI). Every failure
 * leaves as a typed error (engine-error.ts) naming the engine where it matters.
 */
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { NotFoundError } from '../errors.js';
import { type ArchiveEntry, createTar, preloadTar, readTar } from './archive.js';
import { pullImage, registryDigest } from './docker-images.js';
import { ensureNetwork, networkMembers, removeNetwork } from './docker-network.js';
import { readEvents, readLogs, runExec } from './docker-streams.js';
import { DockerSwarm, swarmInfoOf } from './docker-swarm.js';
import * as volumes from './docker-volumes.js';
import { sharedDockerode } from './dockerode-client.js';
import type {
  ContainerDetail,
  ContainerEvent,
  ContainerSpec,
  ContainerSummary,
  Engine,
  EngineInfo,
  EventOptions,
  ExecResult,
  Labels,
  LogLine,
  LogOptions,
  NetworkRef,
  OneShotSpec,
  ProcessInfo,
  PullProgress,
  VolumeSummary,
} from './engine.js';
import { engineError, engineWords, isStatus, unlessStatus } from './engine-error.js';
import { DOCKER_CONFIG_LOGIN, type RegistryLogin } from './registry-login.js';
import { containerBody, detailOf, processesOf, summaryOf } from './specs.js';
import type { SwarmEngine } from './swarm.js';

const short = (id: string) => id.slice(0, 12);

export class DockerEngine implements Engine {
  /** The dockerode client, for other engine modules to speak through the same connection. */
  readonly docker: Dockerode;
  /** The endpoint's display form (with the context name when one was used), for messages. */
  readonly where: string;
  readonly swarm: SwarmEngine;

  constructor(
    docker?: Dockerode,
    where?: string,
    /** The registry login pulls carry (the user's, as the docker CLI finds it, by default). */
    private readonly login: RegistryLogin = DOCKER_CONFIG_LOGIN,
  ) {
    if (docker) {
      this.docker = docker;
      this.where = where ?? 'the Docker engine';
    } else {
      const shared = sharedDockerode();
      this.docker = shared.docker;
      this.where = where ?? shared.endpoint.display;
    }
    this.swarm = new DockerSwarm(this.docker, this.where, login);
  }

  withRegistryLogin(login: RegistryLogin): Engine {
    return new DockerEngine(this.docker, this.where, login);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw engineError(err, what, this.where);
    }
  }

  ping(): Promise<void> {
    return this.call('ping the engine', async () => {
      await this.docker.ping();
    });
  }

  info(): Promise<EngineInfo> {
    return this.call('read engine info', async () => {
      const raw = (await this.docker.info()) as Record<string, unknown>;
      const i = raw as { NCPU?: number; MemTotal?: number; ServerVersion?: string };
      const swarm = swarmInfoOf(raw);
      return {
        cpus: i.NCPU ?? 1,
        memoryBytes: i.MemTotal ?? 0,
        serverVersion: i.ServerVersion ?? '',
        swarm,
        raw,
      };
    });
  }

  async inspectImage(
    ref: string,
  ): Promise<{ id: string; tags: string[]; digests: string[]; raw?: Record<string, unknown> } | undefined> {
    try {
      return await this.call(`inspect image ${ref}`, async () => {
        const image = await this.docker.getImage(ref).inspect();
        return {
          id: image.Id,
          tags: image.RepoTags ?? [],
          digests: image.RepoDigests ?? [],
          raw: image as unknown as Record<string, unknown>,
        };
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
    return pullImage(this.docker, this.where, this.login, ref, onProgress);
  }

  registryDigest(ref: string): Promise<string> {
    return registryDigest(this.docker, this.where, this.login, ref);
  }

  ensureNetwork(
    name: string,
    labels: Labels,
    lockImage?: string,
    driver: 'bridge' | 'overlay' = 'bridge',
  ): Promise<NetworkRef> {
    return this.call(`create network ${name}`, () =>
      ensureNetwork(this.docker, { name, labels, driver }, (lock) => this.removeContainer(lock), lockImage),
    );
  }

  removeNetwork(idOrName: string): Promise<void> {
    return this.call(`remove network ${idOrName}`, () => removeNetwork(this.docker, idOrName));
  }

  networkMembers(network: string): Promise<string[]> {
    return this.call(`inspect network ${network}`, () => networkMembers(this.docker, network));
  }

  listContainers(labels: string[]): Promise<ContainerSummary[]> {
    return this.call('list containers', async () => {
      const list = await this.docker.listContainers({ all: true, filters: { label: labels } });
      return list.map(summaryOf);
    });
  }

  createContainer(spec: ContainerSpec): Promise<string> {
    // A command that creates a container (a load balancer, a replica, a record) goes on to write
    // a load balancer's files: tar-stream loads while the engine makes this one.
    preloadTar();
    return this.call(`create container ${spec.name}`, async () => {
      // The name in the query, the rest in the body only (dockerode would put both in the URL).
      const created = await this.docker.createContainer({
        _query: { name: spec.name },
        _body: containerBody(spec),
      } as Dockerode.ContainerCreateOptions);
      return created.id;
    });
  }

  startContainer(id: string): Promise<void> {
    // 304: already running.
    return this.call(`start container ${short(id)}`, () =>
      unlessStatus([304], this.docker.getContainer(id).start()),
    );
  }

  inspectContainer(id: string): Promise<ContainerDetail> {
    return this.call(`inspect container ${short(id)}`, async () =>
      detailOf(await this.docker.getContainer(id).inspect()),
    );
  }

  stopContainer(id: string, graceSeconds: number, opts: { signal?: AbortSignal } = {}): Promise<void> {
    // 304: already stopped; 404: gone.
    return this.call(`stop container ${short(id)}`, () =>
      unlessStatus(
        [304, 404],
        this.docker
          .getContainer(id)
          .stop({ t: graceSeconds, ...(opts.signal ? { abortSignal: opts.signal } : {}) }),
      ),
    );
  }

  logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    return this.call(`read logs of container ${short(id)}`, () =>
      readLogs(this.docker, { kind: 'containers', id }, opts, onLine),
    );
  }

  events(labels: string[], opts: EventOptions, onEvent: (e: ContainerEvent) => void): Promise<void> {
    return this.call("follow the engine's events", () => readEvents(this.docker, labels, opts, onEvent));
  }

  removeContainer(id: string): Promise<void> {
    // 404: already gone; 409: removal already in progress.
    return this.call(`remove container ${short(id)}`, () =>
      unlessStatus([404, 409], this.docker.getContainer(id).remove({ force: true, v: false })),
    );
  }

  renameContainer(id: string, name: string, network?: string): Promise<void> {
    return this.call(`rename container ${short(id)} to ${name}`, async () => {
      const net = network ? this.docker.getNetwork(network) : undefined;
      if (net) await net.disconnect({ Container: id, Force: true });
      await this.docker.getContainer(id).rename({ name });
      if (net) await net.connect({ Container: id });
    });
  }

  leaveNetwork(id: string, network: string): Promise<void> {
    // 404: the container or network is gone; "is not connected" (500): off it already.
    return this.call(`disconnect container ${short(id)} from ${network}`, async () => {
      try {
        await this.docker.getNetwork(network).disconnect({ Container: id, Force: true });
      } catch (err) {
        if (!isStatus(err, 404) && !/is not connected/.test(engineWords(err))) throw err;
      }
    });
  }

  async joinNetwork(id: string, network: string, aliases: string[]): Promise<void> {
    await this.leaveNetwork(id, network);
    await this.call(`connect container ${short(id)} to ${network}`, () =>
      this.docker.getNetwork(network).connect({ Container: id, EndpointConfig: { Aliases: aliases } }),
    );
  }

  writeFiles(id: string, dir: string, entries: ArchiveEntry[]): Promise<void> {
    return this.call(`write files into container ${short(id)}`, async () => {
      await this.docker.getContainer(id).putArchive(await createTar(entries), { path: dir });
    });
  }

  readFiles(id: string, path: string): Promise<ArchiveEntry[]> {
    return this.call(`read ${path} of container ${short(id)}`, async () => {
      let archive: Readable;
      try {
        archive = (await this.docker.getContainer(id).getArchive({ path })) as Readable;
      } catch (err) {
        if (isStatus(err, 404) && !/no such container/i.test(engineWords(err))) return [];
        throw err;
      }
      return readTar(archive);
    });
  }

  listVolumes(labels: string[]): Promise<VolumeSummary[]> {
    return this.call('list volumes', () => volumes.listVolumes(this.docker, labels));
  }

  inspectVolume(name: string): Promise<VolumeSummary | undefined> {
    return this.call(`inspect volume ${name}`, () => volumes.inspectVolume(this.docker, name));
  }

  createVolume(name: string, labels: Labels): Promise<VolumeSummary> {
    return this.call(`create volume ${name}`, () => volumes.createVolume(this.docker, name, labels));
  }

  removeVolume(name: string): Promise<void> {
    return this.call(`remove volume ${name}`, () => volumes.removeVolume(this.docker, name));
  }

  runOnce(spec: OneShotSpec): Promise<ExecResult> {
    return this.call(`run a check in image ${spec.image}`, () => volumes.runOnce(this.docker, spec));
  }

  top(id: string): Promise<ProcessInfo[]> {
    return this.call(`list the processes of container ${short(id)}`, async () =>
      processesOf(await this.docker.getContainer(id).top({ ps_args: '-o pid,ppid,args' })),
    );
  }

  exec(id: string, argv: string[]): Promise<ExecResult> {
    return this.call(`run ${argv[0]} in container ${short(id)}`, () => runExec(this.docker, id, argv));
  }

  signal(id: string, signal: string): Promise<void> {
    return this.call(`send ${signal} to container ${short(id)}`, async () => {
      await this.docker.getContainer(id).kill({ signal });
    });
  }

  setRestartPolicy(id: string, policy: NonNullable<ContainerSpec['restartPolicy']>): Promise<void> {
    return this.call(`set the restart policy of container ${short(id)}`, async () => {
      await this.docker.getContainer(id).update({ RestartPolicy: { Name: policy } });
    });
  }
}
