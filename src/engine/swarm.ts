/**
 * The Swarm part of the engine: services, tasks, configs, secrets and nodes of the swarm the
 * engine manages, through the Engine API (a manager's; a worker's engine answers 503). Specs are
 * the Engine API's own JSON (built by src/backends/swarm/specs.ts, pure).
 */
import type { Labels, LogLine, LogOptions } from './types.js';

/** The Engine API's ServiceSpec (the parts svc writes are typed in src/backends/swarm/specs.ts). */
export type ServiceSpecJson = Record<string, unknown> & { Name: string; Labels: Labels };

export interface SwarmService {
  id: string;
  name: string;
  /** The version the next update must name (the swarm's optimistic lock). */
  version: number;
  labels: Labels;
  spec: ServiceSpecJson;
  /** `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused`, `rollback_completed`; "" when never updated. */
  updateState: string;
  updateMessage: string;
  /** When the last update began (RFC 3339; "" when never): tells one update's status from the next's. */
  updateStarted: string;
  /** Published ports. */
  ports: Array<{ published: number; target: number; mode: string }>;
  /** Its virtual IP on each network it is on (by network ID), without the prefix length. */
  virtualIps: Record<string, string>;
  created: number;
  /** When its spec last changed (RFC 3339): tasks failing since then are this version's. */
  updated: string;
}

export interface SwarmTask {
  id: string;
  serviceId: string;
  /** The replica's slot, 1…N (what a replica number is on Swarm). */
  slot: number;
  nodeId: string;
  /** `new`, `pending`, `assigned`, `accepted`, `preparing`, `starting`, `running`, `complete`, `failed`, `shutdown`, `rejected`, `orphaned`, `remove`. */
  state: string;
  desiredState: string;
  error: string;
  containerId: string;
  /** Its image, without a digest it was pinned to. */
  image: string;
  /** Its container's labels (the task template's when it was made). */
  labels: Labels;
  /** RFC 3339. */
  updated: string;
}

export interface SwarmNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker';
  state: string;
  address: string;
}

export interface SwarmInfo {
  /** This engine's node. */
  nodeId: string;
  /** Whether this engine can manage the swarm (a manager). */
  manager: boolean;
}

/** A config or secret (never its data). */
export interface SwarmObject {
  id: string;
  name: string;
  labels: Labels;
  /** When it was made (Unix seconds). */
  created: number;
}

export interface SwarmEngine {
  listServices(labels: string[]): Promise<SwarmService[]>;
  createService(spec: ServiceSpecJson): Promise<string>;
  /** Replace a service's spec; `version` is what the swarm had (a concurrent change makes this fail: 409). */
  updateService(id: string, version: number, spec: ServiceSpecJson): Promise<void>;
  inspectService(id: string): Promise<SwarmService>;
  /** Removing one that is gone is not an error. */
  removeService(id: string): Promise<void>;
  /** Tasks of these services (every state the swarm still keeps). */
  listTasks(serviceIds: string[]): Promise<SwarmTask[]>;
  /** Tasks of these services, removed ones too: a removed service's tasks stay until their containers are gone. */
  tasksLeft(serviceIds: string[]): Promise<SwarmTask[]>;
  listNodes(): Promise<SwarmNode[]>;
  createConfig(name: string, labels: Labels, data: string): Promise<string>;
  createSecret(name: string, labels: Labels, data: string): Promise<string>;
  /** Configs and secrets with these labels. */
  listConfigs(labels: string[]): Promise<SwarmObject[]>;
  listSecrets(labels: string[]): Promise<SwarmObject[]>;
  /** Gone is not an error; one still in use is a ConflictError. */
  removeConfig(id: string): Promise<void>;
  removeSecret(id: string): Promise<void>;
  /** A service's output, from every task, line by line (as container logs). */
  serviceLogs(id: string, opts: LogOptions, onLine: (line: LogLine) => void): Promise<void>;
}
