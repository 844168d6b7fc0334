/**
 * The rules of the list and map fields (schema.ts names them in its table): commands, environment
 * variables, labels, volumes, security groups. Pure.
 */

import { SECURITY_GROUP_NAME } from './field-rules.js';
import { INVALID, type Input, type Parsed, type Site } from './field-schema.js';
import {
  body,
  CONTROL,
  caseless,
  type JsonSchema,
  listOrMap,
  listOrSet,
  text as textJson,
} from './json-fragments.js';
import { ShellWordsError, splitShellWords } from './shell-words.js';
import { LABEL_PREFIX } from './types.js';
import {
  describeValue,
  hasControlChar,
  keyedEntries,
  listItems,
  noControl,
  scalar,
  text,
  typeError,
} from './value-checks.js';

// Entrypoint, Cmd ---------------------------------------------------------------------------

/**
 * A command: a string (split like a POSIX shell would) or a list of strings. Unset or empty →
 * null. With `clearable`, an explicitly empty string gives [""], docker's "no entrypoint at all".
 */
export function command(clearable: boolean) {
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
export const COMMAND_JSON: JsonSchema = { type: ['string', 'array', 'null'], items: textJson() };

// Env, Labels -------------------------------------------------------------------------------

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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

/** Env: `["K=v", …]` in the order given; null when none. */
export function envEntries(inputs: readonly Input[]): Parsed<string[] | null> {
  const m = keyedEntries(inputs, {
    noun: 'NAME',
    expected: 'list of "NAME=value" strings or a map of NAME: value',
    bareKey: false,
    checkKey: envName,
  });
  return m === INVALID ? INVALID : envList(m);
}

/** Env from the file and from flags, merged by name (the flag winning). */
export function mergeEnv(fromFile: string[] | null, fromFlags: string[] | null): string[] | null {
  return envList(new Map([...envMap(fromFile), ...envMap(fromFlags)]));
}

export const ENV_JSON = listOrMap(`^${body(ENV_NAME)}=[^${CONTROL}]*$`, ENV_NAME.source);

/** Labels: a map of key to value. */
export function labelEntries(inputs: readonly Input[]): Parsed<Record<string, string>> {
  const m = keyedEntries(inputs, {
    noun: 'key',
    expected: 'map of key: value or list of "key=value" strings',
    bareKey: true,
    checkKey: labelKey,
  });
  return m === INVALID ? INVALID : Object.fromEntries(m);
}

export const LABELS_JSON = listOrMap(
  `^${labelKeyPattern('=')}(?:=[^${CONTROL}]*)?$`,
  `^${labelKeyPattern('')}$`,
);

// Volumes -----------------------------------------------------------------------------------

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
/** A volume item for the JSON Schema: SOURCE:/container/path[:ro|:rw] (the rest of the rules: volumes()). */
const VOLUME_PATTERN = `^(?:${body(VOLUME_NAME)}|/[^:${CONTROL}]*):/[^:${CONTROL}]+(?::(?:ro|rw))?$`;

export function volumes(inputs: readonly Input[]): Parsed<string[] | null> {
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

export function securityGroups(inputs: readonly Input[]): Parsed<string[] | null> {
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

export const VOLUMES_JSON = listOrSet(VOLUME_PATTERN);
export const SECURITY_GROUPS_JSON = listOrSet(SECURITY_GROUP_NAME.source);
