/**
 * Planning the repair of a local service that a killed command left half-changed (its command is
 * gone: no operation is under way). Pure. The commit point of a change is its outcome record:
 *   - interrupted before it (the newest record is the dead command's lock): undone. The load
 *     balancer is given the desired state again (the current record's servers, the sources its
 *     security groups allow now; the certificate it has, which is the only copy), reloaded, and
 *     the replicas the change had added are drained and removed; a load balancer swapped by
 *     attach-fip/detach-fip gives way to the old one (its successor goes; the old one gets its
 *     name back when the swap had set it aside);
 *   - after it (the cleanup did not finish): finished. The replicas and load balancer it had left
 *     are stopped and removed, and the older records;
 *   - a load balancer that is not running is started again;
 *   - the allow list differs from what the security groups say (a `sg update` killed before it
 *     reached this service): reloaded with theirs.
 * A repair that changes what serves traffic runs under its own records, as any change.
 */
import type { ObservedService, PlannedChange } from '../../../core/backend.js';
import { type ObservedRecord, recordContainer } from '../../../core/records.js';
import type { Step } from '../../../core/steps.js';
import type { ContainerSummary } from '../../../engine/engine.js';
import { renderAllowList } from '../../../haproxy/render-config.js';
import type { LiveFiles } from '../../../lb/driver.js';
import { names } from '../../../model/naming.js';
import { describeCertificate } from '../../../spec/ssl-cert.js';
import type { ServiceSpec } from '../../../spec/types.js';
import { retireSteps } from './change.js';

export interface RepairFacts {
  /** The sources its security groups allow now (undefined when it names none). */
  allow: string[] | undefined;
  /** The live files of the load balancer the repair keeps (read when {@link readsFiles} says so). */
  live?: LiveFiles;
  /** The engine finishes a stop whose request went (engineFinishesStops). */
  detachStops: boolean;
}

const live = (c: ContainerSummary) => c.state === 'running' || c.state === 'restarting';

/**
 * The load balancer that serves the service once repaired: the one set aside, when a change that
 * replaces the load balancer (a FIP change, or apply's) is undone.
 */
export function keptLb(s: ObservedService): ContainerSummary | undefined {
  const aside = s.others.find((c) => c.name === names.lbAside(s.tenant, s.name));
  const replacing = s.interrupted?.operation === 'fip' || s.interrupted?.operation === 'apply';
  return replacing && aside ? aside : s.lb;
}

/** Whether the repair needs the load balancer's files: an interrupted change, or an allow list to compare. */
export function readsFiles(s: ObservedService): boolean {
  return (
    repairable(s) &&
    (s.interrupted !== undefined || (s.current?.spec?.SecurityGroups?.length ?? 0) > 0) &&
    keptLb(s) !== undefined
  );
}

function repairable(s: ObservedService): boolean {
  return !s.operation && s.interrupted?.operation !== 'create' && s.current?.spec !== undefined;
}

/**
 * Replicas: the live ones retired as a change retires them (the load balancer no longer sends them
 * anything; one that ignores its stop signal is left to the engine again), the others removed.
 */
function retireOrRemove(
  cs: ContainerSummary[],
  spec: Pick<ServiceSpec, 'StopTimeout'>,
  detach: boolean,
): Step[][] {
  const gone = cs.filter((c) => !live(c)).map((c): Step => ({ op: 'remove', name: c.name }));
  return [[...retireSteps(cs.filter(live), spec, detach), ...gone]];
}

/** Load balancers: off the network first (their alias stops resolving at once, as fip.ts does), removed. */
function leaveThenRemove(cs: ContainerSummary[], network: string): Step[][] {
  return [
    cs.map((c): Step => ({ op: 'leave', name: c.name, network })),
    cs.map((c): Step => ({ op: 'remove', name: c.name })),
  ];
}

/** What a repair finds: the record and load balancer it keeps, and what is out of place. */
interface Damage {
  s: ObservedService;
  record: ObservedRecord;
  lb: ContainerSummary;
  /** The spec served (with the certificate the load balancer has: the only copy). */
  spec: ServiceSpec;
  servers: number[];
  extras: ContainerSummary[];
  others: ContainerSummary[];
  stale: ObservedRecord[];
  allowStale: boolean;
  /** Whether the load balancer must be given the desired state again (under records). */
  reapply: boolean;
}

function assess(s: ObservedService, facts: RepairFacts): Damage | undefined {
  const record = s.current;
  const lb = keptLb(s);
  if (!repairable(s) || !record?.spec || !lb) return undefined;
  const cert = record.spec.Protocol === 'httpsTerm' && facts.live?.cert;
  const spec = cert ? { ...record.spec, SSLCert: describeCertificate(cert) } : record.spec;
  const restricted = (spec.SecurityGroups?.length ?? 0) > 0;
  const allowStale =
    restricted && facts.live !== undefined && facts.live.allow !== renderAllowList(facts.allow ?? []);
  const servers = record.servers ?? s.replicas.map((r) => r.number);
  return {
    s,
    record,
    lb,
    spec,
    servers,
    extras: s.replicas.filter((r) => !servers.includes(r.number)),
    others: s.others.filter((c) => c !== lb),
    stale: s.records.filter((r) => r.revision !== record.revision),
    allowStale,
    reapply:
      s.interrupted !== undefined ||
      allowStale ||
      spec.SSLCert !== record.spec.SSLCert ||
      facts.live?.stagedCert === true,
  };
}

/** The load balancer given the desired state again, between a lock record and an outcome record. */
function reapplySteps(d: Damage, allow: string[] | undefined): { phases: Step[][]; lock: string } {
  const { s, record, lb, spec, servers } = d;
  const lbName = names.lb(s.tenant, s.name);
  const top = Math.max(...s.records.map((r) => r.revision));
  const base = {
    tenant: s.tenant,
    spec,
    created: record.created,
    servers,
    image: lb.image,
    previousImage: record.previousImage,
  };
  const lock = recordContainer({ ...base, revision: top + 1, operation: 'repair' });
  const outcome = recordContainer({ ...base, revision: top + 2 });
  const phases: Step[][] = [[{ op: 'create', role: 'record', container: lock }]];
  // A FIP swap undone after the old load balancer was set aside: the new one goes (if it had
  // taken the name), the old one gets its name back. Before that, the new one is among `others`.
  if (lb !== s.lb) {
    if (s.lb) phases.push(...leaveThenRemove([s.lb], names.network(s.tenant)));
    phases.push([{ op: 'rename', name: lb.name, to: lbName }]);
  }
  if (lb.state !== 'running') phases.push([{ op: 'lb-revive', lb: lbName }]);
  const target = { spec, servers, allow };
  phases.push([{ op: 'lb-apply', lb: lbName, target, up: [], drain: d.extras.some(live) }]);
  phases.push([{ op: 'create', role: 'record', container: outcome }]);
  return { phases, lock: lock.name };
}

/** Why the repair runs, for people. */
function reasons(d: Damage, facts: RepairFacts): string {
  const { s, lb } = d;
  const leftovers = d.extras.length + d.others.length + d.stale.length > 0;
  const why = [
    ...(s.interrupted ? [`undoing the ${s.interrupted.operation} a killed command left half-done`] : []),
    ...(!s.interrupted && leftovers ? ['finishing the cleanup a killed command left'] : []),
    ...(d.allowStale ? ['its allow list as its security groups say now'] : []),
    ...(facts.live?.stagedCert ? ['a staged certificate blanked'] : []),
    ...(lb.state !== 'running' ? [`its load balancer started again (it was ${lb.state})`] : []),
  ];
  return why.join('; ') || 'its load balancer reloaded';
}

/** The repair's steps and why; undefined when there is nothing to repair (or nothing it can safely do). */
export function planLocalRepair(s: ObservedService, facts: RepairFacts): PlannedChange | undefined {
  const d = assess(s, facts);
  if (!d) return undefined;
  const { lb, extras, others, stale } = d;
  if (!d.reapply && lb.state === 'running' && extras.length + others.length + stale.length === 0)
    return undefined;
  const phases: Step[][] = [];
  const cleanup: Step[][] = [];
  let records = stale.map((r) => r.name);
  if (d.reapply) {
    const r = reapplySteps(d, facts.allow);
    phases.push(...r.phases);
    records = [...s.records.map((x) => x.name), r.lock];
  } else if (lb.state !== 'running') {
    phases.push([{ op: 'lb-revive', lb: names.lb(s.tenant, s.name) }]);
  }
  if (others.length > 0) cleanup.push(...leaveThenRemove(others, names.network(s.tenant)));
  if (extras.length > 0) {
    // A record from before StopTimeout existed has none: docker's default.
    const spec = { StopTimeout: d.spec.StopTimeout ?? 10 };
    cleanup.push(...retireOrRemove(extras, spec, facts.detachStops));
  }
  if (records.length > 0) cleanup.push(records.map((name): Step => ({ op: 'remove', name })));
  return { plan: { phases, cleanup, notes: [] }, summary: reasons(d, facts) };
}
