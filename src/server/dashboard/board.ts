/**
 * What the dashboard shows of a service: the fields `ls` and `inspect` show (status, replicas
 * up/desired, image, ports, FIP, and per replica the load balancer's state and last check, as
 * inspect's ReplicaDetail has them, with whatever it adds), with each replica's counters, the
 * change in progress and the latest activity. Only these fields reach the page (not the Env, the
 * command or the volumes of the Service JSON). Pure.
 */
import type { ObservedService } from '../../core/backend.js';
import { inspectObserved, type ReplicaDetail } from '../../core/inspect.js';
import { computeStatus } from '../../core/status.js';
import type { LbView } from '../../haproxy/lb-log.js';
import type { ServerCounters } from '../../lb/stats.js';
import { serverName } from '../../model/naming.js';
import type { ActivityLine } from './activity.js';
import type { ChangeBoard } from './progress.js';

export type ReplicaBoard = ReplicaDetail & {
  /**
   * Sessions open now, requests since the load balancer (re)loaded, errors since then (with the
   * failed connections retried elsewhere: a dead replica shows them, though no client saw them);
   * null when not read.
   */
  Sessions: number | null;
  Requests: number | null;
  Errors: number | null;
};

export interface ServiceBoard {
  Name: string;
  Status: string;
  Message: string;
  Backend: string;
  /** The spec's image, and what the replicas in the load balancer's config run (most used first). */
  Image: string;
  Images: string[];
  Protocol: string;
  ServicePort: number;
  ContainerPort: number;
  FIP: string;
  IP: string;
  Up: number;
  Desired: number;
  Labels: Record<string, string>;
  /** The spec's HealthCheckPath, where it has one. */
  HealthCheckPath: string | null;
  LoadBalancer: { Name: string; State: string } | null;
  ReplicaDetail: ReplicaBoard[];
  Change: ChangeBoard | null;
  /** The latest lines, newest last. */
  Activity: ActivityLine[];
  /** Why its counters could not be read, if they could not. */
  CountersError: string | null;
}

/** What a reader knows of a service beyond the engine's list. */
export interface ServiceExtras {
  view: LbView | undefined;
  counters: ServerCounters[] | undefined;
  countersError: string | undefined;
  change: ChangeBoard | null;
  activity: ActivityLine[];
}

function withCounters(
  d: ReplicaDetail,
  counters: ServerCounters[] | undefined,
  numbered: boolean,
): ReplicaBoard {
  const c = numbered ? counters?.find((x) => x.server === serverName(d.Number)) : undefined;
  return {
    ...d,
    Sessions: c?.sessions ?? null,
    Requests: c?.total ?? null,
    Errors: c ? c.errors + c.retried : null,
  };
}

export function serviceBoard(s: ObservedService, x: ServiceExtras): ServiceBoard {
  const inspected = inspectObserved(s, s.numberedServers ? x.view : undefined);
  const status = computeStatus(s);
  const path = (inspected as { HealthCheckPath?: unknown }).HealthCheckPath;
  return {
    Name: inspected.Name,
    Status: inspected.Status,
    Message: inspected.Message,
    Backend: inspected.Backend,
    Image: inspected.Image,
    Images: status.images,
    Protocol: inspected.Protocol,
    ServicePort: inspected.ServicePort,
    ContainerPort: inspected.ContainerPort,
    FIP: inspected.FIP,
    IP: inspected.IP,
    Up: status.up,
    Desired: status.desired,
    Labels: inspected.Labels ?? {},
    HealthCheckPath: typeof path === 'string' && path !== '' ? path : null,
    LoadBalancer: inspected.LoadBalancer
      ? { Name: inspected.LoadBalancer.Name, State: inspected.LoadBalancer.State }
      : null,
    ReplicaDetail: inspected.ReplicaDetail.map((d) => withCounters(d, x.counters, s.numberedServers)),
    Change: x.change,
    Activity: x.activity,
    CountersError: x.countersError ?? null,
  };
}
