/**
 * The Service JSON of the original API's `POST /services/create` response: its fields, in its
 * order, then svc's own (HealthCheckPath, StopTimeout), with its conventions (unset strings "",
 * unset lists null; Volumes and SecurityGroups as
 * objects keyed by entry, the original API's `map[string]struct{}`). Pure.
 */
import { describeCertificate } from '../spec/ssl-cert.js';
import type { ServiceSpec } from '../spec/types.js';

export type ServiceStatus = 'created' | 'active' | 'degraded' | 'updating' | 'failed';

export interface ServiceState {
  tenant: string;
  /** The load balancer's address on the tenant network; "" when not known. */
  ip: string;
  created: string;
  status: ServiceStatus;
  message: string;
  /** Replica container IDs; null when there are none. */
  containers: string[] | null;
}

/**
 * A list as the original API writes it (Go's `map[string]struct{}`): `{"data:/d": {}}`; null when
 * unset. The spec keeps lists; only the Service JSON has this shape.
 */
export type KeyedList = Record<string, Record<string, never>> | null;

export function keyedList(list: readonly string[] | null): KeyedList {
  return list && list.length > 0 ? Object.fromEntries(list.map((entry) => [entry, {}])) : null;
}

/**
 * The spec's fields as the original API shows them (Volumes and SecurityGroups keyed, SSLCert described),
 * and the service's state; toServiceJson writes them in its order.
 */
export interface ServiceJson extends Omit<ServiceSpec, 'Volumes' | 'SecurityGroups'> {
  Volumes: KeyedList;
  SecurityGroups: KeyedList;
  IP: string;
  Tenant: string;
  Message: string;
  Created: string;
  Status: ServiceStatus;
  Containers: string[] | null;
}

/** The spec as it may be shown or stored: SSLCert replaced by the certificate's description. */
export function publicSpec(spec: ServiceSpec): ServiceSpec {
  // A spec read back from a record already holds the description, not the PEM.
  return spec.SSLCert.includes('-----BEGIN') ? { ...spec, SSLCert: describeCertificate(spec.SSLCert) } : spec;
}

export function toServiceJson(spec: ServiceSpec, state: ServiceState): ServiceJson {
  const s = publicSpec(spec);
  return {
    Name: s.Name,
    Image: s.Image,
    WorkingDir: s.WorkingDir,
    ContainerSize: s.ContainerSize,
    SSLCert: s.SSLCert,
    NetMode: s.NetMode,
    StopSignal: s.StopSignal,
    ServicePort: s.ServicePort,
    ContainerPort: s.ContainerPort,
    Replicas: s.Replicas,
    HealthCheckInterval: s.HealthCheckInterval,
    HealthCheckFall: s.HealthCheckFall,
    HealthCheckRise: s.HealthCheckRise,
    Algorithm: s.Algorithm,
    Protocol: s.Protocol,
    Stdin: s.Stdin,
    Tty: s.Tty,
    SessionAffinity: s.SessionAffinity,
    Entrypoint: s.Entrypoint,
    Cmd: s.Cmd,
    Env: s.Env,
    Volumes: keyedList(s.Volumes),
    Labels: s.Labels,
    SecurityGroups: keyedList(s.SecurityGroups),
    IP: state.ip,
    Tenant: state.tenant,
    FIP: s.FIP,
    Message: state.message,
    Created: state.created,
    Status: state.status,
    Containers: state.containers && state.containers.length > 0 ? state.containers : null,
    // Not in the seed: after its fields, so its clients decode the rest as they always did.
    HealthCheckPath: s.HealthCheckPath,
    StopTimeout: s.StopTimeout,
  };
}

/**
 * RFC 3339 in UTC with nanoseconds, as the original API writes `Created` (2016-10-08T13:12:15.405946064Z).
 * JavaScript clocks give milliseconds; the sub-millisecond digits come from the monotonic clock.
 */
export function rfc3339Nano(date: Date = new Date(), subMillisNanos?: number): string {
  const extra = subMillisNanos ?? Number(process.hrtime.bigint() % 1_000_000n);
  const iso = date.toISOString(); // 2016-10-08T13:12:15.405Z
  return `${iso.slice(0, 23)}${String(extra).padStart(6, '0')}Z`;
}
