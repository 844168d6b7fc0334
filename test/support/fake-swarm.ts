/**
 * The swarm side of the fake engine (fake-engine.ts): services, their tasks, configs, secrets
 * and one node, in memory, implementing the real SwarmEngine. Swarm's own work is done at once:
 * a service's tasks run as soon as it is created, a changed task template (or published ports)
 * replaces them all (a rolling update that completes), a changed count adds or removes slots; with
 * `lag`, the old tasks still run for a while after an update is answered, as on a real swarm. Each
 * task's container is a container of the world (what the load balancer driver acts on). Every
 * call that changes something goes through the world's `mutate`, so failures can be injected.
 */
import type { ContainerSpec, Labels, LogLine, LogOptions } from '../../src/engine/engine.js';
import type {
  ServiceSpecJson,
  SwarmEngine,
  SwarmNode,
  SwarmService,
  SwarmTask,
} from '../../src/engine/swarm.js';
import { ConflictError, NotFoundError } from '../../src/errors.js';

/** What the fake engine's world gives the swarm: IDs, the mutation log, containers for tasks. */
export interface SwarmHost {
  nextId(): string;
  mutate(what: string, target: string): void;
  addContainer(name: string, spec: ContainerSpec): string;
  removeContainer(id: string): void;
}

interface FakeService {
  id: string;
  version: number;
  spec: ServiceSpecJson;
  created: string;
  updated: string;
  updateState: string;
  updateStarted: string;
}

interface FakeObject {
  id: string;
  name: string;
  labels: Labels;
  data: string;
  created: number;
}

export const NODE: SwarmNode = {
  id: 'node1',
  hostname: 'vm',
  role: 'manager',
  state: 'ready',
  address: '127.0.0.1',
};

const matches = (labels: Labels, filters: string[]) =>
  filters.every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });

type Template = {
  ContainerSpec?: { Image?: string; Labels?: Labels; Configs?: unknown[]; Secrets?: unknown[] };
};
const template = (spec: ServiceSpecJson) => (spec.TaskTemplate ?? {}) as Template;
const replicasOf = (spec: ServiceSpecJson) =>
  (spec.Mode as { Replicated?: { Replicas?: number } } | undefined)?.Replicated?.Replicas ?? 1;

export class FakeSwarm implements SwarmEngine {
  readonly services = new Map<string, FakeService>();
  readonly tasks: SwarmTask[] = [];
  readonly configs = new Map<string, FakeObject>();
  readonly secrets = new Map<string, FakeObject>();
  /** How many times a changed service's old tasks are still listed as running (Swarm acts after it answers). */
  lag = 0;
  /** How many times a removed service's tasks are still listed (their containers take a while to stop). */
  linger = 0;
  /** New tasks of this image (any tag or digest of it) are rejected with this error (a node cannot get it). */
  reject: { image: string; error: string } | undefined;
  private readonly lingering = new Map<string, { tasks: SwarmTask[]; left: number }>();
  private clock = Date.parse('2026-12-01T00:00:00Z');
  private readonly lagging = new Map<string, number>();

  constructor(private readonly host: SwarmHost) {}

  private rejects(image: string): boolean {
    return this.reject !== undefined && image.split(/[:@]/)[0] === this.reject.image;
  }

  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private find(idOrName: string): FakeService | undefined {
    return this.services.get(idOrName) ?? [...this.services.values()].find((s) => s.spec.Name === idOrName);
  }

  private summary(s: FakeService): SwarmService {
    return {
      id: s.id,
      name: s.spec.Name,
      version: s.version,
      labels: s.spec.Labels,
      spec: s.spec,
      updateState: s.updateState,
      updateMessage: '',
      updateStarted: s.updateStarted,
      ports: [],
      virtualIps: { net: '10.0.9.2' },
      created: Math.floor(Date.parse(s.created) / 1000),
      updated: s.updated,
    };
  }

  /** The service's tasks for slots `from`…`to`, running, each with a container. */
  private startTasks(s: FakeService, from: number, to: number): void {
    const t = template(s.spec).ContainerSpec ?? {};
    for (let slot = from; slot <= to; slot++) {
      const id = this.host.nextId();
      const name = `${s.spec.Name}.${slot}.${id.slice(-8)}`;
      const image = t.Image ?? '';
      const labels = t.Labels ?? {};
      const containerId = this.host.addContainer(name, { name, image, labels, network: 'swarm' });
      const updated = this.now();
      this.tasks.push({
        ...{
          id,
          serviceId: s.id,
          slot,
          nodeId: NODE.id,
          state: this.rejects(image) ? 'rejected' : 'running',
          desiredState: 'running',
          error: this.rejects(image) ? (this.reject?.error ?? '') : '',
        },
        ...{ containerId, image, labels, updated },
      });
    }
  }

  private stopTasks(s: FakeService, keep: (t: SwarmTask) => boolean = () => false): void {
    for (let i = this.tasks.length - 1; i >= 0; i--) {
      const t = this.tasks[i] as SwarmTask;
      if (t.serviceId !== s.id || keep(t)) continue;
      this.host.removeContainer(t.containerId);
      this.tasks.splice(i, 1);
    }
  }

  async listServices(labels: string[]): Promise<SwarmService[]> {
    return [...this.services.values()]
      .filter((s) => matches(s.spec.Labels, labels))
      .map((s) => this.summary(s));
  }

  private checkObjects(spec: ServiceSpecJson): void {
    const c = template(spec).ContainerSpec ?? {};
    for (const ref of (c.Configs ?? []) as Array<{ ConfigID?: string }>)
      if (!ref.ConfigID || !this.configs.has(ref.ConfigID))
        throw new NotFoundError(`no such config ${ref.ConfigID}`);
    for (const ref of (c.Secrets ?? []) as Array<{ SecretID?: string }>)
      if (!ref.SecretID || !this.secrets.has(ref.SecretID))
        throw new NotFoundError(`no such secret ${ref.SecretID}`);
  }

  async createService(spec: ServiceSpecJson): Promise<string> {
    if (this.find(spec.Name)) throw new ConflictError(`service ${spec.Name} exists`);
    this.checkObjects(spec);
    this.host.mutate('swarm.create', spec.Name);
    const id = this.host.nextId();
    const at = this.now();
    const s: FakeService = {
      id,
      version: 1,
      spec,
      created: at,
      updated: at,
      updateState: '',
      updateStarted: '',
    };
    this.services.set(id, s);
    this.startTasks(s, 1, replicasOf(spec));
    return id;
  }

  async updateService(id: string, version: number, spec: ServiceSpecJson): Promise<void> {
    const s = this.find(id);
    if (!s) throw new NotFoundError(`no such service ${id}`);
    if (s.version !== version)
      throw new ConflictError(`update out of sequence (${version}, now ${s.version})`);
    this.checkObjects(spec);
    this.host.mutate('swarm.update', spec.Name);
    const before = s.spec;
    Object.assign(s, { spec, version: s.version + 1, updated: this.now() });
    // As Swarm: a task is replaced when its template or its published ports change.
    const dirty = (x: ServiceSpecJson) => JSON.stringify([template(x), x.EndpointSpec]);
    if (dirty(before) !== dirty(spec)) {
      if (this.lag > 0) this.lagging.set(s.id, this.lag);
      else this.replaceTasks(s);
    } else {
      const n = replicasOf(spec);
      const had = replicasOf(before);
      if (n > had) this.startTasks(s, had + 1, n);
      else this.stopTasks(s, (t) => t.slot <= n);
    }
  }

  /** A rolling update, done: every task replaced by one of the new template. */
  private replaceTasks(s: FakeService): void {
    this.stopTasks(s);
    this.startTasks(s, 1, replicasOf(s.spec));
    Object.assign(s, { updateState: 'completed', updateStarted: this.now() });
  }

  async inspectService(id: string): Promise<SwarmService> {
    const s = this.find(id);
    if (!s) throw new NotFoundError(`no such service ${id}`);
    return this.summary(s);
  }

  async removeService(id: string): Promise<void> {
    const s = this.find(id);
    if (!s) return;
    this.host.mutate('swarm.remove', s.spec.Name);
    const tasks = this.tasks
      .filter((t) => t.serviceId === s.id)
      .map((t) => ({ ...t, desiredState: 'remove' }));
    if (this.linger > 0) this.lingering.set(s.id, { tasks, left: this.linger });
    this.stopTasks(s);
    this.services.delete(s.id);
  }

  async listTasks(serviceIds: string[]): Promise<SwarmTask[]> {
    // Swarm acts on a changed template a moment after it answered: until then the old tasks run.
    for (const [id, left] of this.lagging) {
      const s = this.services.get(id);
      if (left > 1) this.lagging.set(id, left - 1);
      else {
        this.lagging.delete(id);
        if (s) this.replaceTasks(s);
      }
    }
    return this.tasks.filter((t) => serviceIds.includes(t.serviceId)).map((t) => ({ ...t }));
  }

  async tasksLeft(serviceIds: string[]): Promise<SwarmTask[]> {
    const gone: SwarmTask[] = [];
    for (const id of serviceIds) {
      const l = this.lingering.get(id);
      if (!l) continue;
      gone.push(...l.tasks);
      if (--l.left === 0) this.lingering.delete(id);
    }
    return [...this.tasks.filter((t) => serviceIds.includes(t.serviceId)), ...gone].map((t) => ({ ...t }));
  }

  async listNodes(): Promise<SwarmNode[]> {
    return [NODE];
  }

  private createObject(kind: 'config' | 'secret', name: string, labels: Labels, data: string): string {
    const store = kind === 'config' ? this.configs : this.secrets;
    if ([...store.values()].some((o) => o.name === name)) throw new ConflictError(`${kind} ${name} exists`);
    this.host.mutate(`swarm.create-${kind}`, name);
    const id = this.host.nextId();
    store.set(id, { id, name, labels, data, created: Math.floor(Date.now() / 1000) });
    return id;
  }

  async createConfig(name: string, labels: Labels, data: string): Promise<string> {
    return this.createObject('config', name, labels, data);
  }

  async createSecret(name: string, labels: Labels, data: string): Promise<string> {
    return this.createObject('secret', name, labels, data);
  }

  async listConfigs(labels: string[]) {
    return [...this.configs.values()].filter((o) => matches(o.labels, labels));
  }

  async listSecrets(labels: string[]) {
    return [...this.secrets.values()].filter((o) => matches(o.labels, labels));
  }

  private removeObject(kind: 'config' | 'secret', id: string): void {
    const store = kind === 'config' ? this.configs : this.secrets;
    const o = store.get(id);
    if (!o) return;
    const key = kind === 'config' ? 'ConfigID' : 'SecretID';
    const used = [...this.services.values()].some((s) =>
      JSON.stringify(template(s.spec)).includes(`"${key}":"${id}"`),
    );
    if (used) throw new ConflictError(`${kind} ${o.name} is in use`);
    this.host.mutate(`swarm.remove-${kind}`, o.name);
    store.delete(id);
  }

  async removeConfig(id: string): Promise<void> {
    this.removeObject('config', id);
  }

  async removeSecret(id: string): Promise<void> {
    this.removeObject('secret', id);
  }

  async serviceLogs(_id: string, _opts: LogOptions, _onLine: (line: LogLine) => void): Promise<void> {}

  /** What the swarm holds, comparable with toEqual (IDs, versions and times left out). */
  picture(): unknown {
    const byName = <T extends { name: string }>(xs: T[]) => xs.sort((a, b) => a.name.localeCompare(b.name));
    return {
      services: byName(
        [...this.services.values()].map((s) => ({
          name: s.spec.Name,
          spec: JSON.stringify(s.spec),
          tasks: this.tasks
            .filter((t) => t.serviceId === s.id)
            .map((t) => `${t.slot} ${t.image} ${t.state}`)
            .sort(),
        })),
      ),
      configs: byName([...this.configs.values()].map((o) => ({ name: o.name, data: o.data }))),
      secrets: byName([...this.secrets.values()].map((o) => ({ name: o.name, data: o.data }))),
    };
  }
}
