/**
 * Planning `svc sg create|update|rm`. A group is stored like a service's record: one
 * created-never-started container per revision (no network, never run) whose labels hold the
 * normalised group; the revision in its name is the lock (two updates cannot both write K+1).
 * Updating a group changes the allow file of every service using it, each with its own records
 * and a checked, hitless reload; a failure at any of them undoes all of them and the new
 * revision. Pure.
 */

import type { ContainerSpec } from '../../engine/engine.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { baseLabels, LABEL, names } from '../../model/naming.js';
import { allowedSources, type SecurityGroup } from '../../model/security-group.js';
import type { ServiceSpec } from '../../spec/types.js';
import type { PlanPart, Snapshot } from '../backend.js';
import type { Plan, Step } from '../steps.js';

export interface GroupContext {
  tenant: string;
  /** Any image present on the engine; the record never runs. */
  image: string;
  /** RFC 3339, recorded. */
  created: string;
}

function groupRecord(group: SecurityGroup, revision: number, ctx: GroupContext): ContainerSpec {
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

/** The sources a spec's groups allow (undefined when it names none). */
export function allowFor(spec: ServiceSpec, snapshot: Pick<Snapshot, 'groups'>): string[] | undefined {
  if (!spec.SecurityGroups?.length) return undefined;
  const missing = spec.SecurityGroups.filter((n) => !snapshot.groups.some((g) => g.group.name === n));
  if (missing.length > 0) {
    throw new NotFoundError(`no such security group${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  }
  const groups = snapshot.groups
    .filter((g) => spec.SecurityGroups?.includes(g.group.name))
    .map((g) => g.group);
  return allowedSources(groups, spec.ServicePort);
}

/** The snapshot with `group` stored as it will be (what the services using it are planned from). */
export function withGroup(snapshot: Snapshot, group: SecurityGroup, mode: 'create' | 'update'): Snapshot {
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
  const groups = [
    ...snapshot.groups.filter((g) => g.group.name !== group.name),
    { group, revision: current?.revision ?? 0, created: '', records: current?.records ?? [] },
  ];
  return { ...snapshot, groups };
}

/**
 * Storing `group`'s next revision (`after`: the snapshot withGroup made) and, after it, what
 * re-applies it to each service using it (`reapply`, planned by their backends).
 */
export function planSaveGroup(
  after: Snapshot,
  group: SecurityGroup,
  ctx: GroupContext,
  reapply: PlanPart[],
): Plan {
  const stored = after.groups.find((g) => g.group.name === group.name);
  const phases: Step[][] = [
    [
      {
        op: 'create',
        role: 'security-group',
        container: groupRecord(group, (stored?.revision ?? 0) + 1, ctx),
      },
    ],
  ];
  const cleanup: Step[] = (stored?.records ?? []).map((r): Step => ({ op: 'remove', name: r.name }));
  for (const p of reapply) {
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
