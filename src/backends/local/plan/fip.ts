/**
 * Planning `svc attach-fip` / `svc detach-fip`: publish or unpublish the service port on a host
 * address. The engine cannot change a container's port bindings, so the load balancer is
 * replaced: the old one is renamed aside, a new one (same config, the certificate copied from
 * the old one) starts with the new binding and must see the running replicas UP, then the change
 * commits and the old one stops softly (in-flight requests finish). Replicas are untouched; a
 * failure (e.g. the host port is taken) removes the new one and gives the old one its name back.
 * Pure.
 */

import type { Operation } from '../../../core/records.js';
import type { LbTarget, Plan, Step } from '../../../core/steps.js';
import { names } from '../../../model/naming.js';
import { specHash } from '../../../model/spec-hash.js';
import type { ServiceSpec } from '../../../spec/types.js';
import { type Changeable, recordSteps } from './change.js';
import { lbContainer } from './create.js';

/** Seconds the old load balancer gets to finish in-flight requests after the switch. */
export const OLD_LB_GRACE_SECONDS = 30;

/** `fip` "" detaches. Undefined when there is nothing to do. */
export function planFip(c: Changeable, fip: string): Plan | undefined {
  if (fip === c.spec.FIP) return undefined;
  return planLbReplacement(c, { ...c.spec, FIP: fip }, { allow: c.allow }, 'fip');
}

/**
 * A new load balancer for `next` (its FIP changed; with it, other load balancer fields may):
 * the certificate is `lb.cert` when given, else copied from the old one.
 */
export function planLbReplacement(
  c: Changeable,
  next: ServiceSpec,
  extra: Pick<LbTarget, 'allow' | 'cert'>,
  operation: Operation,
): Plan {
  const s = c.service;
  const aside = names.lbAside(s.tenant, s.name);
  const lb = lbContainer(next, s.tenant, c.lbImage, specHash(next));
  const running = s.replicas.filter((r) => r.state === 'running' && c.servers.includes(r.number));
  const records = recordSteps(c, operation, next, c.servers);
  return {
    phases: [
      [records.lock],
      [{ op: 'rename', name: c.lb, to: aside }],
      [{ op: 'create', role: 'lb', container: lb }],
      [
        {
          op: 'lb-configure',
          lb: lb.name,
          target: { spec: next, servers: c.servers, ...extra },
          ...(extra.cert === undefined ? { certFrom: aside } : {}),
        },
      ],
      [{ op: 'lb-start', lb: lb.name, publish: lb.publish ?? undefined }],
      [{ op: 'lb-wait', lb: lb.name, up: running.map((r) => r.number) }],
      [records.outcome],
    ],
    cleanup: [
      [{ op: 'stop', name: aside, graceSeconds: OLD_LB_GRACE_SECONDS }],
      [{ op: 'remove', name: aside }],
      records.cleanup,
    ] satisfies Step[][],
    notes: [],
  };
}
