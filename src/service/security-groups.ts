/**
 * Security groups (SPEC §3, the original's model): named rule sets, stored in the engine, and
 * enforced at each service's load balancer.
 *
 * - **Stored** like service records: one created-never-started container per group revision
 *   (`svc-sg_<name>_rev<K>_<tenant8>`, no network, never run) whose labels hold the normalised
 *   group as JSON. The revision in the name is the lock: two updates cannot both write K+1.
 * - **Enforced** at the load balancer: a service naming groups gets
 *   `tcp-request connection reject unless { src -f security-groups.allow }` in its frontend
 *   (render-config.ts) and the allow file lists the `remote_ip_prefix` of every ingress rule of
 *   its groups that admits TCP on its ServicePort. No group = open; groups with no such rule =
 *   closed. Changing a group rewrites the file of every running service using it and reloads
 *   the load balancer hitlessly.
 * - **Not enforced**: egress rules (validated and stored; replicas reach anything), and
 *   `remote_group_name` rules (stored; they admit no source).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { ContainerSummary, Engine } from '../engine/engine.js';
import { ConflictError, InternalError, NotFoundError, SpecError, type SpecIssue } from '../errors.js';
import {
  HAPROXY_CONFIG_PATH,
  HAPROXY_SG_ALLOW_PATH,
  isCidr,
  renderAllowList,
} from '../haproxy/render-config.js';
import type { ParsedSpec } from '../spec/parse-document.js';
import { suggestOneOf } from '../spec/suggest.js';
import { LABEL_PREFIX, type ServiceSpec } from '../spec/types.js';
import { HAPROXY_DIR } from './create-plan.js';
import { LABEL, LABEL_SCHEMA_VERSION } from './labels.js';
import { reloadLb } from './lb-control.js';
import { desiredSpec, observeServices } from './observe.js';
import { rfc3339Nano } from './service-json.js';

export const DIRECTIONS = ['ingress', 'egress'] as const;
export const RULE_PROTOCOLS = ['tcp', 'udp', 'icmp', ''] as const;
export type Direction = (typeof DIRECTIONS)[number];
export type RuleProtocol = (typeof RULE_PROTOCOLS)[number];

export interface SecurityGroupRule {
  direction: Direction;
  /** `""` = any protocol. */
  protocol: RuleProtocol;
  /** Both null = every port. */
  port_range_min: number | null;
  port_range_max: number | null;
  /** CIDR, normalised (`10.0.0.0/8`); `""` with remote_group_name, or for any source. */
  remote_ip_prefix: string;
  remote_group_name: string;
}

export interface SecurityGroup {
  name: string;
  description: string;
  rules: SecurityGroupRule[];
}

export const SG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const MAX_DESCRIPTION = 255;
const MAX_RULES = 1000;
const ROLE = 'security-group';
const SG_LABEL = {
  name: `${LABEL_PREFIX}security-group`,
  group: `${LABEL_PREFIX}security-group-spec`,
} as const;

// Validation --------------------------------------------------------------------------------

/** A SpecError (exit 2, every problem with its place) about a group file. */
export class SecurityGroupError extends SpecError {
  constructor(issues: SpecIssue[]) {
    super(issues);
    this.message = this.message.replace(/^invalid service spec/, 'invalid security group');
  }
}

function expandIPv6(address: string): number[] | undefined {
  let text = address;
  let tail: number[] = [];
  const v4 = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    if (!isIPv4(v4[2] as string)) return undefined;
    const o = (v4[2] as string).split('.').map(Number);
    tail = [((o[0] as number) << 8) | (o[1] as number), ((o[2] as number) << 8) | (o[3] as number)];
    const lead = v4[1] as string;
    // `::ffff:1.2.3.4` keeps its `::`; `1:2:3:4:5:6:1.2.3.4` drops the trailing `:`.
    text = lead.endsWith('::') ? lead : lead.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const head = part(halves[0] as string);
  const rest = halves.length === 2 ? part(halves[1] as string) : [];
  const groups = [...head, ...rest].map((g) =>
    /^[0-9a-fA-F]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN,
  );
  if (groups.some(Number.isNaN)) return undefined;
  const total = groups.length + tail.length;
  if (halves.length === 1 && total !== 8) return undefined;
  if (halves.length === 2 && total > 7) return undefined;
  const zeros = Array<number>(8 - total).fill(0);
  const h = groups.slice(0, head.length);
  const r = groups.slice(head.length);
  return halves.length === 2 ? [...h, ...zeros, ...r, ...tail] : [...groups, ...tail];
}

function compressIPv6(groups: number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

/**
 * A CIDR normalised (`10.1.2.3/32`, `fd00::/8`), or the reason it is not one. Host bits set
 * (`10.0.0.1/8`) are refused with the network it probably means.
 */
export function normaliseCidr(text: string): { cidr: string } | { error: string } {
  const m = text.match(/^([^/\s]+)\/(\d{1,3})$/);
  if (!m) return { error: 'expected a CIDR prefix like 10.0.0.0/8, 192.168.1.7/32 or fd00::/8' };
  const address = m[1] as string;
  const bits = Number(m[2]);
  if (isIPv4(address)) {
    if (bits > 32) return { error: 'an IPv4 prefix length is 0–32' };
    const octets = address.split('.').map(Number);
    const value = octets.reduce((a, o) => a * 256 + o, 0);
    const size = 2 ** (32 - bits);
    const network = Math.floor(value / size) * size;
    const net = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.');
    if (network !== value) return { error: `host bits are set; did you mean ${net}/${bits}?` };
    return { cidr: `${net}/${bits}` };
  }
  if (isIPv6(address)) {
    if (bits > 128) return { error: 'an IPv6 prefix length is 0–128' };
    const groups = expandIPv6(address);
    if (!groups) return { error: 'expected a CIDR prefix like fd00::/8' };
    const masked = groups.map((g, i) => {
      const keep = Math.max(0, Math.min(16, bits - i * 16));
      return keep === 0 ? 0 : g & (0xffff << (16 - keep)) & 0xffff;
    });
    const net = compressIPv6(masked);
    if (masked.some((g, i) => g !== groups[i]))
      return { error: `host bits are set; did you mean ${net}/${bits}?` };
    return { cidr: `${net}/${bits}` };
  }
  return { error: 'expected a CIDR prefix like 10.0.0.0/8, 192.168.1.7/32 or fd00::/8' };
}

const TOP_KEYS = ['name', 'description', 'rules'] as const;
const RULE_KEYS = [
  'direction',
  'protocol',
  'port_range_min',
  'port_range_max',
  'remote_ip_prefix',
  'remote_group_name',
] as const;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * The group a document describes, validated and normalised, or a SpecError with every problem
 * (`file:line:col` each). `nameArg` (the command line's NAME) wins over `name:` when they agree,
 * and is an error when they don't.
 */
export function parseSecurityGroup(doc: ParsedSpec, nameArg?: string): SecurityGroup {
  const issues: SpecIssue[] = [];
  const issue = (path: (string | number)[], message: string, part: 'key' | 'value' = 'value') => {
    const location = doc.locate(path, part);
    const p = path
      .map((s) => (typeof s === 'number' ? `[${s}]` : s))
      .join('.')
      .replace(/\.\[/g, '[');
    issues.push(location ? { path: p, message, location } : { path: p, message });
  };
  const top = new Map<string, { key: string; value: unknown }>();
  for (const e of doc.entries) {
    const k = e.key.toLowerCase();
    if (!(TOP_KEYS as readonly string[]).includes(k)) {
      const guess = suggestOneOf(e.key, TOP_KEYS);
      issue([e.key], guess ? `unknown field; did you mean ${guess}?` : 'unknown field', 'key');
    } else top.set(k, e);
  }

  let name = '';
  const nameEntry = top.get('name');
  if (nameEntry !== undefined) {
    if (typeof nameEntry.value !== 'string' || !SG_NAME.test(nameEntry.value)) {
      issue(
        [nameEntry.key],
        `expected a group name (letters, digits, - _ ., at most 63), got ${describe(nameEntry.value)}`,
      );
    } else name = nameEntry.value;
  }
  if (nameArg !== undefined) {
    if (!SG_NAME.test(nameArg)) {
      issues.push({
        path: 'NAME',
        message: `expected a group name (letters, digits, - _ ., at most 63), got ${describe(nameArg)}`,
      });
    } else if (name && name !== nameArg) {
      issue(
        [nameEntry?.key ?? 'name'],
        `the file names group "${name}" but the command line says "${nameArg}"`,
      );
    } else name = nameArg;
  }
  if (!name && nameEntry === undefined && nameArg === undefined) {
    issues.push({ path: 'name', message: 'required: give name: in the file or NAME on the command line' });
  }

  let description = '';
  const d = top.get('description');
  if (d !== undefined && d.value !== null) {
    if (
      typeof d.value !== 'string' ||
      d.value.length > MAX_DESCRIPTION ||
      /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(d.value)
    ) {
      issue(
        [d.key],
        `expected one line of text, at most ${MAX_DESCRIPTION} characters, got ${describe(d.value)}`,
      );
    } else description = d.value;
  }

  const rules: SecurityGroupRule[] = [];
  const r = top.get('rules');
  const list = r === undefined || r.value === null ? [] : r.value;
  if (!Array.isArray(list)) {
    issue([r?.key ?? 'rules'], `expected a list of rules, got ${describe(list)}`);
  } else if (list.length > MAX_RULES) {
    issue([r?.key ?? 'rules'], `at most ${MAX_RULES} rules`);
  } else {
    list.forEach((raw, i) => {
      const at = (k?: string) => (k === undefined ? [r?.key ?? 'rules', i] : [r?.key ?? 'rules', i, k]);
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        issue(at(), `expected a rule (a map with direction, protocol, …), got ${describe(raw)}`);
        return;
      }
      const fields = new Map<string, { key: string; value: unknown }>();
      for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        const k = key.toLowerCase();
        if (!(RULE_KEYS as readonly string[]).includes(k)) {
          const guess = suggestOneOf(key, RULE_KEYS);
          issue(at(key), guess ? `unknown field; did you mean ${guess}?` : 'unknown field', 'key');
        } else fields.set(k, { key, value });
      }
      const get = (k: string) => fields.get(k);
      let ok = true;
      const bad = (k: string, message: string) => {
        ok = false;
        issue(at(get(k)?.key ?? k), message);
      };
      const dir = get('direction')?.value;
      if (dir === undefined) bad('direction', 'required: ingress or egress');
      else if (typeof dir !== 'string' || !(DIRECTIONS as readonly string[]).includes(dir.toLowerCase()))
        bad('direction', `expected ingress or egress, got ${describe(dir)}`);
      const protoRaw = get('protocol')?.value ?? '';
      const proto = typeof protoRaw === 'string' ? protoRaw.toLowerCase() : protoRaw;
      if (typeof proto !== 'string' || !(RULE_PROTOCOLS as readonly string[]).includes(proto))
        bad('protocol', `expected tcp, udp, icmp or "" (any), got ${describe(protoRaw)}`);
      const port = (k: string): number | null => {
        const v = get(k)?.value;
        if (v === undefined || v === null) return null;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
          bad(k, `expected a port 1–65535, got ${describe(v)}`);
          return null;
        }
        return v;
      };
      let min = port('port_range_min');
      let max = port('port_range_max');
      if (min !== null && max === null) max = min;
      if (max !== null && min === null) min = max;
      if (min !== null && max !== null && min > max)
        bad('port_range_max', `port_range_max ${max} is below port_range_min ${min}`);
      if (proto === 'icmp' && (get('port_range_min') || get('port_range_max')))
        bad('protocol', 'icmp has no ports; remove port_range_min/port_range_max');
      const prefixRaw = get('remote_ip_prefix')?.value;
      const groupRaw = get('remote_group_name')?.value;
      let prefix = '';
      let group = '';
      if (prefixRaw !== undefined && prefixRaw !== null && prefixRaw !== '') {
        if (typeof prefixRaw !== 'string')
          bad('remote_ip_prefix', `expected a CIDR prefix, got ${describe(prefixRaw)}`);
        else {
          const n = normaliseCidr(prefixRaw);
          if ('error' in n) bad('remote_ip_prefix', `${n.error} (got ${describe(prefixRaw)})`);
          else prefix = n.cidr;
        }
      }
      if (groupRaw !== undefined && groupRaw !== null && groupRaw !== '') {
        if (typeof groupRaw !== 'string' || !SG_NAME.test(groupRaw))
          bad('remote_group_name', `expected a group name, got ${describe(groupRaw)}`);
        else group = groupRaw;
      }
      if (prefix && group) bad('remote_group_name', 'give remote_ip_prefix or remote_group_name, not both');
      if (ok) {
        rules.push({
          direction: (dir as string).toLowerCase() as Direction,
          protocol: proto as RuleProtocol,
          port_range_min: min,
          port_range_max: max,
          remote_ip_prefix: prefix,
          remote_group_name: group,
        });
      }
    });
  }
  if (issues.length > 0) throw new SecurityGroupError(issues);
  return { name, description, rules };
}

/**
 * The source prefixes `groups` admit to a TCP service on `servicePort`: the union of their
 * ingress rules for tcp (or any protocol) whose port range holds the port. A rule with no remote
 * admits every source; a remote_group_name rule admits none (not enforced).
 */
export function allowedSources(groups: readonly SecurityGroup[], servicePort: number): string[] {
  const out = new Set<string>();
  for (const g of groups) {
    for (const r of g.rules) {
      if (r.direction !== 'ingress' || (r.protocol !== 'tcp' && r.protocol !== '')) continue;
      if (r.port_range_min !== null && r.port_range_max !== null) {
        if (servicePort < r.port_range_min || servicePort > r.port_range_max) continue;
      }
      if (r.remote_group_name) continue;
      if (r.remote_ip_prefix) out.add(r.remote_ip_prefix);
      else {
        out.add('0.0.0.0/0');
        out.add('::/0');
      }
    }
  }
  return [...out].filter(isCidr).sort();
}

// Storage -----------------------------------------------------------------------------------

export interface StoredGroup {
  group: SecurityGroup;
  revision: number;
  created: string;
  /** Container IDs of every stored revision, oldest first. */
  ids: string[];
}

export function sgContainerName(tenant: string, name: string, revision: number): string {
  // `_` never appears in a service's object names (DNS labels), so these never collide.
  return `svc-sg_${name}_rev${revision}_${tenant.slice(0, 8)}`;
}

function sgFilter(tenant: string, name?: string): string[] {
  const f = [LABEL.managed, `${LABEL.tenant}=${tenant}`, `${LABEL.role}=${ROLE}`];
  if (name !== undefined) f.push(`${SG_LABEL.name}=${name}`);
  return f;
}

function groupOf(c: ContainerSummary): SecurityGroup | undefined {
  try {
    return JSON.parse(c.labels[SG_LABEL.group] ?? '') as SecurityGroup;
  } catch {
    return undefined;
  }
}

/** The tenant's groups, newest revision of each, by name. */
export async function listSecurityGroups(
  engine: Engine,
  tenant: string,
  name?: string,
): Promise<StoredGroup[]> {
  const list = await engine.listContainers(sgFilter(tenant, name));
  const byName = new Map<string, ContainerSummary[]>();
  for (const c of list) {
    const n = c.labels[SG_LABEL.name];
    if (!n || c.labels[LABEL.tenant] !== tenant) continue;
    byName.set(n, [...(byName.get(n) ?? []), c]);
  }
  const out: StoredGroup[] = [];
  for (const [, cs] of byName) {
    cs.sort((a, b) => Number(a.labels[LABEL.revision]) - Number(b.labels[LABEL.revision]));
    const newest = cs[cs.length - 1] as ContainerSummary;
    const group = groupOf(newest);
    if (!group) continue;
    out.push({
      group,
      revision: Number(newest.labels[LABEL.revision]),
      created: newest.labels[LABEL.created] ?? '',
      ids: cs.map((c) => c.id),
    });
  }
  return out.sort((a, b) => a.group.name.localeCompare(b.group.name));
}

export async function getSecurityGroup(engine: Engine, tenant: string, name: string): Promise<StoredGroup> {
  const [g] = await listSecurityGroups(engine, tenant, name);
  if (!g) throw new NotFoundError(`no such security group: ${name}`);
  return g;
}

/** Names in `names` that are not groups of the tenant: NotFoundError naming them. */
export async function requireSecurityGroups(
  engine: Engine,
  tenant: string,
  names: readonly string[] | null,
): Promise<SecurityGroup[]> {
  if (!names || names.length === 0) return [];
  const all = new Map((await listSecurityGroups(engine, tenant)).map((g) => [g.group.name, g.group]));
  const missing = names.filter((n) => !all.has(n));
  if (missing.length > 0) {
    throw new NotFoundError(
      `no such security group${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (create it with: svc sg create -f FILE NAME)`,
    );
  }
  return names.map((n) => all.get(n) as SecurityGroup);
}

async function ensureImage(engine: Engine, image: string): Promise<void> {
  if (!(await engine.imageExists(image))) await engine.pullImage(image);
}

/**
 * Store `group` as a new revision: revision 1 for `create` (an existing group is a conflict), the
 * next one for `update` (a missing group is not found). Older revisions are removed.
 */
export async function saveSecurityGroup(
  engine: Engine,
  tenant: string,
  group: SecurityGroup,
  opts: { mode: 'create' | 'update'; image: string },
): Promise<StoredGroup> {
  const [current] = await listSecurityGroups(engine, tenant, group.name);
  if (opts.mode === 'create' && current) {
    throw new ConflictError(`security group "${group.name}" already exists; change it with: svc sg update`);
  }
  if (opts.mode === 'update' && !current) {
    throw new NotFoundError(`no such security group: ${group.name} (create it with: svc sg create)`);
  }
  const revision = (current?.revision ?? 0) + 1;
  const created = rfc3339Nano();
  await ensureImage(engine, opts.image);
  try {
    await engine.createContainer({
      name: sgContainerName(tenant, group.name, revision),
      image: opts.image,
      labels: {
        [LABEL.managed]: LABEL_SCHEMA_VERSION,
        [LABEL.tenant]: tenant,
        [LABEL.role]: ROLE,
        [LABEL.revision]: String(revision),
        [LABEL.created]: created,
        [SG_LABEL.name]: group.name,
        [SG_LABEL.group]: JSON.stringify(group),
      },
      network: 'none',
      entrypoint: ['/nonexistent'],
      cmd: null,
      restartPolicy: 'no',
    });
  } catch (err) {
    if (err instanceof ConflictError) {
      throw new ConflictError(
        opts.mode === 'create'
          ? `security group "${group.name}" already exists`
          : `security group "${group.name}" is being changed by another svc command; try again`,
        { cause: err },
      );
    }
    throw err;
  }
  await Promise.all((current?.ids ?? []).map((id) => engine.removeContainer(id)));
  const [saved] = await listSecurityGroups(engine, tenant, group.name);
  if (!saved) throw new InternalError(`security group "${group.name}" vanished while it was written`);
  return saved;
}

/** Names of the tenant's services whose desired spec names group `name`. */
export async function servicesUsing(engine: Engine, tenant: string, name: string): Promise<string[]> {
  const services = await observeServices(engine, tenant);
  return services.filter((s) => desiredSpec(s)?.SecurityGroups?.includes(name)).map((s) => s.name);
}

export async function removeSecurityGroup(engine: Engine, tenant: string, name: string): Promise<void> {
  const g = await getSecurityGroup(engine, tenant, name);
  const users = await servicesUsing(engine, tenant, name);
  if (users.length > 0) {
    throw new ConflictError(
      `security group "${name}" is used by service${users.length > 1 ? 's' : ''} ${users.join(', ')}; remove it from them first`,
    );
  }
  await Promise.all(g.ids.map((id) => engine.removeContainer(id)));
}

// Enforcement -------------------------------------------------------------------------------

/** The allow file of a service with these groups (what render-config's directive reads). */
export function allowFileFor(spec: ServiceSpec, groups: readonly SecurityGroup[]): string {
  return renderAllowList(allowedSources(groups, spec.ServicePort));
}

export const ALLOW_FILE_NAME = HAPROXY_SG_ALLOW_PATH.slice(HAPROXY_DIR.length + 1);

/**
 * Rewrite the allow file of every running service of the tenant that uses one of `groupNames`
 * (or, with `service`, of that service alone) and reload its load balancer hitlessly. Returns the
 * names of the services changed.
 */
export async function applySecurityGroups(
  engine: Engine,
  tenant: string,
  target: { groupNames?: readonly string[]; service?: string },
): Promise<string[]> {
  const services = await observeServices(engine, tenant, target.service);
  const groups = new Map((await listSecurityGroups(engine, tenant)).map((g) => [g.group.name, g.group]));
  const changed: string[] = [];
  for (const s of services) {
    const spec = desiredSpec(s);
    const names = spec?.SecurityGroups ?? [];
    if (!spec || names.length === 0 || !s.lb || s.lb.state !== 'running') continue;
    if (target.groupNames && !names.some((n) => target.groupNames?.includes(n))) continue;
    const mine = names.map((n) => groups.get(n)).filter((g): g is SecurityGroup => g !== undefined);
    await engine.writeFiles(s.lb.id, HAPROXY_DIR, [
      { name: ALLOW_FILE_NAME, content: allowFileFor(spec, mine), mode: 0o644 },
    ]);
    const config = await engine.exec(s.lb.id, ['cat', HAPROXY_CONFIG_PATH]);
    if (config.exitCode !== 0)
      throw new InternalError(`cannot read the load balancer config of ${s.name}: ${config.stderr.trim()}`);
    await reloadLb(engine, s.lb.id, config.stdout);
    changed.push(s.name);
  }
  return changed;
}
