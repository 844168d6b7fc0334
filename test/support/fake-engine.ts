/**
 * The one fake of the unit tests: an in-memory Docker engine (containers, networks, images,
 * files, and with `swarm` the swarm it manages: fake-swarm.ts) and load balancer driver, both
 * implementing the real interfaces. Every call that changes something is recorded, and a failure
 * can be injected at the Nth one, so that each operation's rollback is driven through every step
 * it has, on both backends.
 */
import { BACKENDS } from '../../src/backends/index.js';
import type { Core } from '../../src/core/backend.js';
import type {
  ArchiveEntry,
  ContainerDetail,
  ContainerEvent,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  Engine,
  EngineInfo,
  EventOptions,
  ExecResult,
  Labels,
  LogLine,
  LogOptions,
  NetworkRef,
  ProcessInfo,
  VolumeSummary,
} from '../../src/engine/engine.js';
import { DOCKER_CONFIG_LOGIN, type RegistryLogin } from '../../src/engine/registry-login.js';
import type { SwarmEngine } from '../../src/engine/swarm.js';
import { ConflictError, InternalError, NotFoundError } from '../../src/errors.js';
import type { LbView } from '../../src/haproxy/lb-log.js';
import { renderAllowList } from '../../src/haproxy/render-config.js';
import type {
  LbLine,
  LbState,
  LiveFiles,
  LoadBalancerDriver,
  Undo,
  WaitOptions,
} from '../../src/lb/driver.js';
import type { ServerCounters } from '../../src/lb/stats.js';
import { LABEL } from '../../src/model/naming.js';
import { FakeSwarm, NODE, type SwarmHost } from './fake-swarm.js';

interface FakeContainer {
  id: string;
  name: string;
  spec: ContainerSpec;
  state: ContainerState;
  created: number;
}

/** A mutating call, as recorded: `create web-1-…`, `start web-1-…`, `lb.apply web-lb-…`. */
export interface Call {
  what: string;
  target: string;
}

/** Fails the `at`-th mutating call (1-based) counted from when it is armed, or those matching. */
export interface Injection {
  at?: number;
  /** Fail this call and every one after it: the process was killed there (nothing after it happens). */
  from?: number;
  match?: (c: Call) => boolean;
  error?: Error;
  /** Fail every matching call, not only the first. */
  always?: boolean;
}

export class FakeWorld implements SwarmHost {
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Map<string, { id: string; labels: Labels }>();
  /** Volumes by name. */
  readonly volumes = new Map<string, { labels: Labels }>();
  readonly images = new Set<string>();
  /** What the registry gives for an image reference now: its digest (else one made of the name). */
  readonly registry = new Map<string, string>();
  /** The digest each image present was pulled by, as the engine keeps it (RepoDigests). */
  readonly pulledDigests = new Map<string, string>();
  /** Every pull asked for, with the registry login it carried. */
  readonly pullLogins: Array<{ ref: string; login: RegistryLogin }> = [];
  /** What each load balancer's counters say (by container ID; none when not set). */
  readonly lbCounters = new Map<string, ServerCounters[]>();
  /** What each load balancer (by container ID) serves: the last state applied or configured. */
  readonly lbState = new Map<string, { servers: string[]; cert?: string; allow?: string[] }>();
  readonly calls: Call[] = [];
  /** What each container (by ID) printed, `<RFC 3339> text` a line. */
  readonly logLines = new Map<string, string[]>();
  /** Every logs request, as asked. */
  readonly logRequests: Array<{ id: string; opts: LogOptions }> = [];
  /** Who follows the engine's events now: their label filters and where each event goes. */
  readonly eventFollowers = new Set<{ labels: string[]; onEvent: (e: ContainerEvent) => void }>();
  cpus = 2;
  /** The swarm the engine manages (it is in none without `swarm`). */
  readonly swarm: FakeSwarm | undefined;
  private seq = 0;
  private injection: Injection | undefined;
  private counted = 0;

  constructor(images: string[] = [], opts: { swarm?: boolean } = {}) {
    for (const i of images) this.images.add(i);
    this.swarm = opts.swarm ? new FakeSwarm(this) : undefined;
  }

  /** A container the swarm made for a task (not a call of svc's: nothing is recorded). */
  addContainer(name: string, spec: ContainerSpec): string {
    const id = this.nextId();
    this.containers.set(id, { id, name, spec, state: 'running', created: Date.now() / 1000 });
    return id;
  }

  removeContainer(id: string): void {
    this.containers.delete(id);
  }

  /** Put containers the engine already has (as it lists them) into the world. */
  adopt(containers: ContainerSummary[]): this {
    for (const c of containers) {
      const spec: ContainerSpec = {
        name: c.name,
        image: c.image,
        labels: c.labels,
        network: Object.keys(c.addresses)[0] ?? 'none',
      };
      this.containers.set(c.id, { id: c.id, name: c.name, spec, state: c.state, created: c.created });
      this.images.add(c.image);
    }
    return this;
  }

  /** Forget these containers (removed behind the engine's back, as by `docker rm` elsewhere). */
  drop(keep: (name: string) => boolean): void {
    for (const [id, c] of this.containers) if (!keep(c.name)) this.containers.delete(id);
  }

  nextId(): string {
    this.seq += 1;
    return this.seq.toString(16).padStart(64, '0');
  }

  /** Tell every follower whose labels `e` carries that it happened. */
  emit(e: ContainerEvent): void {
    for (const f of this.eventFollowers) if (matches(e.labels, f.labels)) f.onEvent(e);
  }

  /** Arm a failure (counting starts now). */
  inject(i: Injection | undefined): void {
    this.injection = i;
    this.counted = 0;
  }

  /** Record a mutating call; throws when the armed injection says so. */
  mutate(what: string, target: string): void {
    const call = { what, target };
    this.counted += 1;
    const i = this.injection;
    const killed = i?.from !== undefined && this.counted >= i.from;
    if (i && (killed || (i.at !== undefined && i.at === this.counted) || i.match?.(call))) {
      if (!i.always && !killed) this.injection = undefined;
      throw i.error ?? new InternalError(`injected failure at ${what} ${target}`);
    }
    this.calls.push(call);
  }

  byName(name: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.name === name);
  }

  find(idOrName: string): FakeContainer {
    const c = this.containers.get(idOrName) ?? this.byName(idOrName);
    if (!c) throw new NotFoundError(`no such container: ${idOrName}`);
    return c;
  }

  /** Everything that makes up the world, comparable with toEqual (IDs and call log left out). */
  picture(): unknown {
    const lbByName = new Map([...this.lbState].map(([id, s]) => [this.containers.get(id)?.name ?? id, s]));
    return {
      // svc's own containers; a Swarm task's container is in the swarm's picture, as its task.
      containers: [...this.containers.values()]
        .filter((c) => LABEL.managed in c.spec.labels && c.spec.labels[LABEL.backend] === undefined)
        .map((c) => ({ name: c.name, state: c.state, image: c.spec.image, labels: c.spec.labels }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      networks: [...this.networks.keys()].sort(),
      volumes: [...this.volumes.keys()].sort(),
      lbs: [...lbByName].sort(([a], [b]) => a.localeCompare(b)),
      swarm: this.swarm?.picture(),
    };
  }
}

function matches(labels: Labels, filters: string[]): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

/** The swarm side of an engine in no swarm: every call fails (svc must not make one). */
const NO_SWARM = new Proxy({} as SwarmEngine, {
  get: (_t, prop) => () => Promise.reject(new Error(`no swarm: ${String(prop)}`)),
});

export class FakeEngine implements Engine {
  readonly swarm: SwarmEngine;

  constructor(
    readonly world: FakeWorld,
    /** The registry login its pulls carry (each pull's is kept in the world's `pullLogins`). */
    readonly login: RegistryLogin = DOCKER_CONFIG_LOGIN,
  ) {
    this.swarm = world.swarm ?? NO_SWARM;
  }

  withRegistryLogin(login: RegistryLogin): Engine {
    return new FakeEngine(this.world, login);
  }

  async ping(): Promise<void> {}

  async info(): Promise<EngineInfo> {
    const swarm = this.world.swarm ? { nodeId: NODE.id, manager: true } : undefined;
    return { cpus: this.world.cpus, memoryBytes: 8 * 2 ** 30, serverVersion: '20.10.24', swarm };
  }

  async imageExists(ref: string): Promise<boolean> {
    return this.world.images.has(ref);
  }

  async inspectImage(ref: string): Promise<{ id: string; tags: string[]; digests: string[] } | undefined> {
    if (!this.world.images.has(ref)) return undefined;
    const digest = this.world.pulledDigests.get(ref);
    const digests = digest ? [`${ref.replace(/:[^:/]+$/, '')}@${digest}`] : [];
    return { id: `sha256:${ref.length}`, tags: [ref], digests };
  }

  async pullImage(ref: string): Promise<void> {
    this.world.pullLogins.push({ ref, login: this.login });
    this.world.mutate('pull', ref);
    this.world.images.add(ref);
    this.world.pulledDigests.set(ref, await this.registryDigest(ref));
  }

  async registryDigest(ref: string): Promise<string> {
    return this.world.registry.get(ref) ?? `sha256:${ref.length.toString(16).padStart(64, '0')}`;
  }

  async ensureNetwork(name: string, labels: Labels): Promise<NetworkRef> {
    const existing = this.world.networks.get(name);
    if (existing) return { id: existing.id, name, created: false };
    this.world.mutate('create-network', name);
    const id = this.world.nextId();
    this.world.networks.set(name, { id, labels });
    return { id, name, created: true };
  }

  async removeNetwork(idOrName: string): Promise<void> {
    const entry = [...this.world.networks].find(([n, v]) => n === idOrName || v.id === idOrName);
    if (!entry) return;
    this.world.mutate('remove-network', entry[0]);
    this.world.networks.delete(entry[0]);
  }

  /** A running container is on its network (a starting one is at once: starts are instant here). */
  async networkMembers(network: string): Promise<string[]> {
    const id = this.world.networks.get(network)?.id;
    return [...this.world.containers.values()]
      .filter((c) => c.state === 'running' && (c.spec.network === network || c.spec.network === id))
      .map((c) => c.name);
  }

  async listContainers(labels: string[]): Promise<ContainerSummary[]> {
    return [...this.world.containers.values()]
      .filter((c) => matches(c.spec.labels, labels))
      .map((c) => this.summary(c));
  }

  private summary(c: FakeContainer): ContainerSummary {
    return {
      id: c.id,
      name: c.name,
      image: c.spec.image,
      state: c.state,
      labels: c.spec.labels,
      created: c.created,
      addresses: c.state === 'running' && c.spec.network !== 'none' ? { [c.spec.network]: '10.0.0.2' } : {},
      ports: [],
      volumes: c.spec.volumes?.map((v) => v.name) ?? [],
    };
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    if (this.world.byName(spec.name)) throw new ConflictError(`name ${spec.name} is in use`);
    if (!this.world.images.has(spec.image)) throw new NotFoundError(`no such image: ${spec.image}`);
    this.world.mutate('create', spec.name);
    const id = this.world.nextId();
    this.world.containers.set(id, {
      id,
      name: spec.name,
      spec,
      state: 'created',
      created: Date.now() / 1000,
    });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.world.find(id);
    this.world.mutate('start', c.name);
    c.state = 'running';
  }

  async inspectContainer(id: string): Promise<ContainerDetail> {
    const c = this.world.find(id);
    return {
      ...this.summary(c),
      exitCode: 0,
      error: '',
      startedAt: '2026-12-01T00:00:00Z',
      user: '',
      hasHealthCheck: false,
      healthOutput: '',
      restartPolicy: c.spec.restartPolicy ?? '',
    };
  }

  async setRestartPolicy(id: string, policy: NonNullable<ContainerSpec['restartPolicy']>): Promise<void> {
    const c = this.world.find(id);
    this.world.mutate('set-restart-policy', c.name);
    c.spec = { ...c.spec, restartPolicy: policy };
  }

  async stopContainer(id: string): Promise<void> {
    const c = this.world.containers.get(id) ?? this.world.byName(id);
    if (!c) return;
    this.world.mutate('stop', c.name);
    c.state = 'exited';
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.world.containers.get(id) ?? this.world.byName(id);
    if (!c) return;
    this.world.mutate('remove', c.name);
    this.world.containers.delete(c.id);
    this.world.lbState.delete(c.id);
  }

  async renameContainer(id: string, name: string): Promise<void> {
    const c = this.world.find(id);
    if (this.world.byName(name)) throw new ConflictError(`name ${name} is in use`);
    this.world.mutate('rename', `${c.name}->${name}`);
    c.name = name;
  }

  async leaveNetwork(id: string, network: string): Promise<void> {
    const c = this.world.find(id);
    this.world.mutate('leave', `${c.name} ${network}`);
    if (c.spec.network === network) c.spec = { ...c.spec, network: 'none' };
  }

  async joinNetwork(id: string, network: string, aliases: string[]): Promise<void> {
    const c = this.world.find(id);
    this.world.mutate('join', `${c.name} ${network} ${aliases.join(',')}`);
    c.spec = { ...c.spec, network, aliases };
  }

  async writeFiles(id: string, _dir: string, _entries: ArchiveEntry[]): Promise<void> {
    this.world.mutate('write-files', this.world.find(id).name);
  }

  async readFiles(): Promise<ArchiveEntry[]> {
    return [];
  }

  async listVolumes(labels: string[]): Promise<VolumeSummary[]> {
    return [...this.world.volumes]
      .filter(([, v]) => matches(v.labels, labels))
      .map(([name, v]) => this.volume(name, v.labels));
  }

  private volume(name: string, labels: Labels): VolumeSummary {
    return { name, driver: 'local', labels, created: '2026-12-01T00:00:00Z', scope: 'local' };
  }

  async inspectVolume(name: string): Promise<VolumeSummary | undefined> {
    const v = this.world.volumes.get(name);
    return v ? this.volume(name, v.labels) : undefined;
  }

  async createVolume(name: string, labels: Labels): Promise<VolumeSummary> {
    const existing = this.world.volumes.get(name);
    if (existing) return this.volume(name, existing.labels);
    this.world.mutate('create-volume', name);
    this.world.volumes.set(name, { labels });
    return this.volume(name, labels);
  }

  async removeVolume(name: string): Promise<void> {
    if (!this.world.volumes.has(name)) throw new NotFoundError(`no such volume: ${name}`);
    const users = [...this.world.containers.values()].filter((c) =>
      c.spec.volumes?.some((v) => v.name === name),
    );
    if (users.length > 0) throw new ConflictError(`remove ${name}: volume is in use`);
    this.world.mutate('remove-volume', name);
    this.world.volumes.delete(name);
  }

  async runOnce(): Promise<ExecResult> {
    return { exitCode: 0, stdout: '', stderr: '' };
  }

  async exec(): Promise<ExecResult> {
    return { exitCode: 0, stdout: '', stderr: '' };
  }

  async signal(id: string, signal: string): Promise<void> {
    this.world.mutate(`signal ${signal}`, this.world.find(id).name);
  }

  async top(): Promise<ProcessInfo[]> {
    return [];
  }

  /** The container's lines after `since`, the last `tail` of them; then the stream ends (as for a stopped container). */
  async logs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void> {
    this.world.logRequests.push({ id, opts });
    opts.onOpen?.();
    let lines = this.world.logLines.get(id) ?? [];
    if (opts.since) lines = lines.filter((l) => Date.parse(l.slice(0, 30)) / 1000 >= (opts.since as number));
    if (opts.tail !== undefined) lines = lines.slice(-opts.tail);
    for (const text of lines) onLine({ stream: 'stdout', text });
  }

  events(labels: string[], opts: EventOptions, onEvent: (e: ContainerEvent) => void): Promise<void> {
    return followEvents(this.world, labels, opts, onEvent);
  }
}

/** Follows until aborted (the stream of a live engine that has nothing to say meanwhile). */
function followEvents(
  world: FakeWorld,
  labels: string[],
  opts: EventOptions,
  onEvent: (e: ContainerEvent) => void,
): Promise<void> {
  // The fake keeps no past events: a stream that ends (`until`) ends at once.
  if (opts.until !== undefined) {
    opts.onOpen?.();
    return Promise.resolve();
  }
  const follower = {
    labels,
    onEvent: (e: ContainerEvent) => {
      if (!opts.actions || opts.actions.includes(e.action)) onEvent(e);
    },
  };
  world.eventFollowers.add(follower);
  opts.onOpen?.();
  return new Promise((resolve) => {
    const done = () => {
      world.eventFollowers.delete(follower);
      resolve();
    };
    if (opts.signal?.aborted) done();
    else opts.signal?.addEventListener('abort', done, { once: true });
  });
}

/** A load balancer driver that keeps what each load balancer serves in the world. */
export class FakeLb implements LoadBalancerDriver {
  constructor(readonly world: FakeWorld) {}

  private name(id: string): string {
    return this.world.find(id).name;
  }

  private set(id: string, state: LbState): void {
    const prev = this.world.lbState.get(id);
    this.world.lbState.set(id, {
      servers: state.servers.map((s) => s.name),
      cert: state.cert ?? prev?.cert,
      allow: state.allow ?? prev?.allow,
    });
  }

  async configure(
    id: string,
    state: LbState,
    opts: { certFrom?: string; joining?: boolean } = {},
  ): Promise<void> {
    this.world.mutate('lb.configure', this.name(id));
    this.set(id, {
      ...state,
      cert: state.cert ?? (opts.certFrom ? this.world.lbState.get(opts.certFrom)?.cert : undefined),
    });
  }

  async start(id: string): Promise<void> {
    this.world.mutate('lb.start', this.name(id));
    this.world.find(id).state = 'running';
  }

  async revive(id: string): Promise<void> {
    this.world.mutate('lb.revive', this.name(id));
    const c = this.world.find(id);
    c.state = 'running';
    c.spec = { ...c.spec, restartPolicy: 'always' };
  }

  async apply(
    id: string,
    state: LbState,
    opts: WaitOptions & { up?: string[]; drain?: boolean },
  ): Promise<Undo> {
    const before = this.world.lbState.get(id);
    this.world.mutate('lb.apply', this.name(id));
    this.set(id, state);
    try {
      if (opts.up?.length) this.world.mutate('lb.wait-up', `${this.name(id)} ${opts.up.join(' ')}`);
      if (opts.drain) this.world.mutate('lb.drain', this.name(id));
    } catch (err) {
      // As the real driver: a wait that fails puts the old config back before it throws.
      if (before) this.world.lbState.set(id, before);
      throw err;
    }
    return async () => {
      this.world.mutate('lb.undo', this.name(id));
      if (before) this.world.lbState.set(id, before);
    };
  }

  async waitLoaded(id: string): Promise<void> {
    this.world.mutate('lb.wait-loaded', this.name(id));
  }

  async waitUpCount(id: string, count: number): Promise<void> {
    this.world.mutate('lb.wait-up', `${this.name(id)} ${count}`);
  }

  async waitUp(id: string, servers: string[]): Promise<void> {
    this.world.mutate('lb.wait-up', `${this.name(id)} ${servers.join(' ')}`);
  }

  async readLive(id: string): Promise<LiveFiles> {
    const s = this.world.lbState.get(id);
    return {
      cert: s?.cert,
      allow: s?.allow === undefined ? undefined : renderAllowList(s.allow),
      stagedCert: false,
    };
  }

  async stats(id: string): Promise<ServerCounters[]> {
    return this.world.lbCounters.get(id) ?? [];
  }

  /** One line (the view as it is), then nothing until aborted. */
  async follow(id: string, opts: { signal: AbortSignal }, onLine: (line: LbLine) => void): Promise<void> {
    const text = '[NOTICE]   (1) : Loading success.';
    onLine({ text, time: Date.now() / 1000, event: undefined, view: await this.view(id) });
    if (opts.signal.aborted) return;
    await new Promise((resolve) => opts.signal.addEventListener('abort', resolve, { once: true }));
  }

  async view(id: string): Promise<LbView> {
    const s = this.world.lbState.get(id);
    return {
      worker: 8,
      servers: new Map((s?.servers ?? []).map((n) => [n, { status: 'UP' as const, check: 'L4OK' }])),
      complete: true,
      alerts: [],
      failedLoads: 0,
      exited: new Set(),
    };
  }
}

/** What the core operations act on, in this world: its engine and load balancers, every backend. */
export function fakeCore(world: FakeWorld, tenant: string): Core {
  return { engine: new FakeEngine(world), lb: new FakeLb(world), tenant, backends: BACKENDS };
}
