/**
 * The value checks the fields of SCHEMA (schema.ts) are built from: text, integers, booleans,
 * one-of, lists (or maps standing for lists) and map-or-list entries. Each reports its problems at
 * the value's Site and returns INVALID for a value that broke a rule. Pure.
 */
import { INVALID, type Input, type ParseContext, type Parsed, type Site } from './field-schema.js';
import { suggestOneOf } from './suggest.js';

const BRIEF = 40;

export function kindOf(v: unknown): string {
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

export function typeError(site: Site, expected: string, raw: unknown, hint?: string): typeof INVALID {
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

export function noControl(s: string, site: Site, part: 'key' | 'value' = 'value'): boolean {
  if (!hasControlChar(s)) return true;
  site.issue(`must not contain newlines or control characters, got ${describeValue(s)}`, part);
  return false;
}

export function text(raw: unknown, site: Site): Parsed<string> {
  if (typeof raw !== 'string') {
    const scalar = typeof raw === 'number' || typeof raw === 'boolean';
    const written = site.sourceText() ?? String(raw);
    return typeError(site, 'string', raw, scalar ? `quote it if you mean the text: "${written}"` : undefined);
  }
  return noControl(raw, site) ? raw : INVALID;
}

export function integer(raw: unknown, site: Site, min: number, max: number, unit = ''): Parsed<number> {
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

export function boolean(raw: unknown, site: Site): Parsed<boolean> {
  if (typeof raw === 'boolean') return raw;
  const wordy = typeof raw === 'string' && /^(true|false|yes|no|on|off|y|n|1|0)$/i.test(raw);
  return typeError(site, 'boolean', raw, wordy ? 'write true or false, without quotes' : undefined);
}

export function oneOf<T extends string>(values: readonly T[], raw: unknown, site: Site): Parsed<T> {
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
export function scalar<T>(check: (raw: unknown, site: Site, ctx: ParseContext) => Parsed<T>) {
  return (inputs: readonly Input[], ctx: ParseContext): Parsed<T> => {
    const last = inputs[inputs.length - 1];
    return last ? check(last.raw, last.site, ctx) : INVALID;
  };
}

/** Like `text`, then a rule on the string. */
export function rule(check: (s: string, site: Site) => Parsed<string>) {
  return scalar((raw, site) => {
    const s = text(raw, site);
    return s === INVALID ? INVALID : check(s, site);
  });
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The items of a list field: a file gives one list (or null = unset); each flag value is one item
 * (a positional such as CMD… gives a list). INVALID when the file's value is not a list. With
 * `keyed`, a map stands for the list of its keys, each with the value `{}` (or null): the original
 * API's `map[string]struct{}` (`{"data:/d": {}}`). Problems with such an item are reported at its
 * key.
 */
export function listItems(
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

type KeyCheck = (key: string, site: Site, part: 'key' | 'value') => boolean;

/** A map-or-list field (Env, Labels): what its keys are called, its shape, and its key rule. */
export interface KeyedField {
  noun: string;
  expected: string;
  /** A list item without `=` means an empty value (else it is an error). */
  bareKey: boolean;
  checkKey: KeyCheck;
}

interface KeyedItem {
  key: string;
  value: string;
  site: Site;
}

/** The entries gathered so far, and whether every one given was valid. */
interface Gathered {
  entries: KeyedItem[];
  ok: boolean;
}

/** One `K=v` text: a flag value or a list item. */
function gatherText(raw: unknown, site: Site, field: KeyedField, into: Gathered): void {
  const s = text(raw, site);
  if (s === INVALID) {
    into.ok = false;
    return;
  }
  const eq = s.indexOf('=');
  if (eq < 0 && !field.bareKey) {
    site.issue(`expected ${field.noun}=value, got ${describeValue(s)}`);
    into.ok = false;
    return;
  }
  const key = eq < 0 ? s : s.slice(0, eq);
  if (!field.checkKey(key, site, 'value')) {
    into.ok = false;
    return;
  }
  into.entries.push({ key, value: eq < 0 ? '' : s.slice(eq + 1), site });
}

/** A map `{K: v}`; numbers and booleans are taken as written. */
function gatherMap(raw: Record<string, unknown>, site: Site, field: KeyedField, into: Gathered): void {
  for (const [key, value] of Object.entries(raw)) {
    const itemSite = site.at(key);
    if (!field.checkKey(key, itemSite, 'key')) {
      into.ok = false;
      continue;
    }
    const v = mapValue(value, itemSite);
    if (v === INVALID) into.ok = false;
    else into.entries.push({ key, value: v, site: itemSite });
  }
}

function mapValue(value: unknown, site: Site): Parsed<string> {
  if (typeof value === 'number' || typeof value === 'boolean') return site.sourceText() ?? String(value);
  if (typeof value === 'string') return text(value, site);
  const hint = value === null ? 'write "" for an empty value' : undefined;
  return typeError(site, 'string, number or boolean', value, hint);
}

/** The entries by key, the last winning; a key repeated in a file is reported. */
function byKey(into: Gathered, noun: string): Map<string, string> {
  const result = new Map<string, string>();
  const firstSite = new Map<string, Site>();
  for (const { key, value, site } of into.entries) {
    const first = firstSite.get(key);
    if (first && site.source === 'file') {
      site.issue(`duplicate ${noun} ${JSON.stringify(key)}, also at ${first.path}`);
      into.ok = false;
    }
    if (!first) firstSite.set(key, site);
    result.set(key, value);
  }
  return result;
}

/**
 * The entries of a map-or-list field (Env, Labels): a file gives a map `{K: v}` or a list
 * `["K=v"]`; each flag value is one `K=v`. Keys are checked with `field.checkKey`; a key repeated
 * in a file is an error, in flags the last wins.
 */
export function keyedEntries(
  inputs: readonly Input[],
  field: KeyedField,
): Map<string, string> | typeof INVALID {
  const into: Gathered = { entries: [], ok: true };
  for (const { raw, site } of inputs) {
    if (site.source === 'flag') {
      gatherText(raw, site, field, into);
    } else if (raw === null) {
      // unset
    } else if (Array.isArray(raw)) {
      raw.forEach((item: unknown, i) => {
        gatherText(item, site.at(i), field, into);
      });
    } else if (isPlainObject(raw)) {
      gatherMap(raw, site, field, into);
    } else {
      into.ok = false;
      typeError(site, field.expected, raw);
    }
  }
  const result = byKey(into, field.noun);
  return into.ok ? result : INVALID;
}
