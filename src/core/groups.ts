/** The operations on security groups (`svc sg`), as the CLI and the API call them. */

import { swarmContext } from '../backends/swarm/context.js';
import type { SwarmPlanContext } from '../backends/swarm/plans.js';
import type { SecurityGroup } from '../model/security-group.js';
import { execute } from './execute.js';
import { findGroup, observe, type StoredGroup } from './observe.js';
import { planRemoveGroup, planSaveGroup, servicesUsing } from './plan/security-groups.js';
import { rfc3339Nano } from './service-json.js';
import { type Core, knownIds, type RunOptions } from './services.js';
import { describePlan } from './steps.js';

export interface SaveGroupResult {
  group: SecurityGroup;
  /** Services whose load balancer now enforces the new rules. */
  applied: string[];
  plan: string;
  notes: string[];
}

/** Store `group` (a new one, or the next revision of one) and apply it to every service using it. */
export async function saveGroup(
  core: Core,
  group: SecurityGroup,
  mode: 'create' | 'update',
  opts: RunOptions & { image: string },
): Promise<SaveGroupResult> {
  const snapshot = await observe(core.engine, core.tenant);
  const using = new Set(servicesUsing(snapshot, group.name));
  const swarm = new Map<string, SwarmPlanContext>();
  for (const s of snapshot.services.filter((x) => x.backend === 'swarm' && using.has(x.name))) {
    const spec = { SSLCert: s.current?.spec?.SSLCert ?? '' };
    swarm.set(s.name, await swarmContext(core.engine, core.tenant, s.lb?.image ?? opts.image, spec));
  }
  const ctx = { tenant: core.tenant, image: opts.image, created: rfc3339Nano() };
  const plan = planSaveGroup(snapshot, group, mode, ctx, swarm);
  const applied = [
    ...plan.phases.flat().flatMap((s) => (s.op === 'lb-apply' ? [s.target.spec.Name] : [])),
    ...swarm.keys(),
  ];
  const text = describePlan(plan);
  if (opts.dryRun) return { group, applied, plan: text, notes: [] };
  if (!(await core.engine.imageExists(opts.image))) await core.engine.pullImage(opts.image);
  const outcome = await execute({ ...core, ...opts }, plan, knownIds(snapshot));
  return { group, applied, plan: text, notes: outcome.notes };
}

export async function removeGroup(core: Core, name: string): Promise<void> {
  const snapshot = await observe(core.engine, core.tenant);
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
  const snapshot = await observe(core.engine, core.tenant);
  const groups = name === undefined ? snapshot.groups : [findGroup(snapshot, name)];
  return groups.map((g) => ({ ...g, services: servicesUsing(snapshot, g.group.name) }));
}
