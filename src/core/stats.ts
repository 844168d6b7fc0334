/** `svc stats`: each replica as its load balancer counts it (HAProxy's own counters). */
import { NotFoundError } from '../errors.js';
import { BACKEND_NAME } from '../haproxy/render-config.js';
import type { ServerCounters } from '../lb/stats.js';
import { names, replicaNumberOf } from '../model/naming.js';
import { type ObservedService, observe } from './observe.js';
import type { Core } from './services.js';

export interface ReplicaStats {
  Service: string;
  /** The replica's container name (locally); on Swarm the load balancer's slot and address. */
  Replica: string;
  /** What HAProxy says: UP, DOWN, MAINT, … */
  State: string;
  Check: string;
  Sessions: number;
  Requests: number;
  Errors: number;
  AvgResponseMs: number;
}

/** The container of a service's load balancer (on Swarm: its running task's, on this node). */
function lbContainer(s: ObservedService): string | undefined {
  if (s.backend !== 'swarm') return s.lb?.state === 'running' ? s.lb.id : undefined;
  const lb = s.swarm?.lb;
  return s.swarm?.tasks.find((t) => t.serviceId === lb?.id && t.state === 'running' && t.containerId)
    ?.containerId;
}

function rows(s: ObservedService, counters: ServerCounters[]): ReplicaStats[] {
  return counters
    .filter((c) => c.backend === BACKEND_NAME && (s.backend !== 'swarm' || c.address !== ''))
    .map((c) => {
      const n = replicaNumberOf(c.server);
      const replica =
        s.backend === 'swarm'
          ? `${c.server} (${c.address})`
          : n
            ? names.replica(s.tenant, s.name, n)
            : c.server;
      return {
        Service: s.name,
        Replica: replica,
        State: c.status,
        Check: c.check,
        Sessions: c.sessions,
        Requests: c.total,
        Errors: c.errors,
        AvgResponseMs: c.avgResponseMs,
      };
    });
}

/** The counters of these services (all of the tenant's when none is named). */
export async function serviceStats(core: Core, wanted: string[]): Promise<ReplicaStats[]> {
  const snapshot = await observe(core.engine, core.tenant);
  const missing = wanted.filter((n) => !snapshot.services.some((s) => s.name === n));
  if (missing.length > 0) throw new NotFoundError(`no such service: ${missing.join(', ')}`);
  const chosen = snapshot.services.filter((s) => wanted.length === 0 || wanted.includes(s.name));
  const all = await Promise.all(
    chosen.map(async (s) => {
      const id = lbContainer(s);
      return id ? rows(s, await core.lb.stats(id)) : [];
    }),
  );
  return all.flat();
}
