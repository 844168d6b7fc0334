/**
 * A service's Status and Message (SPEC §3 "Health"), computed from what was observed. Pure.
 *   active   every desired replica is UP
 *   degraded some are not UP
 *   failed   none is UP, or the load balancer is not running
 *   updating a scale or rolling update is under way
 */
import type { ServerStat } from '../haproxy/runtime-stats.js';
import { names } from './labels.js';
import { desiredSpec, type ObservedService } from './observe.js';
import type { ServiceStatus } from './service-json.js';

export interface StatusResult {
  status: ServiceStatus;
  message: string;
  /** Replicas counted as up (by the load balancer when its view is given, else running). */
  up: number;
  desired: number;
}

/** `lbView` is the load balancer's server list; without it, a running replica counts as up. */
export function computeStatus(s: ObservedService, lbView?: ServerStat[]): StatusResult {
  const spec = desiredSpec(s);
  const desired = spec?.Replicas ?? s.replicas.length;
  const byServer = new Map((lbView ?? []).map((st) => [st.server, st]));
  const isUp = (n: number, state: string) =>
    lbView ? byServer.get(`r${n}`)?.status === 'UP' && state === 'running' : state === 'running';
  const up = s.replicas.filter((r) => isUp(r.number, r.state)).length;
  const result = (status: ServiceStatus, message: string): StatusResult => ({ status, message, up, desired });

  if (!spec || !s.lb) {
    const missing = !s.lb ? 'load balancer' : 'record';
    return result(
      'failed',
      `incomplete: no ${missing} (left by an interrupted svc); remove it with: svc rm ${s.name}`,
    );
  }
  const operation = s.records[s.records.length - 1]?.operation;
  if (operation) return result('updating', `${operation} in progress (${up}/${desired} replicas up)`);
  if (s.lb.state !== 'running') return result('failed', `the load balancer is ${s.lb.state}`);
  if (desired === 0) return result('active', 'Scaled to 0 replicas');
  if (up === 0) return result('failed', `no replica is up (0/${desired})`);
  const notUp = s.replicas.filter((r) => !isUp(r.number, r.state));
  const missing = desired - s.replicas.length;
  if (up >= desired && notUp.length === 0 && missing <= 0) return result('active', 'Scaling complete');
  const details = notUp.map((r) => {
    const st = byServer.get(`r${r.number}`);
    const lbState = st ? ` ${st.status}${st.checkStatus ? ` ${st.checkStatus}` : ''}` : '';
    return `${r.name}: ${r.state}${lbState}`;
  });
  if (missing > 0) {
    // The load balancer's view names them: its servers whose container is gone.
    const present = new Set(s.replicas.map((r) => `r${r.number}`));
    const gone = [...byServer.keys()].filter((k) => /^r\d+$/.test(k) && !present.has(k));
    const which =
      gone.length > 0
        ? `: ${gone.map((k) => names.replica(s.tenant, s.name, Number(k.slice(1)))).join(', ')}`
        : '';
    details.push(`${missing} missing${which} (svc scale ${s.name}=${desired} recreates them)`);
  }
  return result('degraded', `${up}/${desired} replicas up; ${details.join('; ')}`);
}
