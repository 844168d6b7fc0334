/** `svc stats`: each replica as its load balancer counts it (HAProxy's own counters). */
import { NotFoundError } from '../errors.js';
import { BACKEND_NAME } from '../haproxy/render-config.js';
import type { ServerCounters } from '../lb/stats.js';
import { names, replicaNumberOf } from '../model/naming.js';
import type { Core, ObservedService } from './backend.js';
import { observe } from './observe.js';

export interface ReplicaStats {
  Service: string;
  /** The replica's container name; for slots filled by DNS, the slot and its address. */
  Replica: string;
  /** What HAProxy says: UP, DOWN, MAINT, … */
  State: string;
  Check: string;
  Sessions: number;
  Requests: number;
  Errors: number;
  AvgResponseMs: number;
}

function rows(s: ObservedService, counters: ServerCounters[]): ReplicaStats[] {
  return (
    counters
      // Slots filled by DNS are named by the address in them; empty ones are left out.
      .filter((c) => c.backend === BACKEND_NAME && (s.numberedServers || c.address !== ''))
      .map((c) => {
        const n = replicaNumberOf(c.server);
        const replica = !s.numberedServers
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
      })
  );
}

/** The counters of these services (all of the tenant's when none is named). */
export async function serviceStats(core: Core, wanted: string[]): Promise<ReplicaStats[]> {
  const snapshot = await observe(core);
  const missing = wanted.filter((n) => !snapshot.services.some((s) => s.name === n));
  if (missing.length > 0) throw new NotFoundError(`no such service: ${missing.join(', ')}`);
  const chosen = snapshot.services.filter((s) => wanted.length === 0 || wanted.includes(s.name));
  const all = await Promise.all(
    chosen.map(async (s) => {
      return s.lbContainer ? rows(s, await core.lb.stats(s.lbContainer)) : [];
    }),
  );
  return all.flat();
}
