/**
 * Planning `svc sg create|update|rm`. A group is stored like a service's record: one
 * created-never-started container per revision (no network, never run) whose labels hold the
 * normalised group; the revision in its name is the lock (two updates cannot both write K+1).
 * Updating a group changes the allow file of every service using it, each with its own records
 * and a checked, hitless reload; a failure at any of them undoes all of them and the new
 * revision. Pure.
 */

import { changeable, recordSteps } from '../../backends/local/plan/change.js';
import { planSwarmAllow, type SwarmPlanContext, swarmChangeable } from '../../backends/swarm/plans.js';
import type { ContainerSpec } from '../../engine/engine.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { baseLabels, LABEL, names } from '../../model/naming.js';
import { allowedSources, type SecurityGroup } from '../../model/security-group.js';
import type { ServiceSpec } from '../../spec/types.js';
import type { ObservedService, Snapshot } from '../observe.js';
import type { Plan, Step } from '../steps.js';

export interface GroupContext {
  tenant: string;
  /** Any image present on the engine; the record never runs. */
  image: string;
  /** RFC 3339, recorded. */
  created: string;
}

export function groupRecord(group: SecurityGroup, revision: number, ctx: GroupContext): ContainerSpec {
  return {
    name: names.securityGroup(ctx.tenant, group.name, revision),
    image: ctx.image,
    labels: {
      ...baseLabels(ctx.tenant, 'security-group'),
      [LABEL.revision]: String(revision),
      [LABEL.created]: ctx.created,
      [LABEL.securityGroup]: group.name,
      [LABEL.securityGroupSpec]: JSON.stringify(group),
    },
    network: 'none',
    entrypoint: ['/nonexistent'],
    cmd: null,
    restartPolicy: 'no',
  };
}

/** Names of the services whose desired spec names group `name`. */
export function servicesUsing(snapshot: Snapshot, name: string): string[] {
  return snapshot.services.filter((s) => s.current?.spec?.SecurityGroups?.includes(name)).map((s) => s.name);
}

/** The steps that give a running service's load balancer the allow list of `after`'s groups. */
function reapplyGroups(
  s: ObservedService,
  after: Snapshot,
  sctx: SwarmPlanContext | undefined,
): { phases: Step[][]; cleanup: Step[] } {
  const allowFor = (spec: ServiceSpec) =>
    allowedSources(
      after.groups.filter((g) => spec.SecurityGroups?.includes(g.group.name)).map((g) => g.group),
      spec.ServicePort,
    );
  if (s.backend === 'swarm') {
    const spec = s.current?.spec;
    if (!spec || !sctx) return { phases: [], cleanup: [] };
    const p = planSwarmAllow(swarmChangeable(s), allowFor(spec), sctx);
    return { phases: p.phases, cleanup: p.cleanup.flat() };
  }
  const c = changeable(s, after);
  const records = recordSteps(c, 'security-groups', c.spec, c.servers);
  const target = { spec: c.spec, servers: c.servers, allow: allowFor(c.spec) };
  return {
    phases: [[records.lock], [{ op: 'lb-apply', lb: c.lb, target, up: [], drain: false }], [records.outcome]],
    cleanup: records.cleanup,
  };
}

export function planSaveGroup(
  snapshot: Snapshot,
  group: SecurityGroup,
  mode: 'create' | 'update',
  ctx: GroupContext,
  /** For each Swarm service using the group: what its plan needs (src/swarm/context.ts). */
  swarm: Map<string, SwarmPlanContext> = new Map(),
): Plan {
  const current = snapshot.groups.find((g) => g.group.name === group.name);
  if (mode === 'create' && current) {
    throw new ConflictError(`security group "${group.name}" already exists`, {
      hint: { kind: 'update-group', group: group.name },
    });
  }
  if (mode === 'update' && !current) {
    throw new NotFoundError(`no such security group: ${group.name}`, {
      hint: { kind: 'create-group', group: group.name },
    });
  }
  const phases: Step[][] = [
    [
      {
        op: 'create',
        role: 'security-group',
        container: groupRecord(group, (current?.revision ?? 0) + 1, ctx),
      },
    ],
  ];
  const cleanup: Step[] = (current?.records ?? []).map((r): Step => ({ op: 'remove', name: r.name }));
  // The group as it will be, for every service using it.
  const after: Snapshot = {
    ...snapshot,
    groups: [
      ...snapshot.groups.filter((g) => g.group.name !== group.name),
      { group, revision: 0, created: '', records: [] },
    ],
  };
  const using = new Set(servicesUsing(snapshot, group.name));
  for (const s of snapshot.services.filter((x) => using.has(x.name) && x.lb?.state === 'running')) {
    const p = reapplyGroups(s, after, swarm.get(s.name));
    phases.push(...p.phases);
    cleanup.push(...p.cleanup);
  }
  return { phases, cleanup: [cleanup], notes: [] };
}

export function planRemoveGroup(snapshot: Snapshot, name: string): Plan {
  const g = snapshot.groups.find((x) => x.group.name === name);
  if (!g) throw new NotFoundError(`no such security group: ${name}`);
  const users = servicesUsing(snapshot, name);
  if (users.length > 0) {
    throw new ConflictError(
      `security group "${name}" is used by service${users.length > 1 ? 's' : ''} ${users.join(', ')}; remove it from them first`,
    );
  }
  return { phases: [], cleanup: [g.records.map((r): Step => ({ op: 'remove', name: r.name }))], notes: [] };
}
