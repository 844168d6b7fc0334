/**
 * Planning `svc attach-fip` / `svc detach-fip`: publish or unpublish the service port on a host
 * address. The engine cannot change a container's port bindings, so the load balancer is
 * replaced: a new one (same config, the certificate copied from the old one) is made under a
 * name of its own, starts with the new binding and must see the running replicas UP, then gets
 * the service's alias on the tenant network (so clients there never resolve it before it
 * listens). Only then do the two swap names: the old one is set aside, the new one takes the
 * service's load balancer name. The engine re-registers a renamed container's names and aliases
 * on the network, and for that instant the other one still holds the alias, so a client there
 * always resolves the service. The change commits, and the old one leaves the network (its alias
 * goes at once: at most a request in flight on it at that instant is cut, where stopping it there
 * refused requests until it was gone) and is removed. Replicas are untouched; a failure (e.g. the
 * host port is taken) removes the new one, the old one never having lost its name. Pure.
 */

import type { Operation } from '../../../core/records.js';
import type { LbTarget, Plan, Step } from '../../../core/steps.js';
import { names } from '../../../model/naming.js';
import { specHash } from '../../../model/spec-hash.js';
import type { ServiceSpec } from '../../../spec/types.js';
import { type Changeable, recordSteps } from './change.js';
import { lbContainer } from './create.js';

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
  const successor = names.lbNext(s.tenant, s.name);
  // Made without the service's alias: the alias is given once it serves (a name that resolved
  // to a load balancer still starting would be refused).
  const made = lbContainer(next, s.tenant, c.lbImage, specHash(next));
  const lb = { ...made, name: successor, aliases: [] };
  const network = names.network(s.tenant);
  const running = s.replicas.filter((r) => r.state === 'running' && c.servers.includes(r.number));
  const records = recordSteps(c, operation, next, c.servers);
  return {
    phases: [
      [records.lock],
      [{ op: 'create', role: 'lb', container: lb }],
      [
        {
          op: 'lb-configure',
          lb: successor,
          target: { spec: next, servers: c.servers, ...extra },
          ...(extra.cert === undefined ? { certFrom: c.lb } : {}),
        },
      ],
      [{ op: 'lb-start', lb: successor, publish: lb.publish ?? undefined }],
      [{ op: 'lb-wait', lb: successor, up: running.map((r) => r.number) }],
      [{ op: 'join', name: successor, network, aliases: made.aliases ?? [] }],
      [{ op: 'rename', name: c.lb, to: aside }],
      [{ op: 'rename', name: successor, to: c.lb }],
      [records.outcome],
    ],
    cleanup: [
      // Off the network first: its alias stops resolving at once, so clients on the network go to
      // the new one instead of being refused while it stops; off the network it has no client left.
      [{ op: 'leave', name: aside, network }],
      [{ op: 'remove', name: aside }],
      records.cleanup,
    ] satisfies Step[][],
    notes: [],
  };
}
