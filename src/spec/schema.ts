/**
 * The one table of service spec fields (SPEC §1): for each field of ServiceSpec its type, default,
 * rules and create flags. Validation (resolve-spec.ts), defaults, the flags with their help
 * (flags.ts) and the JSON Schema of spec files (json-schema.ts) are all derived from SCHEMA; there
 * is no other list of fields. Pure.
 */
import { isIP } from 'node:net';
import { constants as osConstants } from 'node:os';
import type { SpecIssue } from '../errors.js';
import {
  anyCase,
  body,
  CONTROL,
  caseless,
  intRange,
  type JsonSchema,
  listOrMap,
  listOrSet,
  text as textJson,
} from './json-fragments.js';
import type { PathSegment } from './parse-document.js';
import { ShellWordsError, splitShellWords } from './shell-words.js';
import { checkSslCert, normaliseSslCert } from './ssl-cert.js';
import { suggestOneOf } from './suggest.js';
import {
  ALGORITHMS,
  CONTAINER_SIZES,
  type ContainerSize,
  LABEL_PREFIX,
  PROTOCOLS,
  type ServiceSpec,
} from './types.js';

export type FieldName = keyof ServiceSpec;

/** Where one value stands (a file position or a flag), and how to report a problem with it. */
export interface Site {
  readonly source: 'file' | 'flag';
  /** Issue path: `Replicas`, `Env[2]`, `Labels.app`, or a flag such as `--replicas`. */
  readonly path: string;
  /** `file:line:col` of the value, when known. */
  readonly location: string | undefined;
  /** The scalar as written in the file (`1.10`, `0x1F`), when known. */
  sourceText(): string | undefined;
  /** The site of an item inside this value: a list index or a map key. */
  at(segment: PathSegment): Site;
  /** Reports a problem with the value (or, with part `key`, with its map key). */
  issue(message: string, part?: 'key' | 'value'): void;
}

/** One raw value to check, with its site. */
export interface Input {
  raw: unknown;
  site: Site;
}

/** Returned by a field's parse when the value broke a rule (already reported at its site). */
export const INVALID: unique symbol = Symbol('invalid');
export type Parsed<T> = T | typeof INVALID;

export interface ParseContext {
  /** Replicas 0 is allowed (only `svc scale` does this). */
  allowZeroReplicas: boolean;
  /** Accept an SSLCert whose certificate has expired (`svc create --allow-expired`). */
  allowExpired?: boolean;
}

/** One value given on the command line, as resolveSpec takes it. */
export interface FlagValue {
  /** The flag it came from, e.g. `--replicas`, `--env-file`, or `IMAGE` / `CMD` for positionals. */
  flag: string;
  /** The text as typed; `true`/`false` for switches; the file's content for --ssl-cert; a list for CMD. */
  value: string | boolean | readonly string[];
  /** Where it was read from, for values read from files (`env.list:3:1`, the --ssl-cert path). */
  location?: string;
}

/** The spec fields given on the command line. Only flags actually given appear. */
export interface FlagInput {
  /** Per field, its values in order (a list field takes one item a value; a scalar, the last). */
  fields: { [K in FieldName]?: FlagValue[] };
  /** Problems found while reading the flags (unreadable files…), reported with all the others. */
  issues?: SpecIssue[];
}

/** A create flag of a field, in commander's syntax. */
export interface FlagSpec {
  /** e.g. `-e, --env <NAME=VALUE>`. */
  flags: string;
  /** Help text; the field's help when absent. */
  help?: string;
  /** May be given several times, each value one item of the field's list or map. */
  repeatable?: boolean;
  /** The value names a file: `content` = its whole text is the value; `lines` = one item a line. */
  file?: 'content' | 'lines';
  /** A switch that also gets a (hidden) `--no-…` to turn off what a file turned on. */
  negatable?: boolean;
}

export interface FieldSchema<T> {
  /** What the field holds, for help. */
  type: string;
  /** One line of help. */
  help: string;
  required?: boolean;
  /** Value when not given (ignored when required or defaultFrom). */
  default?: T;
  /** When not given: the value of this other field. */
  defaultFrom?: FieldName;
  /** How the default reads in help, when not simply `default`. */
  defaultHelp?: string;
  /** Checks and normalises the values of one source (the file's one value, or all of a field's flags). */
  parse(inputs: readonly Input[], ctx: ParseContext): Parsed<T>;
  /** How a flag value combines with the file's; default: the flag's replaces it. */
  merge?(fromFile: T, fromFlags: T): T;
  /** Rules across fields, run on the merged spec when this field and the others it reads are valid. */
  crossCheck?(value: T, spec: Partial<ServiceSpec>, report: CrossReport): void;
  /** The create command's flags for this field. */
  flags?: readonly FlagSpec[];
  /** Name of the `svc create` positional argument that also sets this field. */
  positional?: 'IMAGE' | 'CMD';
  /** Other spellings that suggest this field when used as keys (flag names are added automatically). */
  aliases?: readonly string[];
  /**
   * The JSON Schema of the value in a file: its shape and the rules a schema can say. The rules it
   * cannot (a certificate matching its key, duplicates, …) stay in `parse` alone.
   */
  json: JsonSchema;
}

/** Reports a cross-field problem: at this field's value, or (when it was not given) at `locatedBy`'s. */
export type CrossReport = (message: string, locatedBy?: FieldName) => void;

// ---------------------------------------------------------------------------------------------
// Value checks shared by the fields

const BRIEF = 40;

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'map' : typeof v;
}

/** `string "two"`, `number 80.5`, `list ["a",1]`, `null`: a value shown briefly. */
export function describeValue(v: unknown, written?: string): string {
  const kind = kindOf(v);
  if (kind === 'null') return kind;
  const scalar = typeof v === 'number' || typeof v === 'boolean';
  let shown = scalar ? (written ?? String(v)) : (JSON.stringify(v) ?? String(v));
  if (shown.length > BRIEF) shown = `${shown.slice(0, BRIEF - 1)}…`;
  return `${kind} ${shown}`;
}

function typeError(site: Site, expected: string, raw: unknown, hint?: string): typeof INVALID {
  site.issue(`expected ${expected}, got ${describeValue(raw, site.sourceText())}${hint ? ` (${hint})` : ''}`);
  return INVALID;
}

/** Newlines, tabs and other C0/C1 control characters (they would reach HAProxy's config and docker). */
export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

function noControl(s: string, site: Site, part: 'key' | 'value' = 'value'): boolean {
  if (!hasControlChar(s)) return true;
  site.issue(`must not contain newlines or control characters, got ${describeValue(s)}`, part);
  return false;
}

function text(raw: unknown, site: Site): Parsed<string> {
  if (typeof raw !== 'string') {
    const scalar = typeof raw === 'number' || typeof raw === 'boolean';
    const written = site.sourceText() ?? String(raw);
    return typeError(site, 'string', raw, scalar ? `quote it if you mean the text: "${written}"` : undefined);
  }
  return noControl(raw, site) ? raw : INVALID;
}

function integer(raw: unknown, site: Site, min: number, max: number, unit = ''): Parsed<number> {
  let n: number;
  if (typeof raw === 'number') {
    n = raw;
  } else if (typeof raw === 'string' && site.source === 'flag' && /^[-+]?\d+$/.test(raw)) {
    n = Number(raw);
  } else {
    const quoted = typeof raw === 'string' && site.source === 'file' && /^\s*[-+]?\d+\s*$/.test(raw);
    return typeError(site, 'integer', raw, quoted ? `write ${raw.trim()} without quotes` : undefined);
  }
  if (!Number.isInteger(n)) return typeError(site, 'integer', raw);
  if (n < min || n > max) {
    site.issue(`must be between ${min} and ${max}${unit}, got ${n}`);
    return INVALID;
  }
  return n;
}

function boolean(raw: unknown, site: Site): Parsed<boolean> {
  if (typeof raw === 'boolean') return raw;
  const wordy = typeof raw === 'string' && /^(true|false|yes|no|on|off|y|n|1|0)$/i.test(raw);
  return typeError(site, 'boolean', raw, wordy ? 'write true or false, without quotes' : undefined);
}

function oneOf<T extends string>(values: readonly T[], raw: unknown, site: Site): Parsed<T> {
  if (typeof raw !== 'string') return typeError(site, `one of ${values.join(', ')}`, raw);
  const found = values.find((v) => v.toLowerCase() === raw.toLowerCase());
  if (found !== undefined) return found;
  const guess = suggestOneOf(raw, values);
  site.issue(
    `expected one of ${values.join(', ')}, got ${describeValue(raw)}${guess ? `; did you mean ${guess}?` : ''}`,
  );
  return INVALID;
}

/** The last value given wins (a file gives one; flags may repeat). */
function scalar<T>(check: (raw: unknown, site: Site, ctx: ParseContext) => Parsed<T>) {
  return (inputs: readonly Input[], ctx: ParseContext): Parsed<T> => {
    const last = inputs[inputs.length - 1];
    return last ? check(last.raw, last.site, ctx) : INVALID;
  };
}

/** Like `text`, then a rule on the string. */
function rule(check: (s: string, site: Site) => Parsed<string>) {
  return scalar((raw, site) => {
    const s = text(raw, site);
    return s === INVALID ? INVALID : check(s, site);
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The items of a list field: a file gives one list (or null = unset); each flag value is one item
 * (a positional such as CMD… gives a list). INVALID when the file's value is not a list.
 */
/**
 * The items of a list field. With `keyed`, a map stands for the list of its keys, each with the
 * value `{}` (or null): the original API's `map[string]struct{}` (`{"data:/d": {}}`). Problems
 * with such an item are reported at its key.
 */
function listItems(
  inputs: readonly Input[],
  expected: string,
  keyed = false,
): Input[] | null | typeof INVALID {
  const items: Input[] = [];
  for (const { raw, site } of inputs) {
    if (site.source === 'flag' && !Array.isArray(raw)) {
      items.push({ raw, site });
    } else if (Array.isArray(raw)) {
      raw.forEach((item: unknown, i) => {
        items.push({ raw: item, site: site.at(i) });
      });
    } else if (keyed && isPlainObject(raw)) {
      const keys = keyedItems(raw, site);
      if (keys === INVALID) return INVALID;
      items.push(...keys);
    } else if (raw === null) {
      if (inputs.length === 1) return null;
    } else {
      return typeError(site, expected, raw);
    }
  }
  return items;
}

/** The keys of a `map[string]struct{}` as list items; every value must be `{}` or null. */
function keyedItems(raw: Record<string, unknown>, site: Site): Input[] | typeof INVALID {
  const items: Input[] = [];
  let ok = true;
  for (const [key, value] of Object.entries(raw)) {
    const at = site.at(key);
    const keySite: Site = { ...at, issue: (message, part = 'key') => at.issue(message, part) };
    if (value === null || (isPlainObject(value) && Object.keys(value).length === 0))
      items.push({ raw: key, site: keySite });
    else {
      at.issue(
        `expected {} as the value of ${JSON.stringify(key)} (the key is the entry), got ${describeValue(value)}`,
      );
      ok = false;
    }
  }
  return ok ? items : INVALID;
}

// Name, SecurityGroups ------------------------------------------------------------------------

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function dnsLabel(s: string, site: Site): Parsed<string> {
  if (DNS_LABEL.test(s)) return s;
  const hint =
    s !== s.toLowerCase() && DNS_LABEL.test(s.toLowerCase()) ? `; use lowercase: "${s.toLowerCase()}"` : '';
  site.issue(
    `must be a DNS label: 1–63 lowercase letters, digits and '-', starting and ending with a letter or digit; got ${describeValue(s)}${hint}`,
  );
  return INVALID;
}

/** A security group's name (here and in `svc sg`): letters, digits, - _ ., at most 63, alphanumeric at both ends. */
export const SECURITY_GROUP_NAME = /^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/;

// Image -------------------------------------------------------------------------------------

/** Docker's reference grammar (distribution/reference): domain[:port]/path[:tag][@sha256:hex]. */
const IMAGE_REF = (() => {
  const alnum = '[a-z0-9]+';
  const pathComponent = `${alnum}(?:(?:[._]|__|-+)${alnum})*`;
  const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
  const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`;
  const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;
  return new RegExp(`^(${name})(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);
})();

/** True when `s` is a valid docker image reference. */
export function isImageReference(s: string): boolean {
  if (s.length > 512) return false;
  const m = IMAGE_REF.exec(s);
  return m !== null && (m[1]?.length ?? 0) <= 255;
}

function imageReference(s: string, site: Site): Parsed<string> {
  if (isImageReference(s)) return s;
  let hint = '';
  if (s === '') hint = '';
  else if (isImageReference(s.toLowerCase())) hint = '; repository names must be lowercase';
  else if (s.includes('@') && !/@sha256:[a-f0-9]{64}$/.test(s))
    hint = '; a digest is @sha256: and 64 lowercase hex digits';
  site.issue(
    `expected an image reference such as nginx, nginx:1.27 or registry.example.com:5000/team/app:tag, got ${describeValue(s)}${hint}`,
  );
  return INVALID;
}

// StopSignal --------------------------------------------------------------------------------

const SIGNAL_NAMES = Object.keys(osConstants.signals);

function stopSignal(raw: unknown, site: Site): Parsed<string> {
  let s: string;
  if (typeof raw === 'number' && Number.isInteger(raw)) {
    s = String(raw);
  } else {
    const t = text(raw, site);
    if (t === INVALID) return INVALID;
    s = t;
  }
  if (s === '') return '';
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return String(n);
    site.issue(`a signal number must be between 1 and 64, got ${s}`);
    return INVALID;
  }
  const upper = s.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (SIGNAL_NAMES.includes(name)) return name;
  const guess = suggestOneOf(name, SIGNAL_NAMES);
  site.issue(
    `expected a signal name such as SIGTERM or SIGINT, or a number 1–64, got ${describeValue(raw)}${guess ? `; did you mean ${guess}?` : ''}`,
  );
  return INVALID;
}

// Entrypoint, Cmd ---------------------------------------------------------------------------

/**
 * A command: a string (split like a POSIX shell would) or a list of strings. Unset or empty →
 * null. With `clearable`, an explicitly empty string gives [""], docker's "no entrypoint at all".
 */
function command(clearable: boolean) {
  return scalar((raw, site): Parsed<string[] | null> => {
    if (raw === null) return null;
    if (typeof raw === 'string') {
      if (raw === '' && clearable) return [''];
      let words: string[];
      try {
        words = splitShellWords(raw);
      } catch (e) {
        if (!(e instanceof ShellWordsError)) throw e;
        site.issue(`cannot split ${describeValue(raw)} into words: ${e.message}`);
        return INVALID;
      }
      if (!words.every((w) => noControl(w, site))) return INVALID;
      return words.length > 0 ? words : null;
    }
    if (Array.isArray(raw)) {
      let ok = true;
      const words: string[] = [];
      raw.forEach((item: unknown, i) => {
        const w = text(item, site.at(i));
        if (w === INVALID) ok = false;
        else words.push(w);
      });
      if (!ok) return INVALID;
      return words.length > 0 ? words : null;
    }
    return typeError(site, 'string or list of strings', raw);
  });
}

/** Entrypoint and Cmd in a file: a string (split like a shell), a list of strings, or null. */
const COMMAND_JSON: JsonSchema = { type: ['string', 'array', 'null'], items: textJson() };

// Env, Labels -------------------------------------------------------------------------------

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface KeyedItem {
  key: string;
  value: string;
  site: Site;
}

/**
 * The entries of a map-or-list field (Env, Labels): a file gives a map `{K: v}` or a list
 * `["K=v"]`; each flag value is one `K=v`. `bareKey`: a list item without `=` means an empty value.
 * Keys are checked with `checkKey`; a key repeated in a file is an error, in flags the last wins.
 */
function keyedEntries(
  inputs: readonly Input[],
  what: { noun: string; expected: string; bareKey: boolean },
  checkKey: (key: string, site: Site, part: 'key' | 'value') => boolean,
): Map<string, string> | typeof INVALID {
  const entries: KeyedItem[] = [];
  let ok = true;
  const fromText = (raw: unknown, site: Site, part: 'key' | 'value'): void => {
    const s = text(raw, site);
    if (s === INVALID) {
      ok = false;
      return;
    }
    const eq = s.indexOf('=');
    if (eq < 0 && !what.bareKey) {
      site.issue(`expected ${what.noun}=value, got ${describeValue(s)}`);
      ok = false;
      return;
    }
    const key = eq < 0 ? s : s.slice(0, eq);
    if (!checkKey(key, site, part)) {
      ok = false;
      return;
    }
    entries.push({ key, value: eq < 0 ? '' : s.slice(eq + 1), site });
  };
  for (const { raw, site } of inputs) {
    if (site.source === 'flag') {
      fromText(raw, site, 'value');
    } else if (raw === null) {
      // unset
    } else if (Array.isArray(raw)) {
      raw.forEach((item: unknown, i) => {
        fromText(item, site.at(i), 'value');
      });
    } else if (isPlainObject(raw)) {
      for (const [key, value] of Object.entries(raw)) {
        const itemSite = site.at(key);
        if (!checkKey(key, itemSite, 'key')) {
          ok = false;
          continue;
        }
        let v: string | typeof INVALID;
        if (typeof value === 'number' || typeof value === 'boolean')
          v = itemSite.sourceText() ?? String(value);
        else if (typeof value === 'string') v = text(value, itemSite);
        else
          v = typeError(
            itemSite,
            'string, number or boolean',
            value,
            value === null ? 'write "" for an empty value' : undefined,
          );
        if (v === INVALID) ok = false;
        else entries.push({ key, value: v, site: itemSite });
      }
    } else {
      ok = false;
      typeError(site, what.expected, raw);
    }
  }
  const result = new Map<string, string>();
  const firstSite = new Map<string, Site>();
  for (const { key, value, site } of entries) {
    const first = firstSite.get(key);
    if (first && site.source === 'file') {
      site.issue(`duplicate ${what.noun} ${JSON.stringify(key)}, also at ${first.path}`);
      ok = false;
    }
    if (!first) firstSite.set(key, site);
    result.set(key, value);
  }
  return ok ? result : INVALID;
}

/** A label key, for the JSON Schema: no blanks or control characters (nor `extra`), not reserved. */
function labelKeyPattern(extra: string): string {
  return `(?!${caseless(LABEL_PREFIX)})[^\\s${extra}${CONTROL}]+`;
}

function envName(name: string, site: Site, part: 'key' | 'value'): boolean {
  if (ENV_NAME.test(name)) return true;
  site.issue(
    `invalid variable name ${JSON.stringify(name)}: letters, digits and _, not starting with a digit`,
    part,
  );
  return false;
}

function labelKey(key: string, site: Site, part: 'key' | 'value'): boolean {
  if (key === '') site.issue('label keys must not be empty', part);
  else if (/\s/.test(key) || hasControlChar(key)) {
    site.issue(`label key ${JSON.stringify(key)} must not contain whitespace or control characters`, part);
  } else if (key.toLowerCase().startsWith(LABEL_PREFIX)) {
    site.issue(`label keys starting with ${LABEL_PREFIX} are reserved for svc's own labels`, part);
  } else return true;
  return false;
}

const envList = (m: Map<string, string>): string[] | null =>
  m.size > 0 ? [...m].map(([k, v]) => `${k}=${v}`) : null;

function envMap(list: readonly string[] | null): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    m.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  return m;
}

// Volumes -----------------------------------------------------------------------------------

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** A volume item for the JSON Schema: SOURCE:/container/path[:ro|:rw] (the rest of the rules: volumes()). */
const VOLUME_PATTERN = `^(?:${body(VOLUME_NAME)}|/[^:${CONTROL}]*):/[^:${CONTROL}]+(?::(?:ro|rw))?$`;

function volumes(inputs: readonly Input[]): Parsed<string[] | null> {
  const items = listItems(
    inputs,
    'list of "source:/container/path[:ro]" strings, or a map of them to {}',
    true,
  );
  if (items === INVALID || items === null) return items;
  let ok = true;
  const targets = new Map<string, string>();
  const out: string[] = [];
  for (const { raw, site } of items) {
    const s = text(raw, site);
    if (s === INVALID) {
      ok = false;
      continue;
    }
    const parts = s.split(':');
    const [source = '', target = '', mode] = parts;
    const problem =
      parts.length < 2 || parts.length > 3
        ? 'expected SOURCE:/container/path or SOURCE:/container/path:ro'
        : !(VOLUME_NAME.test(source) || source.startsWith('/'))
          ? `source ${JSON.stringify(source)} must be a volume name (letters, digits, _ . -; at least 2 characters) or an absolute host path`
          : !target.startsWith('/') || target === '/'
            ? `container path ${JSON.stringify(target)} must be an absolute path other than /`
            : mode !== undefined && mode !== 'ro' && mode !== 'rw'
              ? `mode ${JSON.stringify(mode)} must be ro or rw`
              : undefined;
    if (problem) {
      site.issue(`${problem}, got ${describeValue(s)}`);
      ok = false;
      continue;
    }
    const other = targets.get(target);
    if (other !== undefined) {
      site.issue(`container path ${target} is already mounted by ${other}`);
      ok = false;
      continue;
    }
    targets.set(target, site.path);
    out.push(s);
  }
  if (!ok) return INVALID;
  return out.length > 0 ? out : null;
}

// SecurityGroups ----------------------------------------------------------------------------

function securityGroups(inputs: readonly Input[]): Parsed<string[] | null> {
  const items = listItems(inputs, 'list of security group names, or a map of them to {}', true);
  if (items === INVALID || items === null) return items;
  let ok = true;
  const out: string[] = [];
  for (const { raw, site } of items) {
    const s = text(raw, site);
    if (s === INVALID) ok = false;
    else if (!SECURITY_GROUP_NAME.test(s)) {
      site.issue(
        `expected a security group name (letters, digits, - _ ., at most 63 characters, starting and ending with a letter or digit), got ${describeValue(s)}`,
      );
      ok = false;
    } else if (out.includes(s)) {
      site.issue(`security group ${JSON.stringify(s)} is listed twice`);
      ok = false;
    } else out.push(s);
  }
  if (!ok) return INVALID;
  return out.length > 0 ? out : null;
}

// ---------------------------------------------------------------------------------------------
// The table

/** A whole number from `min` to `max`: its check and its JSON Schema, from the one range. */
function wholeNumber(min: number, max: number, unit = '') {
  return { parse: scalar((raw, site) => integer(raw, site, min, max, unit)), json: intRange(min, max) };
}

/** One of `values`, matched case-insensitively: its check and its JSON Schema. */
function oneOfValues<T extends string>(values: readonly T[]) {
  return { parse: scalar((raw, site) => oneOf(values, raw, site)), json: anyCase(values) };
}

const SIZES = Object.keys(CONTAINER_SIZES) as ContainerSize[];
const list = (values: readonly string[]) => values.join(', ');

type Schema = { readonly [K in FieldName]: FieldSchema<ServiceSpec[K]> };

/** Every ServiceSpec field, in the seed's order. */
export const SCHEMA: Schema = {
  Name: {
    type: 'string',
    help: 'service name: a DNS label (lowercase letters, digits and -)',
    required: true,
    parse: rule(dnsLabel),
    json: textJson(DNS_LABEL.source),
    flags: [{ flags: '--name <name>' }],
  },
  Image: {
    type: 'string',
    help: 'image of the replicas, e.g. nginx:1.27',
    required: true,
    parse: rule(imageReference),
    json: { type: 'string', maxLength: 512, pattern: IMAGE_REF.source },
    flags: [{ flags: '--image <image>', help: 'image of the replicas (or give it as IMAGE)' }],
    positional: 'IMAGE',
  },
  WorkingDir: {
    type: 'string',
    help: 'working directory inside the replicas (absolute path)',
    default: '',
    defaultHelp: "the image's",
    parse: rule((s, site) => {
      if (s === '' || s.startsWith('/')) return s;
      site.issue(`must be an absolute path (starting with /), got ${describeValue(s)}`);
      return INVALID;
    }),
    flags: [{ flags: '-w, --workdir <dir>' }],
    json: textJson(`^(?:/[^${CONTROL}]*)?$`),
    aliases: ['workdir', 'working_dir'],
  },
  ContainerSize: {
    type: 'enum',
    help: `size of each replica: ${SIZES.map((s) => `${s} (${CONTAINER_SIZES[s].cpus} CPU, ${CONTAINER_SIZES[s].memoryMiB} MiB)`).join(', ')}`,
    default: 's4',
    ...oneOfValues(SIZES),
    flags: [{ flags: '--size <size>', help: `size of each replica: ${list(SIZES)}` }],
  },
  SSLCert: {
    type: 'PEM text',
    help: 'certificate (chain) and its private key as PEM text; only and required with protocol httpsTerm',
    default: '',
    parse: scalar((raw, site, ctx) => {
      // Never show the value: it holds a private key.
      if (typeof raw !== 'string') {
        site.issue(`expected PEM text, got ${kindOf(raw)}`);
        return INVALID;
      }
      if (raw.trim() === '') return '';
      const problems = checkSslCert(raw, { allowExpired: ctx.allowExpired ?? false });
      for (const p of problems) site.issue(p);
      return problems.length > 0 ? INVALID : normaliseSslCert(raw);
    }),
    json: { type: 'string' },
    crossCheck(value, spec, report) {
      if (spec.Protocol === undefined) return;
      if (spec.Protocol === 'httpsTerm' && value === '') {
        report(
          'required with Protocol httpsTerm: a certificate and its private key as PEM (--ssl-cert FILE)',
          'Protocol',
        );
      } else if (spec.Protocol !== 'httpsTerm' && value !== '') {
        report(
          `only used with Protocol httpsTerm (Protocol is ${spec.Protocol}); remove it or change the protocol`,
        );
      }
    },
    flags: [
      {
        flags: '--ssl-cert <file>',
        help: 'PEM file with the certificate (chain) and its private key, for protocol httpsTerm',
        file: 'content',
      },
    ],
  },
  NetMode: {
    type: 'string',
    help: 'network mode; only bridge',
    default: '',
    parse: rule((s, site) => {
      if (s === '' || s.toLowerCase() === 'bridge') return s.toLowerCase();
      site.issue(`only bridge is supported (or "" for the default), got ${describeValue(s)}`);
      return INVALID;
    }),
    json: anyCase(['', 'bridge']),
  },
  StopSignal: {
    type: 'string',
    help: 'signal that stops a replica: a name such as SIGTERM or a number',
    default: '',
    defaultHelp: "the image's, usually SIGTERM",
    parse: scalar(stopSignal),
    json: {
      type: ['string', 'integer'],
      pattern: '^(?:|[1-9]|[1-5][0-9]|6[0-4]|[A-Za-z][A-Za-z0-9+]*)$',
      minimum: 1,
      maximum: 64,
    },
    flags: [{ flags: '--stop-signal <signal>' }],
  },
  ServicePort: {
    type: 'int',
    help: 'port the load balancer serves the service on (1–65535)',
    required: true,
    ...wholeNumber(1, 65535),
    flags: [{ flags: '--service-port <port>' }],
  },
  ContainerPort: {
    type: 'int',
    help: 'port the replicas listen on (1–65535)',
    defaultFrom: 'ServicePort',
    defaultHelp: 'the service port',
    ...wholeNumber(1, 65535),
    flags: [{ flags: '--container-port <port>' }],
  },
  Replicas: {
    type: 'int',
    help: 'number of replica containers (1–1000)',
    default: 1,
    parse: scalar((raw, site, ctx) => {
      const n = integer(raw, site, 0, 1000);
      if (n === 0 && !ctx.allowZeroReplicas) {
        site.issue('must be between 1 and 1000 at create, got 0 (0 replicas is only for `svc scale NAME=0`)');
        return INVALID;
      }
      return n;
    }),
    json: intRange(1, 1000),
    flags: [{ flags: '--replicas <n>' }],
  },
  HealthCheckInterval: {
    type: 'int',
    help: 'seconds between two health checks of a replica (1–3600)',
    default: 5,
    ...wholeNumber(1, 3600, ' seconds'),
    flags: [{ flags: '--health-check-interval <seconds>' }],
  },
  HealthCheckFall: {
    type: 'int',
    help: 'consecutive failed health checks before a replica is taken out (1–100)',
    default: 3,
    ...wholeNumber(1, 100),
    flags: [{ flags: '--health-check-fall <n>' }],
  },
  HealthCheckRise: {
    type: 'int',
    help: 'consecutive passing health checks before a replica is put back (1–100)',
    default: 2,
    ...wholeNumber(1, 100),
    flags: [{ flags: '--health-check-rise <n>' }],
  },
  Algorithm: {
    type: 'enum',
    help: `load-balancing algorithm: ${list(ALGORITHMS)}`,
    default: 'roundrobin',
    ...oneOfValues(ALGORITHMS),
    flags: [{ flags: '--algorithm <algorithm>' }],
  },
  Protocol: {
    type: 'enum',
    help: `protocol: ${list(PROTOCOLS)} (https passes TLS through; httpsTerm terminates it with the SSL certificate)`,
    default: 'tcp',
    ...oneOfValues(PROTOCOLS),
    flags: [{ flags: '--protocol <protocol>' }],
  },
  Stdin: {
    type: 'bool',
    help: 'keep STDIN open in the replicas',
    default: false,
    parse: scalar(boolean),
    json: { type: 'boolean' },
    flags: [{ flags: '-i, --interactive', negatable: true }],
  },
  Tty: {
    type: 'bool',
    help: 'allocate a pseudo-TTY in the replicas',
    default: false,
    parse: scalar(boolean),
    json: { type: 'boolean' },
    flags: [{ flags: '-t, --tty', negatable: true }],
  },
  SessionAffinity: {
    type: 'bool',
    help: 'sticky sessions: a cookie in http modes, the client address in tcp modes',
    default: false,
    parse: scalar(boolean),
    json: { type: 'boolean' },
    flags: [{ flags: '--session-affinity', negatable: true }],
  },
  Entrypoint: {
    type: 'string or string list',
    help: 'entrypoint of the replicas, overriding the image\'s (a string is split like a shell; "" clears it)',
    default: null,
    parse: command(true),
    json: COMMAND_JSON,
    flags: [{ flags: '--entrypoint <command>' }],
  },
  Cmd: {
    type: 'string or string list',
    help: "command of the replicas, overriding the image's (a string is split like a shell)",
    default: null,
    parse: command(false),
    json: COMMAND_JSON,
    positional: 'CMD',
    aliases: ['command'],
  },
  Env: {
    type: 'list of NAME=value, or map',
    help: 'environment variables of the replicas',
    default: null,
    parse: (inputs) => {
      const m = keyedEntries(
        inputs,
        { noun: 'NAME', expected: 'list of "NAME=value" strings or a map of NAME: value', bareKey: false },
        envName,
      );
      return m === INVALID ? INVALID : envList(m);
    },
    json: listOrMap(`^${body(ENV_NAME)}=[^${CONTROL}]*$`, ENV_NAME.source),
    merge: (fromFile, fromFlags) => envList(new Map([...envMap(fromFile), ...envMap(fromFlags)])),
    flags: [
      {
        flags: '-e, --env <NAME=VALUE>',
        help: 'set an environment variable in the replicas (NAME alone: its value here)',
        repeatable: true,
      },
      {
        flags: '--env-file <file>',
        help: 'read NAME=VALUE lines (# comments) from a file',
        repeatable: true,
        file: 'lines',
      },
    ],
    aliases: ['environment'],
  },
  Volumes: {
    type: 'list of source:/path[:ro], or map of them to {}',
    help: 'mount a named volume (created if absent) or an absolute host path at an absolute container path; :ro for read-only',
    default: null,
    parse: volumes,
    flags: [{ flags: '-v, --volume <source:/path[:ro]>', repeatable: true }],
    json: listOrSet(VOLUME_PATTERN),
  },
  Labels: {
    type: 'map or list of key=value',
    help: `labels of the replicas (keys starting with ${LABEL_PREFIX} are reserved)`,
    default: {},
    parse: (inputs) => {
      const m = keyedEntries(
        inputs,
        { noun: 'key', expected: 'map of key: value or list of "key=value" strings', bareKey: true },
        labelKey,
      );
      return m === INVALID ? INVALID : Object.fromEntries(m);
    },
    json: listOrMap(`^${labelKeyPattern('=')}(?:=[^${CONTROL}]*)?$`, `^${labelKeyPattern('')}$`),
    merge: (fromFile, fromFlags) => ({ ...fromFile, ...fromFlags }),
    flags: [
      { flags: '-l, --label <key=value>', help: 'set a label on the replicas', repeatable: true },
      {
        flags: '--label-file <file>',
        help: 'read key=value lines (# comments) from a file',
        repeatable: true,
        file: 'lines',
      },
    ],
  },
  SecurityGroups: {
    type: 'string list, or map of them to {}',
    help: 'security group of the replicas',
    default: null,
    parse: securityGroups,
    flags: [{ flags: '--sg <group>', repeatable: true }],
    json: listOrSet(SECURITY_GROUP_NAME.source),
  },
  FIP: {
    type: 'string',
    help: 'host address to publish the service port on, e.g. 127.0.0.1 or 0.0.0.0',
    default: '',
    defaultHelp: 'not published',
    parse: rule((s, site) => {
      if (s === '' || isIP(s) !== 0) return s;
      site.issue(`expected an IPv4 or IPv6 address such as 127.0.0.1, got ${describeValue(s)}`);
      return INVALID;
    }),
    json: { type: 'string', anyOf: [{ maxLength: 0 }, { format: 'ipv4' }, { format: 'ipv6' }] },
    flags: [{ flags: '--fip <address>' }],
  },
};

/** The field names in the seed's order. */
export const FIELD_NAMES = Object.keys(SCHEMA) as FieldName[];

/** A field's schema, typed loosely for code that walks all fields. */
export function fieldSchema(name: FieldName): FieldSchema<unknown> {
  return SCHEMA[name] as unknown as FieldSchema<unknown>;
}

/** The field a file key names (case-insensitively), if any. */
export function fieldForKey(key: string): FieldName | undefined {
  const lower = key.toLowerCase();
  return FIELD_NAMES.find((n) => n.toLowerCase() === lower);
}

/** Spellings that suggest each field for a misspelt key: its name, aliases, flag names, positional. */
export function fieldSpellings(): [spelling: string, field: FieldName][] {
  return FIELD_NAMES.flatMap((name) => {
    const f = fieldSchema(name);
    const longFlags = (f.flags ?? []).flatMap((fl) => /--([a-z][-a-z]*)/.exec(fl.flags)?.slice(1) ?? []);
    return [name, ...(f.aliases ?? []), ...longFlags].map((s) => [s, name] as [string, FieldName]);
  });
}
