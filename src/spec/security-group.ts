/**
 * A security group file, validated and normalised into the model (src/model/security-group.ts):
 * every problem with its place in the document, at once. Pure.
 */
import { SpecError, type SpecIssue } from '../errors.js';
import { normaliseCidr } from '../model/cidr.js';
import {
  DIRECTIONS,
  type Direction,
  RULE_PROTOCOLS,
  type RuleProtocol,
  type SecurityGroup,
  type SecurityGroupRule,
} from '../model/security-group.js';
import { SECURITY_GROUP_NAME } from './field-rules.js';
import type { ParsedSpec } from './parse-document.js';
import { suggestOneOf } from './suggest.js';

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

type Path = (string | number)[];
type Entry = { key: string; value: unknown };
/** Reports a problem at a place in the document (its value, or with part `key` its key). */
type Report = (path: Path, message: string, part?: 'key' | 'value') => void;

const GROUP_NAME_RULE =
  'expected a group name (letters, digits, - _ ., at most 63, starting and ending with a letter or digit)';

function reporter(doc: ParsedSpec, issues: SpecIssue[]): Report {
  return (path, message, part = 'value') => {
    const location = doc.locate(path, part);
    const p = path
      .map((s) => (typeof s === 'number' ? `[${s}]` : s))
      .join('.')
      .replace(/\.\[/g, '[');
    issues.push(location ? { path: p, message, location } : { path: p, message });
  };
}

/** The entries whose keys are `known` (case-insensitively), by lowercase key; the others reported. */
function knownFields(
  entries: Iterable<Entry>,
  known: readonly string[],
  pathOf: (key: string) => Path,
  report: Report,
): Map<string, Entry> {
  const fields = new Map<string, Entry>();
  for (const e of entries) {
    const k = e.key.toLowerCase();
    if (!known.includes(k)) {
      const guess = suggestOneOf(e.key, known);
      report(pathOf(e.key), guess ? `unknown field; did you mean ${guess}?` : 'unknown field', 'key');
    } else fields.set(k, e);
  }
  return fields;
}

/** `name:` and the command line's NAME: they must agree; one of them is required. */
function groupName(
  entry: Entry | undefined,
  nameArg: string | undefined,
  report: Report,
  issues: SpecIssue[],
): string {
  let name = '';
  if (entry !== undefined) {
    if (typeof entry.value !== 'string' || !SG_NAME.test(entry.value)) {
      report([entry.key], `${GROUP_NAME_RULE}, got ${describe(entry.value)}`);
    } else name = entry.value;
  }
  if (nameArg !== undefined) {
    if (!SG_NAME.test(nameArg)) {
      issues.push({ path: 'NAME', message: `${GROUP_NAME_RULE}, got ${describe(nameArg)}` });
    } else if (name && name !== nameArg) {
      report([entry?.key ?? 'name'], `the file names group "${name}" but the command line says "${nameArg}"`);
    } else name = nameArg;
  }
  if (!name && entry === undefined && nameArg === undefined) {
    issues.push({ path: 'name', message: 'required: give name: in the file or NAME on the command line' });
  }
  return name;
}

function groupDescription(entry: Entry | undefined, report: Report): string {
  if (entry === undefined || entry.value === null) return '';
  const { key, value } = entry;
  if (
    typeof value !== 'string' ||
    value.length > MAX_DESCRIPTION ||
    /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(value)
  ) {
    report([key], `expected one line of text, at most ${MAX_DESCRIPTION} characters, got ${describe(value)}`);
    return '';
  }
  return value;
}

function groupRules(entry: Entry | undefined, report: Report): SecurityGroupRule[] {
  const key = entry?.key ?? 'rules';
  const list = entry === undefined || entry.value === null ? [] : entry.value;
  if (!Array.isArray(list)) {
    report([key], `expected a list of rules, got ${describe(list)}`);
    return [];
  }
  if (list.length > MAX_RULES) {
    report([key], `at most ${MAX_RULES} rules`);
    return [];
  }
  return list.flatMap((raw: unknown, i) => parseRule(raw, [key, i], report) ?? []);
}

/** One rule's known fields; `bad` reports a problem at a field and marks the rule invalid. */
function ruleFields(raw: Record<string, unknown>, at: Path, report: Report) {
  const entries = Object.entries(raw).map(([key, value]) => ({ key, value }));
  const fields = knownFields(entries, RULE_KEYS, (key) => [...at, key], report);
  const f = {
    ok: true,
    has: (k: string) => fields.has(k),
    value: (k: string): unknown => fields.get(k)?.value,
    bad(k: string, message: string) {
      f.ok = false;
      report([...at, fields.get(k)?.key ?? k], message);
    },
  };
  return f;
}
type RuleFields = ReturnType<typeof ruleFields>;

function parseRule(raw: unknown, at: Path, report: Report): SecurityGroupRule | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report(at, `expected a rule (a map with direction, protocol, …), got ${describe(raw)}`);
    return undefined;
  }
  const f = ruleFields(raw as Record<string, unknown>, at, report);
  const direction = ruleDirection(f);
  const protocol = ruleProtocol(f);
  const [min, max] = rulePorts(f, protocol);
  const remote = ruleRemote(f);
  if (!f.ok) return undefined;
  return {
    direction: direction as Direction,
    protocol: protocol as RuleProtocol,
    port_range_min: min,
    port_range_max: max,
    ...remote,
  };
}

function ruleDirection(f: RuleFields): Direction | undefined {
  const dir = f.value('direction');
  if (dir === undefined) f.bad('direction', 'required: ingress or egress');
  else if (typeof dir !== 'string' || !(DIRECTIONS as readonly string[]).includes(dir.toLowerCase()))
    f.bad('direction', `expected ingress or egress, got ${describe(dir)}`);
  else return dir.toLowerCase() as Direction;
  return undefined;
}

function ruleProtocol(f: RuleFields): RuleProtocol | undefined {
  const raw = f.value('protocol') ?? '';
  const proto = typeof raw === 'string' ? raw.toLowerCase() : raw;
  if (typeof proto === 'string' && (RULE_PROTOCOLS as readonly string[]).includes(proto))
    return proto as RuleProtocol;
  f.bad('protocol', `expected tcp, udp, icmp or "" (any), got ${describe(raw)}`);
  return undefined;
}

/** The port range: one end given stands for both; none = every port (and icmp has none). */
function rulePorts(f: RuleFields, protocol: RuleProtocol | undefined): [number | null, number | null] {
  const port = (k: string): number | null => {
    const v = f.value(k);
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
      f.bad(k, `expected a port 1–65535, got ${describe(v)}`);
      return null;
    }
    return v;
  };
  let min = port('port_range_min');
  let max = port('port_range_max');
  if (min !== null && max === null) max = min;
  if (max !== null && min === null) min = max;
  if (min !== null && max !== null && min > max)
    f.bad('port_range_max', `port_range_max ${max} is below port_range_min ${min}`);
  if (protocol === 'icmp' && (f.has('port_range_min') || f.has('port_range_max')))
    f.bad('protocol', 'icmp has no ports; remove port_range_min/port_range_max');
  return [min, max];
}

/** Who the rule admits: a CIDR (normalised), another group's members, or (neither) anyone. */
function ruleRemote(f: RuleFields): Pick<SecurityGroupRule, 'remote_ip_prefix' | 'remote_group_name'> {
  const given = (v: unknown) => v !== undefined && v !== null && v !== '';
  const prefixRaw = f.value('remote_ip_prefix');
  const groupRaw = f.value('remote_group_name');
  let prefix = '';
  let group = '';
  if (given(prefixRaw)) {
    const n = typeof prefixRaw === 'string' ? normaliseCidr(prefixRaw) : undefined;
    if (n === undefined) f.bad('remote_ip_prefix', `expected a CIDR prefix, got ${describe(prefixRaw)}`);
    else if ('error' in n) f.bad('remote_ip_prefix', `${n.error} (got ${describe(prefixRaw)})`);
    else prefix = n.cidr;
  }
  if (given(groupRaw)) {
    if (typeof groupRaw !== 'string' || !SG_NAME.test(groupRaw))
      f.bad('remote_group_name', `expected a group name, got ${describe(groupRaw)}`);
    else group = groupRaw;
  }
  if (prefix && group) f.bad('remote_group_name', 'give remote_ip_prefix or remote_group_name, not both');
  return { remote_ip_prefix: prefix, remote_group_name: group };
}

/**
 * The group a document describes, validated and normalised, or a SpecError with every problem
 * (`file:line:col` each). `nameArg` (the command line's NAME) wins over `name:` when they agree,
 * and is an error when they don't.
 */
export function parseSecurityGroup(doc: ParsedSpec, nameArg?: string): SecurityGroup {
  const issues: SpecIssue[] = [];
  const report = reporter(doc, issues);
  const top = knownFields(doc.entries, TOP_KEYS, (key) => [key], report);
  const name = groupName(top.get('name'), nameArg, report, issues);
  const description = groupDescription(top.get('description'), report);
  const rules = groupRules(top.get('rules'), report);
  if (issues.length > 0) throw new SecurityGroupError(issues);
  return { name, description, rules };
}
