/**
 * The small interface the rest of svc uses to talk to a container engine. src/engine/docker-engine.ts
 * implements it on a Docker engine, through dockerode (dockerode-client.ts).
 * Errors it throws are already typed (src/errors.ts): engine unreachable → EngineUnavailableError,
 * name taken → ConflictError, missing object → NotFoundError.
 */

import type { ArchiveEntry } from './archive.js';
import type { RegistryLogin } from './registry-login.js';
import type { SwarmEngine, SwarmInfo } from './swarm.js';
import type { ContainerEvent, EventOptions, Labels, LogLine, LogOptions } from './types.js';

export type { ContainerEvent, EventOptions, Labels, LogLine, LogOptions } from './types.js';

export interface EngineInfo {
  cpus: number;
  memoryBytes: number;
  serverVersion: string;
  /** The swarm this engine is part of; undefined when it is in none. */
  swarm?: SwarmInfo;
  /** The engine's whole `/info` answer, in its own field names (the API's /info picks from it). */
  raw?: Record<string, unknown>;
}

export interface NetworkRef {
  id: string;
  name: string;
  /** True when this call created it (so a rollback knows it may remove it). */
  created: boolean;
  /**
   * The removal of the lock its creation held, still under way (it never rejects): the caller
   * goes on at once and waits for it before it ends.
   */
  unlocked?: Promise<void>;
}

export type { ArchiveEntry } from './archive.js';

export interface ContainerSpec {
  name: string;
  image: string;
  labels: Labels;
  network: string;
  /** Extra DNS names on `network`. */
  aliases?: string[];
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  env?: string[] | null;
  workingDir?: string;
  /** Docker bind strings of host paths: `/host:/path[:ro]`. */
  binds?: string[] | null;
  /** Named volumes: made (with these labels) before the container is, mounted by name. */
  volumes?: VolumeMount[];
  tty?: boolean;
  openStdin?: boolean;
  stopSignal?: string;
  /** Seconds between the stop signal and SIGKILL when the engine stops it (docker's default: 10). */
  stopTimeout?: number;
  memoryBytes?: number;
  nanoCpus?: number;
  /** The most processes and threads the container may have at once. */
  pidsLimit?: number;
  restartPolicy?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  /** Namespaced kernel parameters, e.g. net.ipv4.ip_unprivileged_port_start. */
  sysctls?: Record<string, string>;
  /** Publish `containerPort`/tcp on `hostIp:hostPort`. */
  publish?: { hostIp: string; hostPort: number; containerPort: number } | null;
  /** The container's log driver and its options (else the engine's default). */
  logConfig?: { type: string; config: Record<string, string> };
}

/** A named volume mounted into a container. */
export interface VolumeMount {
  /** The engine volume's name. */
  name: string;
  target: string;
  readOnly: boolean;
  /** Its labels, should the engine have to make it. */
  labels: Labels;
}

/** A volume as the engine lists it. */
export interface VolumeSummary {
  name: string;
  driver: string;
  labels: Labels;
  /** RFC 3339, as the engine says it ("" when it does not). */
  created: string;
  /** `local`, or `global` for a cluster-wide driver. */
  scope: string;
}

/**
 * A short-lived container run to its end (svc's own checks): no network, a read-only root, no
 * capabilities beyond `capAdd`, and bounded processes and memory.
 */
export interface OneShotSpec {
  image: string;
  /** Replaces the image's entrypoint. */
  entrypoint: string[];
  cmd: string[];
  user: string;
  /** Host directories, bind-mounted read-only (each must exist: the engine makes none). */
  mounts: Array<{ source: string; target: string }>;
  capAdd?: string[];
  labels: Labels;
  timeoutMs: number;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** Docker's verdict of a running container whose image (or spec) has a HEALTHCHECK. */
export type ContainerHealth = 'starting' | 'healthy' | 'unhealthy';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: ContainerState;
  labels: Labels;
  created: number;
  /** Address per network name. */
  addresses: Record<string, string>;
  /** Published ports: `hostIp:hostPort->containerPort/tcp`. */
  ports: string[];
  /** The engine names of the named volumes it mounts. */
  volumes?: string[];
  /** Docker's health verdict, when the container has a health check and runs. */
  health?: ContainerHealth;
  /** The ID (`sha256:…`) of the image it was made from, when the engine says. */
  imageId?: string;
}

export interface ContainerDetail extends ContainerSummary {
  exitCode: number;
  error: string;
  /** When its current (or last) run started, RFC 3339; the zero time when it never ran. */
  startedAt: string;
  /** The user its process runs as (`Config.User`: "", a name, `uid`, `uid:gid`, `name:group`). */
  user: string;
  /** Whether it has a health check (its own or its image's `HEALTHCHECK`, not `NONE`). */
  hasHealthCheck: boolean;
  /** The output of Docker's last health check of it ("" when none), for messages. */
  healthOutput: string;
  /** Its restart policy's name (`HostConfig.RestartPolicy.Name`; "" is `no`). */
  restartPolicy: string;
  /** How often its restart policy started it again since it was last started (by `start`). */
  restartCount?: number;
}

/** One process of a running container, as the engine's `top` lists it (host PIDs). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface PullProgress {
  status: string;
  id?: string;
  progress?: string;
}

export interface Engine {
  /** The swarm this engine manages, if any (services, tasks, configs, secrets). */
  readonly swarm: SwarmEngine;
  ping(): Promise<void>;
  info(): Promise<EngineInfo>;
  imageExists(ref: string): Promise<boolean>;
  /**
   * The image's ID (`sha256:…`), tags, the digests it was pulled or pushed by (`name@sha256:…`)
   * and the engine's whole answer, in its own field names; undefined when the engine does not
   * have it.
   */
  inspectImage(
    ref: string,
  ): Promise<{ id: string; tags: string[]; digests?: string[]; raw?: Record<string, unknown> } | undefined>;
  /**
   * Pull with the engine's registry login (withRegistryLogin; by default the user's, as the docker
   * CLI finds it). A registry refusing the login (or wanting one) is an EngineUnavailableError, an
   * image it does not have a NotFoundError, both with a `registry-login` hint.
   */
  pullImage(ref: string, onProgress?: (p: PullProgress) => void): Promise<void>;
  /** The digest (`sha256:…`) the image's registry gives for `ref` now, asked with the engine's login; errors as pullImage. */
  registryDigest(ref: string): Promise<string>;
  /**
   * The same engine, whose pulls, registry look-ups and Swarm service creates and updates carry
   * `login` instead.
   */
  withRegistryLogin(login: RegistryLogin): Engine;
  /**
   * Find the network by name, or create it with these labels. The engine's own duplicate check is
   * best-effort; with `lockImage` (any image present) concurrent callers serialise on a lock
   * container named after the network, so exactly one network of that name is ever made.
   * `overlay` (on a swarm manager) makes the swarm-wide, attachable kind.
   */
  ensureNetwork(
    name: string,
    labels: Labels,
    lockImage?: string,
    driver?: 'bridge' | 'overlay',
  ): Promise<NetworkRef>;
  removeNetwork(idOrName: string): Promise<void>;
  /**
   * The names of the containers that have an endpoint on `network` now (none when it is gone). A
   * container being started has one, and its name resolves there, well before its start returns.
   */
  networkMembers(network: string): Promise<string[]>;
  /** Containers (running or not) carrying every one of these labels (`key=value`, or `key` alone). */
  listContainers(labels: string[]): Promise<ContainerSummary[]>;
  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  inspectContainer(id: string): Promise<ContainerDetail>;
  /**
   * Stops gracefully: the container's stop signal, then SIGKILL after `graceSeconds`. Gone or
   * stopped is fine. `signal` gives up waiting (the request goes; what the engine then does with the
   * stop is its own: see engineFinishesStops in backends/local/plan/change.ts).
   */
  stopContainer(id: string, graceSeconds: number, opts?: { signal?: AbortSignal }): Promise<void>;
  /** Force-removes; a container that is already gone is not an error. */
  removeContainer(id: string): Promise<void>;
  /**
   * Give the container a new name (its labels cannot change; its name can). With `network`, it
   * is disconnected from it first and connected again after: the engine's DNS only drops and
   * adds the records of the name a container has when it leaves and joins a network, so a
   * renamed container would otherwise go on answering to its old name.
   */
  renameContainer(id: string, name: string, network?: string): Promise<void>;
  /** Disconnect the container from `network` (its names and aliases there go at once); not on it is fine. */
  leaveNetwork(id: string, network: string): Promise<void>;
  /** Connect the container to `network` with these aliases (leaving it first if it is on it). */
  joinNetwork(id: string, network: string, aliases: string[]): Promise<void>;
  /**
   * Extract these entries (paths relative to `dir`, which must exist) into the container, as the
   * engine's root, with the modes and owners the entries give. Works on a created container too.
   */
  writeFiles(id: string, dir: string, entries: ArchiveEntry[]): Promise<void>;
  /**
   * The file or directory tree at `path` in the container, named relative to its parent
   * (`haproxy/haproxy.cfg` for /usr/local/etc/haproxy; `passwd` for /etc/passwd); [] when missing.
   */
  readFiles(id: string, path: string): Promise<ArchiveEntry[]>;
  /** Run `argv` in the running container (as its user); its exit code and output. */
  exec(id: string, argv: string[]): Promise<ExecResult>;
  signal(id: string, signal: string): Promise<void>;
  /** Volumes carrying every one of these labels (`key=value`, or `key` alone). */
  listVolumes(labels: string[]): Promise<VolumeSummary[]>;
  /** The volume, or undefined when the engine has none of that name. */
  inspectVolume(name: string): Promise<VolumeSummary | undefined>;
  /** Make the volume (the local driver); one of that name that exists is answered as it is. */
  createVolume(name: string, labels: Labels): Promise<VolumeSummary>;
  /** A volume in use is a ConflictError; a missing one a NotFoundError. */
  removeVolume(name: string): Promise<void>;
  /** Run a container to its end and remove it; its exit code and output. */
  runOnce(spec: OneShotSpec): Promise<ExecResult>;
  /** Change a container's restart policy (running or not). */
  setRestartPolicy(id: string, policy: NonNullable<ContainerSpec['restartPolicy']>): Promise<void>;
  /** The processes of a running container (the engine runs `ps`; nothing runs inside it). */
  top(id: string): Promise<ProcessInfo[]>;
  /**
   * The container's output, demultiplexed, line by line; with `follow` until aborted or the
   * container ends. `onOpen` is called once the engine is streaming (a line written after that
   * is never missed by a follow with `tail: 0`).
   */
  logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void>;
  /**
   * The events of containers carrying every one of these labels, as they happen, until `signal`
   * aborts (then it resolves) or the engine ends the stream.
   */
  events(labels: string[], opts: EventOptions, onEvent: (e: ContainerEvent) => void): Promise<void>;
}
