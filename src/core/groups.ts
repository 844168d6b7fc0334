/** The operations on security groups (`svc sg`), as the CLI and the API call them. */
import type { SecurityGroup } from '../model/security-group.js';
import type { Core, RunOptions, Snapshot, StoredGroup } from './backend.js';
import { context, execute, knownIds } from './execute.js';
import { findGroup, findService, observe } from './observe.js';
import {
  allowFor,
  planRemoveGroup,
  planSaveGroup,
  servicesUsing,
  withGroup,
} from './plan/security-groups.js';
import { repairService } from './repair.js';
import { rfc3339Nano } from './service-json.js';
import { changeable } from './services.js';
import { describePlan, type Plan } from './steps.js';

export interface SaveGroupResult {
  group: SecurityGroup;
  /** Services whose load balancer now enforces the new rules. */
  applied: string[];
  plan: string;
  notes: string[];
}

/**
 * The plan that stores `group` and re-applies it to every running service using it (each by its
 * backend), and the names of those services.
 */
export async function planGroup(
  core: Core,
  snapshot: Snapshot,
  group: SecurityGroup,
  mode: 'create' | 'update',
  opts: RunOptions & { image: string },
): Promise<{ plan: Plan; applied: string[] }> {
  const after = withGroup(snapshot, group, mode);
  const using = new Set(servicesUsing(snapshot, group.name));
  const services = snapshot.services.filter((s) => using.has(s.name) && s.lb?.state === 'running');
  const reapply = await Promise.all(
    services.map((s) => {
      const change = changeable(s);
      const allow = allowFor(change.spec, after) ?? [];
      return s.owner.planAllow({ core, snapshot: after, change, opts }, allow);
    }),
  );
  const ctx = { tenant: core.tenant, image: opts.image, created: rfc3339Nano() };
  return { plan: planSaveGroup(after, group, ctx, reapply), applied: services.map((s) => s.name) };
}

/** Store `group` (a new one, or the next revision of one) and apply it to every service using it. */
export async function saveGroup(
  core: Core,
  group: SecurityGroup,
  mode: 'create' | 'update',
  opts: RunOptions & { image: string },
): Promise<SaveGroupResult> {
  let snapshot = await observe(core);
  // The services it is applied to are repaired first, as before any change of a service.
  const repairs: string[] = [];
  const notes: string[] = [];
  for (const name of servicesUsing(snapshot, group.name)) {
    const r = await repairService(core, snapshot, findService(snapshot, name), opts);
    snapshot = r.snapshot;
    if (r.plan) repairs.push(`# first, the repair of ${name}\n${r.plan}`);
    notes.push(...r.notes);
  }
  const { plan, applied } = await planGroup(core, snapshot, group, mode, opts);
  const text = [...repairs, describePlan(plan)].join('\n');
  if (opts.dryRun) return { group, applied, plan: text, notes };
  if (!(await core.engine.imageExists(opts.image))) await core.engine.pullImage(opts.image);
  const outcome = await execute(context(core, opts), plan, knownIds(snapshot));
  return { group, applied, plan: text, notes: [...notes, ...outcome.notes] };
}

export async function removeGroup(core: Core, name: string): Promise<void> {
  const snapshot = await observe(core);
  const plan = planRemoveGroup(snapshot, name);
  const outcome = await execute({ ...core, timeoutMs: 0 }, plan, knownIds(snapshot));
  if (outcome.notes.length > 0)
    throw new Error(`removing security group ${name}: ${outcome.notes.join('; ')}`);
}

export interface ListedGroup extends StoredGroup {
  /** Services whose spec names it. */
  services: string[];
}

export async function listGroups(core: Core, name?: string): Promise<ListedGroup[]> {
  const snapshot = await observe(core);
  const groups = name === undefined ? snapshot.groups : [findGroup(snapshot, name)];
  return groups.map((g) => ({ ...g, services: servicesUsing(snapshot, g.group.name) }));
}
