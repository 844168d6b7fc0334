/**
 * What an access key may ask of the engine beyond what the spec's rules allow anyone: the
 * server's policy, set by its operator (`svc serve --allow-host-path`, `--allow-fip`,
 * `--fip-ports`). A key acts for a tenant that does not own the engine's host, so through the API
 * host paths are refused unless under an allowed prefix (and read-only), a FIP only on an allowed
 * address and port, and labels in Docker's reserved namespaces not at all. A refusal is a 403
 * naming each field. Pure: the host paths that pass are then resolved on the engine's side
 * (host-paths.ts).
 */
import { isIP } from 'node:net';
import { posix } from 'node:path';
import type { SpecIssue } from '../errors.js';
import { UsageError } from '../errors.js';
import { type VolumeEntry, volumeEntries } from '../model/volumes.js';
import type { ServiceSpec } from '../spec/types.js';
import { HttpError } from './http.js';

export interface ApiPolicy {
  /** Host directories under which read-only host paths may be mounted (absolute, normalised). */
  hostPaths: string[];
  /** Addresses a FIP may be (canonical form). */
  fips: string[];
  /** Host ports a FIP may publish. */
  fipPorts: { low: number; high: number };
  /** Host paths are refused outright (the Swarm backend: checked on one node, mounted on another). */
  noHostPaths?: string;
}

export const DEFAULT_FIPS = ['127.0.0.1', '::1'];
export const DEFAULT_FIP_PORTS = { low: 1024, high: 65535 };

/** Docker's reserved label namespaces (its tools and others read them): not a key's to set. */
export const RESERVED_LABEL_PREFIXES = ['com.docker.', 'io.docker.', 'org.dockerproject.'];

/** A request the server's policy refuses: 403, every refused field as an issue. */
export class PolicyRefusal extends HttpError {
  constructor(readonly issues: SpecIssue[]) {
    super(403, formatRefusal(issues));
  }
}

export function formatRefusal(issues: SpecIssue[]): string {
  const noun = issues.length === 1 ? 'field' : 'fields';
  return `refused by this server's policy (${issues.length} ${noun}):\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`;
}

/** An address in one spelling (IPv6 compressed, lowercase), so that policy compares like with like. */
export function canonicalAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/**
 * Places on the engine's host no tenant may mount, nor any prefix hold or be inside: the engine's
 * and containerd's sockets and data, and the kernel's file systems. (`rootDir`: the engine's
 * DockerRootDir; `socket`: the engine's unix socket when svc reaches it by one.)
 */
export function engineForbiddenPaths(rootDir: string | undefined, socket: string | undefined): string[] {
  const known = [
    '/var/run/docker.sock',
    '/run/docker.sock',
    '/var/run/docker',
    '/run/docker',
    '/var/run/containerd',
    '/run/containerd',
    '/var/lib/docker',
    '/var/lib/containerd',
    '/proc',
    '/sys',
    '/dev',
  ];
  return [
    ...new Set([...known, ...[rootDir, socket].filter((p): p is string => Boolean(p?.startsWith('/')))]),
  ];
}

/** `--allow-host-path` values: absolute directories, normalised, never `/` nor the engine's own places. */
export function parseHostPrefixes(values: readonly string[], forbidden: readonly string[]): string[] {
  return values.map((value) => {
    if (!value.startsWith('/'))
      throw new UsageError(`--allow-host-path: expected an absolute path, got "${value}"`);
    const prefix = posix.normalize(value).replace(/\/+$/, '');
    if (prefix === '') throw new UsageError('--allow-host-path: / would allow every host path');
    const clash = forbidden.find((f) => isWithin(f, prefix) || isWithin(prefix, f));
    if (clash)
      throw new UsageError(
        `--allow-host-path ${value}: it ${isWithin(clash, prefix) ? 'holds' : 'is inside'} ${clash}, which no tenant may mount`,
      );
    return prefix;
  });
}

/** `--allow-fip` values: IP addresses. */
export function parseFips(values: readonly string[]): string[] {
  for (const v of values)
    if (isIP(v) === 0)
      throw new UsageError(`--allow-fip: expected an IP address such as 0.0.0.0, got "${v}"`);
  return values.map(canonicalAddress);
}

/** `--fip-ports LOW-HIGH`. */
export function parseFipPorts(value: string): { low: number; high: number } {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(value.trim());
  const [low, high] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || low < 1 || high > 65535 || low > high)
    throw new UsageError(`--fip-ports: expected LOW-HIGH within 1-65535 such as 1024-65535, got "${value}"`);
  return { low, high };
}

/** `path` is `dir` or inside it (lexically; the engine's side resolves the rest). */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/** The FIP and the port it publishes, against the policy. */
export function fipIssues(fip: string, port: number, policy: ApiPolicy): SpecIssue[] {
  if (fip === '') return [];
  const issues: SpecIssue[] = [];
  if (!policy.fips.includes(canonicalAddress(fip)))
    issues.push({
      path: 'FIP',
      message: `publishing on ${fip} is not allowed here (allowed: ${policy.fips.join(', ') || 'none'})`,
    });
  const { low, high } = policy.fipPorts;
  if (port < low || port > high)
    issues.push({
      path: 'ServicePort',
      message: `a FIP publishes ServicePort ${port} on the host; allowed host ports here are ${low}-${high}`,
    });
  return issues;
}

/** A host path of a spec that passed the policy as written: its prefix, for the engine-side check. */
export interface HostPathCheck {
  /** Index in the spec's Volumes. */
  index: number;
  entry: VolumeEntry;
  prefix: string;
}

function hostPathIssue(v: VolumeEntry, i: number, policy: ApiPolicy): SpecIssue | HostPathCheck {
  const path = `Volumes[${i}]`;
  const say = (message: string): SpecIssue => ({ path, message: `host path ${v.source}: ${message}` });
  if (policy.noHostPaths) return say(policy.noHostPaths);
  if (policy.hostPaths.length === 0)
    return say('host paths cannot be mounted through this server; use a named volume');
  const prefix = policy.hostPaths.find((p) => isWithin(v.source, p));
  if (!prefix) return say(`not under an allowed prefix (${policy.hostPaths.join(', ')})`);
  if (!v.readOnly)
    return say('host paths are mounted read-only through this server: add :ro (or use a named volume)');
  return { index: i, entry: v, prefix };
}

/**
 * Every field of a spec the policy refuses, and its host paths to resolve on the engine's side.
 * (`Volumes[i]`, `FIP`, `ServicePort`, `Labels.KEY`.)
 */
export function specIssues(
  spec: ServiceSpec,
  policy: ApiPolicy,
): { issues: SpecIssue[]; hostPaths: HostPathCheck[] } {
  const issues: SpecIssue[] = [];
  const hostPaths: HostPathCheck[] = [];
  volumeEntries(spec.Volumes).forEach((v, i) => {
    if (!v.host) return;
    const r = hostPathIssue(v, i, policy);
    if ('prefix' in r) hostPaths.push(r);
    else issues.push(r);
  });
  for (const key of Object.keys(spec.Labels)) {
    const reserved = RESERVED_LABEL_PREFIXES.find((p) => key.toLowerCase().startsWith(p));
    if (reserved)
      issues.push({ path: `Labels.${key}`, message: `label keys starting with ${reserved} are Docker's` });
  }
  issues.push(...fipIssues(spec.FIP, spec.ServicePort, policy));
  return { issues, hostPaths };
}
