/**
 * The seam between the core and where services run. A backend observes its own objects into
 * ObservedService records: the facts every reader (status, views, stats) uses, set once, and its
 * own parts, which only it reads. It plans every change of its services in the core's step
 * vocabulary (steps.ts), adding its own steps where the engine's are not enough, and the one
 * executor runs them. The core never names a backend: an observed service carries the backend
 * that observed it (its owner), and a new service's backend is chosen once per command (src/backends/).
 */
import type { ContainerSummary, Engine, EngineInfo } from '../engine/engine.js';
import type { LoadBalancerDriver } from '../lb/driver.js';
import type { SecurityGroup } from '../model/security-group.js';
import type { ServiceSpec } from '../spec/types.js';
import type { ServiceLogLine, ServiceLogOptions } from './log-lines.js';
import type { FieldChange } from './plan/spec-diff.js';
import type { ObservedRecord, Operation } from './records.js';
import type { Plan, Step } from './steps.js';

/** Where operations act: the engine, the load balancer driver, the tenant, and the backends. */
export interface Core {
  engine: Engine;
  lb: LoadBalancerDriver;
  tenant: string;
  /** Every backend, each observing its own services. */
  backends: readonly Backend[];
}

export interface RunOptions {
  /** How long waits for replicas may take. */
  timeoutMs: number;
  onProgress?: (text: string) => void;
  signal?: AbortSignal;
  /** Plan only: return the plan's text, change nothing. */
  dryRun?: boolean;
  /** When the image of new replicas is pulled (default `missing`). */
  pull?: PullPolicy;
}

/**
 * When an image is pulled: `missing` (the default) only when the engine does not have it,
 * `always` before every change that starts replicas, `never` (a missing image is an error).
 */
export const PULL_POLICIES = ['missing', 'always', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export interface CreateOptions extends RunOptions {
  lbImage: string;
  /** Return only once every replica passed a health check in the load balancer. */
  wait: boolean;
  /** Where the service runs (chosen by --backend, SVC_BACKEND or the default). */
  backend: Backend;
}

export interface RollingUpdateOptions {
  /** New replicas that join together (1, the default: one at a time). */
  parallelism: number;
  /** Replace every replica, even those already made from the desired spec and image. */
  force?: boolean;
}

/** What `svc apply` plans a running service's change with, besides its desired spec. */
export interface ApplyPlanOptions extends RollingUpdateOptions {
  /** The fields the desired spec changes (none refused). */
  changes: FieldChange[];
  /** The ID of the image the desired Image names on the engine now (undefined: not known). */
  imageId?: string;
}

export interface RemoveOptions {
  /** Leave the replicas running, no longer part of the service. */
  keep: boolean;
  /**
   * How long containers get to stop (their stop signal, then SIGKILL); by default the replicas
   * get their spec's StopTimeout, the load balancer and the rest 10 s.
   */
  graceSeconds?: number;
}

export interface ObservedReplica extends ContainerSummary {
  number: number;
  /** Made from other replica fields than the desired spec's (its spec-hash label differs). */
  outdated: boolean;
  /** The node it runs on (hostname), where the backend spans nodes. */
  node?: string;
}

/** One service as its backend observed it; `P` is what only that backend reads of it. */
export interface ObservedService<P = unknown> {
  name: string;
  tenant: string;
  /** The name of the backend it runs on (what ls and inspect show). */
  backend: string;
  /** That backend: it made this record, and alone reads `parts` and changes the service. */
  owner: Backend<P>;
  parts: P;
  /** Its load balancer. */
  lb: ContainerSummary | undefined;
  /** By replica number. */
  replicas: ObservedReplica[];
  /** By revision, oldest first. */
  records: ObservedRecord[];
  /** Anything else labelled with the service (e.g. a load balancer set aside by attach-fip). */
  others: ContainerSummary[];
  /** The record holding the desired state (undefined for a half-created service). */
  current: ObservedRecord | undefined;
  /** An operation under way: its command may still run (the current record is its target). */
  operation: Operation | undefined;
  /**
   * An operation whose command ended before it finished: the current record is the one before
   * (`record` is the dead operation's; a create has none). The next change repairs it.
   */
  interrupted: { operation: Operation; record?: ObservedRecord } | undefined;
  /** The load balancer's address on the service's network; "" when not known. */
  ip: string;
  /** The load balancer's running container on this engine (its HAProxy answers stats); else undefined. */
  lbContainer: string | undefined;
  /**
   * Whether the load balancer's server rN is replica N. Otherwise its servers are slots that DNS
   * fills in any order, and what it thinks of each replica is not known.
   */
  numberedServers: boolean;
}

export interface StoredGroup {
  group: SecurityGroup;
  revision: number;
  created: string;
  /** Every stored revision, oldest first. */
  records: Array<{ id: string; name: string; revision: number }>;
}

export interface Snapshot {
  tenant: string;
  /** By name. */
  services: ObservedService[];
  /** By name. */
  groups: StoredGroup[];
  /** The engine's facts, read once a command. */
  info: EngineInfo;
}

/** What a backend observes from: the engine's facts and the tenant's containers, each read once. */
export interface ObserveEnv {
  engine: Engine;
  tenant: string;
  /** Only this service's objects, when given. */
  service?: string;
  info(): Promise<EngineInfo>;
  /** The tenant's containers (only the service's, with `service`). */
  containers(): Promise<ContainerSummary[]>;
}

/** A service that can be changed (no operation under way, not half-made): its desired state. */
export interface Changeable<P = unknown> {
  service: ObservedService<P>;
  spec: ServiceSpec;
  loadBalancer: ContainerSummary;
  /** The highest revision stored (a change writes the next ones). */
  revision: number;
  created: string;
  previousImage: string | undefined;
}

/** What a change of a service is planned from. */
export interface ChangeEnv<P = unknown> {
  core: Core;
  snapshot: Snapshot;
  change: Changeable<P>;
  opts: RunOptions;
}

/** What a repair is planned from: the service as observed, before any change of this command. */
export interface RepairEnv<P = unknown> {
  core: Core;
  snapshot: Snapshot;
  service: ObservedService<P>;
}

/** A change's plan (undefined: nothing to do) and what it does, for people. */
export interface PlannedChange {
  plan: Plan | undefined;
  /** E.g. `2 → 4 replicas (add 3 4)`. */
  summary: string;
}

/** A create's plan, and the wait for its replicas that runs after it (with --wait). */
export interface PlannedCreate {
  snapshot: Snapshot;
  plan: Plan;
  wait: Plan;
}

/** Steps that are part of a larger plan: their phases, and what the cleanup removes. */
export interface PlanPart {
  phases: Step[][];
  cleanup: Step[];
}

/**
 * Where services run. Its methods get back the records its own `observe` made (`P`): a record
 * and its backend are made together, so each backend reads only parts of its own.
 */
export interface Backend<P = unknown> {
  /** What ls and inspect show (`local`, …). */
  readonly name: string;
  /**
   * How long a removed service's containers may still hold its named volumes (ms): its removal
   * can return before they are gone (a Swarm task's container goes seconds after its service).
   */
  readonly releaseMs: number;
  /**
   * Whether its replicas run on the engine's own host, so that a host path resolved there (as
   * `svc serve` checks one) is the path they mount; false where they may run on other nodes.
   */
  readonly onEngineHost: boolean;
  /** The tenant's services on this backend (none where it cannot run). */
  observe(env: ObserveEnv): Promise<Array<ObservedService<P>>>;
  planCreate(core: Core, spec: ServiceSpec, opts: CreateOptions, created: string): Promise<PlannedCreate>;
  /**
   * Steps of every plan planCreate makes that need nothing read from the engine: the create runs
   * them while it reads (execute.ts `begin`), and the plan's own steps then find them done. One
   * that fails there is simply run again in its place in the plan (after a pull it needed).
   */
  createHeadStart?(core: Core, spec: ServiceSpec, opts: CreateOptions): Step[];
  /**
   * What a killed command left of the service, finished or undone, and a stopped load balancer
   * started (undefined: nothing to repair, or a command is still changing it). Every change runs
   * it first (core/repair.ts).
   */
  planRepair(env: RepairEnv<P>): Promise<PlannedChange | undefined>;
  planScale(env: ChangeEnv<P>, target: number): Promise<PlannedChange>;
  planRollingUpdate(env: ChangeEnv<P>, image: string, opts: RollingUpdateOptions): Promise<PlannedChange>;
  /** The least change that makes the service `next` (its fields that cannot change were refused before). */
  planApply(env: ChangeEnv<P>, next: ServiceSpec, opts: ApplyPlanOptions): Promise<PlannedChange>;
  /** `fip` "" detaches. */
  planFip(env: ChangeEnv<P>, fip: string): Promise<PlannedChange>;
  /** `pem`: a checked SSLCert (certificate chain + key). */
  planUpdateCert(env: ChangeEnv<P>, pem: string): Promise<PlannedChange>;
  /** The steps that make a running service's load balancer allow `allow` (its groups changed). */
  planAllow(env: ChangeEnv<P>, allow: string[]): Promise<PlanPart>;
  /** Removal: every step is cleanup (never undone); `kept` names the replicas `keep` lets go of. */
  planRemoval(
    core: Core,
    service: ObservedService<P>,
    opts: RemoveOptions,
  ): Promise<{ plan: Plan; kept: Array<{ id: string; name: string }> }>;
  /** After removals: its network goes when nothing uses it (true when it went); notes for people. */
  removeNetworkIfUnused(core: Core, info: EngineInfo, notes: string[]): Promise<boolean>;
  /** The service's logs (see service-logs.ts). */
  logs(
    core: Core,
    service: ObservedService<P>,
    opts: ServiceLogOptions,
    onLine: (line: ServiceLogLine) => void,
  ): Promise<void>;
}
