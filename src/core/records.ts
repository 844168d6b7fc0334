/**
 * A service's desired state lives in its record: a container that is created and never started
 * (no process, no network), whose labels hold the normalised spec and the replica numbers its
 * load balancer lists. Container labels cannot change, so a change writes new records: revision
 * K+1 says the operation is under way (and is the lock: the engine refuses a second container of
 * that name, so two commands cannot change one service at once), K+2 is the outcome. A change
 * that fails removes its records again, so K stays the desired state.
 */
import { hostname } from 'node:os';
import type { ContainerSpec, ContainerSummary } from '../engine/engine.js';
import { baseLabels, formatNumbers, LABEL, names, parseNumbers } from '../model/naming.js';
import { specHash } from '../model/spec-hash.js';
import { withNewerDefaults } from '../spec/resolve-spec.js';
import type { ServiceSpec } from '../spec/types.js';
import { publicSpec } from './service-json.js';

/**
 * What a record (or, for `create`, a load balancer) says is under way. `repair` is the next
 * command finishing or undoing what a killed one left (repair.ts); `create` is never on a record:
 * a load balancer created and not yet started carries it, with its creator.
 */
export const OPERATIONS = [
  'create',
  'scale',
  'rolling-update',
  'fip',
  'update-cert',
  'security-groups',
  'repair',
  'apply',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface RecordInput {
  tenant: string;
  /** The spec; SSLCert may be the PEM (stored as its description) or already the description. */
  spec: ServiceSpec;
  revision: number;
  /** When the service was created (RFC 3339). */
  created: string;
  /** Replica numbers the load balancer's config lists. */
  servers: number[];
  /** Any image present on the engine; the record never runs. */
  image: string;
  operation?: Operation;
  /** The image before the last rolling update: what `rolling-update --rollback` returns to. */
  previousImage?: string;
}

export interface ObservedRecord {
  id: string;
  name: string;
  revision: number;
  /** Undefined when the label is missing or unreadable. */
  spec: ServiceSpec | undefined;
  created: string;
  servers: number[] | undefined;
  operation: Operation | undefined;
  /** `host/pid` of the command running the operation. */
  owner: string | undefined;
  previousImage: string | undefined;
  /** When the record was written (Unix seconds). */
  written: number;
}

/** Who runs an operation: this process. */
export function operationOwner(): string {
  return `${hostname()}/${process.pid}`;
}

export function recordContainer(r: RecordInput): ContainerSpec {
  const spec = publicSpec(r.spec);
  const labels: Record<string, string> = {
    ...baseLabels(r.tenant, 'record'),
    [LABEL.service]: spec.Name,
    [LABEL.revision]: String(r.revision),
    [LABEL.specHash]: specHash(spec),
    [LABEL.spec]: JSON.stringify(spec),
    [LABEL.created]: r.created,
    [LABEL.servers]: formatNumbers(r.servers),
  };
  if (r.operation) {
    labels[LABEL.operation] = r.operation;
    labels[LABEL.operationOwner] = operationOwner();
  }
  if (r.previousImage) labels[LABEL.previousImage] = r.previousImage;
  return {
    name: names.record(r.tenant, spec.Name, r.revision),
    image: r.image,
    labels,
    network: 'none',
    entrypoint: ['/nonexistent'],
    cmd: null,
    restartPolicy: 'no',
  };
}

function parseSpec(text: string | undefined): ServiceSpec | undefined {
  if (!text) return undefined;
  try {
    return withNewerDefaults(JSON.parse(text) as ServiceSpec);
  } catch {
    return undefined;
  }
}

/** A record as stored: on a container, or on the service object holding the desired state. */
export function readRecord(c: Pick<ContainerSummary, 'id' | 'name' | 'labels' | 'created'>): ObservedRecord {
  const l = c.labels;
  const operation = l[LABEL.operation];
  return {
    id: c.id,
    name: c.name,
    revision: Number(l[LABEL.revision]),
    spec: parseSpec(l[LABEL.spec]),
    created: l[LABEL.created] ?? '',
    servers: parseNumbers(l[LABEL.servers]),
    operation: (OPERATIONS as readonly string[]).includes(operation ?? '')
      ? (operation as Operation)
      : undefined,
    owner: l[LABEL.operationOwner],
    previousImage: l[LABEL.previousImage],
    written: c.created,
  };
}

/**
 * Whether the command that wrote an operation's record (or created a load balancer) may still be
 * running: on this host, its process is alive; elsewhere, the record is less than an hour old.
 */
export function ownerMayRun(
  record: Pick<ObservedRecord, 'owner' | 'written'>,
  now: number = Date.now() / 1000,
  alive: (pid: number) => boolean = processAlive,
): boolean {
  const [host, pid] = (record.owner ?? '').split('/');
  if (host === hostname() && pid && /^\d+$/.test(pid)) return alive(Number(pid));
  return now - record.written < 3600;
}

/**
 * Which record is the desired state, and whether an operation runs (its lock record is the
 * newest, or it committed and its cleanup runs) or was interrupted before its commit.
 */
export function judgeRecords(
  records: ObservedRecord[],
  now: number,
  alive?: (pid: number) => boolean,
): {
  current: ObservedRecord | undefined;
  operation: Operation | undefined;
  interrupted: { operation: Operation; record: ObservedRecord } | undefined;
} {
  const latest = records.at(-1);
  if (!latest?.operation) {
    // A change that committed and is still in its cleanup: its lock record is there and its
    // command may run (a killed one's cleanup is the next change's to finish).
    const cleaning = [...records].reverse().find((r) => r.operation && ownerMayRun(r, now, alive));
    return { current: latest, operation: cleaning?.operation, interrupted: undefined };
  }
  if (ownerMayRun(latest, now, alive))
    return { current: latest, operation: latest.operation, interrupted: undefined };
  return {
    current: [...records].reverse().find((r) => !r.operation) ?? latest,
    operation: undefined,
    interrupted: { operation: latest.operation, record: latest },
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
