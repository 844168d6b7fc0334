/**
 * What `inspect` shows of an observed service: the original API's Service JSON (views.ts), then its
 * backend, its revision, its load balancer, and the load balancer's own view of every replica
 * (from its log). Pure.
 */
import type { ContainerHealth, ContainerState } from '../engine/engine.js';
import type { LbView, ServerStatus } from '../haproxy/lb-log.js';
import { names, serverName } from '../model/naming.js';
import type { ObservedService } from './backend.js';
import { configServers } from './observe.js';
import type { ServiceJson } from './service-json.js';
import { computeStatus, replicaImage } from './status.js';
import { serviceJsonOf } from './views.js';

/** How the load balancer sees a replica: its status, or NONE when its config has no such server. */
export type LbStatus = ServerStatus | 'NONE';

export interface ReplicaDetail {
  /** Replica number N: server `rN` in the load balancer. */
  Number: number;
  /** Container ID; "" when the container is missing (removed by hand). */
  ID: string;
  Name: string;
  Image: string;
  /** The container's state, or `missing`. */
  State: ContainerState | 'missing';
  /** What the load balancer thinks; null when its view could not be read (it is not running). */
  LB: LbStatus | null;
  /** Its last health check (`L4OK`, `L4CON`, `L7STS`, …); "" when none yet; null without the view. */
  Check: string | null;
  /** The HTTP status its last check got (HealthCheckPath); null when none (TCP checks, no view). */
  CheckCode: number | null;
  /** What Docker says of it when its image has a HEALTHCHECK (`starting`, `healthy`, `unhealthy`); else null. */
  Health: ContainerHealth | null;
  /** The node it runs on (hostname), where the load balancer's servers are slots filled by DNS. */
  Node?: string;
}

export interface LoadBalancerDetail {
  ID: string;
  Name: string;
  Image: string;
  State: ContainerState;
}

export interface InspectedService extends ServiceJson {
  /** Where it runs: its backend's name. */
  Backend: string;
  /** The revision of the service's record (its desired state); null when it has none. */
  Revision: number | null;
  LoadBalancer: LoadBalancerDetail | null;
  ReplicaDetail: ReplicaDetail[];
}

/**
 * One entry a replica container, by number, and one for every server in the load balancer's
 * config whose container is missing; each with what the load balancer says of it (UNKNOWN for a
 * server it printed nothing about: every check's first result is printed, so that is one it has
 * not checked yet, one whose name does not resolve, or one whose lines rotated out of its log).
 */
export function replicaDetail(s: ObservedService, view: LbView | undefined): ReplicaDetail[] {
  const inConfig = new Set(configServers(s));
  const lbOf = (n: number): Pick<ReplicaDetail, 'LB' | 'Check' | 'CheckCode'> => {
    if (!view) return { LB: null, Check: null, CheckCode: null };
    if (!inConfig.has(n)) return { LB: 'NONE', Check: '', CheckCode: null };
    const sv = view.servers.get(serverName(n));
    // Nothing printed about it yet: just given to a worker, not resolvable, or the log rotated.
    return sv
      ? { LB: sv.status, Check: sv.check, CheckCode: sv.code ?? null }
      : { LB: 'UNKNOWN', Check: '', CheckCode: null };
  };
  const detail: ReplicaDetail[] = s.replicas.map((r) => ({
    Number: r.number,
    ID: r.id,
    Name: r.name,
    Image: replicaImage(r),
    State: r.state,
    ...lbOf(r.number),
    Health: r.health ?? null,
  }));
  const present = new Set(s.replicas.map((r) => r.number));
  for (const n of inConfig) {
    if (present.has(n)) continue;
    detail.push({
      Number: n,
      ID: '',
      Name: names.replica(s.tenant, s.name, n),
      Image: '',
      State: 'missing',
      ...lbOf(n),
      Health: null,
    });
  }
  return detail.sort((a, b) => a.Number - b.Number);
}

/** `inspect` of one observed service, with the load balancer's view when it could be read. */
export function inspectObserved(s: ObservedService, view: LbView | undefined): InspectedService {
  const detail = replicaDetail(s, view);
  if (!s.numberedServers) {
    // Slots filled by DNS in any order: which server is which replica is not known.
    const nodes = new Map(s.replicas.map((r) => [r.number, r.node ?? '']));
    for (const d of detail)
      Object.assign(d, { LB: null, Check: null, CheckCode: null, Node: nodes.get(d.Number) ?? '' });
  }
  return {
    ...serviceJsonOf(s, computeStatus(s)),
    Backend: s.backend,
    Revision: s.current?.revision ?? null,
    LoadBalancer: s.lb ? { ID: s.lb.id, Name: s.lb.name, Image: s.lb.image, State: s.lb.state } : null,
    ReplicaDetail: detail,
  };
}
