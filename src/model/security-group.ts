/**
 * Security groups (SPEC §3, the original's model): named rule sets, validated and normalised
 * here (pure); stored and enforced by src/core/security-groups.ts.
 *
 * - **Enforced** at the load balancer: a service naming groups gets
 *   `tcp-request connection reject unless { src -f security-groups.allow }` in its frontend
 *   (render-config.ts) and the allow file lists the `remote_ip_prefix` of every ingress rule of
 *   its groups that admits TCP on its ServicePort ({@link allowedSources}). No group = open;
 *   groups with no such rule = closed.
 * - **Not enforced**: egress rules (validated and stored; replicas reach anything), and
 *   `remote_group_name` rules (stored; they admit no source).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { SpecError, type SpecIssue } from '../errors.js';
import { isCidr } from '../haproxy/check-input.js';
import type { ParsedSpec } from '../spec/parse-document.js';
import { SECURITY_GROUP_NAME } from '../spec/schema.js';
import { suggestOneOf } from '../spec/suggest.js';

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

/** The one rule for a group's name: the spec's SecurityGroups entries follow it too. */
export const SG_NAME = SECURITY_GROUP_NAME;
const MAX_DESCRIPTION = 255;
const MAX_RULES = 1000;

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
        `expected a group name (letters, digits, - _ ., at most 63, starting and ending with a letter or digit), got ${describe(nameEntry.value)}`,
      );
    } else name = nameEntry.value;
  }
  if (nameArg !== undefined) {
    if (!SG_NAME.test(nameArg)) {
      issues.push({
        path: 'NAME',
        message: `expected a group name (letters, digits, - _ ., at most 63, starting and ending with a letter or digit), got ${describe(nameArg)}`,
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
