/**
 * Request bodies and queries of the API turned into what the core takes: the create body (in the
 * original's shape too) into a ParsedSpec for resolveSpec, the update body, and `filters`. Pure.
 */

import { filtersFrom, type ServiceFilters } from '../core/views.js';
import { SpecError, type SpecIssue, UsageError } from '../errors.js';
import { type ParsedSpec, parseSpecDocument } from '../spec/parse-document.js';
import { resolveField, resolveSpec } from '../spec/resolve-spec.js';
import { fieldForKey } from '../spec/schema.js';
import type { ServiceSpec } from '../spec/types.js';

export const BODY_ORIGIN = '<body>';

/** `line:col` (1-based) of a character offset in `text`. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, col: (lines[lines.length - 1] as string).length + 1 };
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

/**
 * Where strict JSON first goes wrong in `text`, and what was expected there; undefined when it is
 * valid. (JSON.parse does not always say where.)
 */
export function jsonSyntaxError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  const fail = (message: string): never => {
    throw { offset: i, message };
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const found = () => (i >= text.length ? 'the end of the body' : JSON.stringify(text[i]));
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${found()}; expected a value`);
  };
  const string = () => {
    i++;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i] as string;
      if (c === '"') {
        i++;
        return;
      }
      if (c < ' ') fail('control character in a string; escape it');
      if (c === '\\') {
        const e = text[i + 1] ?? '';
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('bad \\u escape');
          i += 6;
        } else if ('"\\/bfnrt'.includes(e) && e !== '') i += 2;
        else fail('bad escape in a string');
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`unexpected ${found()}; expected a double-quoted property name`);
        string();
        ws();
        if (text[i] !== ':') fail(`unexpected ${found()}; expected ':' after the property name`);
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail(`unexpected ${found()}; expected ',' or '}' after a property value`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail(`unexpected ${found()}; expected ',' or ']' after a list item`);
      }
    }
    if (c === '"') {
      string();
      return;
    }
    const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined;
    if (word) {
      literal(word);
      return;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return;
    }
    fail(`unexpected ${found()}; expected a value`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${found()} after the JSON value`);
    return undefined;
  } catch (err) {
    return err as { offset: number; message: string };
  }
}

/** Strict JSON syntax, or a 400 saying where it goes wrong (`<body>:line:col`). */
function checkJsonSyntax(text: string): void {
  if (text.trim() === '') throw new UsageError('the request body is empty; expected a JSON object');
  const bad = jsonSyntaxError(text);
  if (bad) {
    const { line, col } = lineCol(text, bad.offset);
    throw new UsageError(`malformed JSON at ${BODY_ORIGIN}:${line}:${col}: ${bad.message}`);
  }
}

/** Strict JSON; a syntax error becomes a 400 saying where (`<body>:line:col`). */
export function parseJsonBody(text: string): unknown {
  checkJsonSyntax(text);
  return JSON.parse(text);
}

/** Fields of the original's Service JSON that a create request may carry and that are not input. */
const IGNORED_ON_CREATE = new Set(['ip', 'message', 'status', 'containers', 'tenant', 'created']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The create body as a spec document in svc's shape: the original's output-only fields dropped
 * and `ContainerPort: 0` dropped (= ServicePort). (`Volumes`/`SecurityGroups` objects keyed by
 * entry are spec input everywhere: schema.ts takes them.)
 */
export function originalShape(parsed: ParsedSpec): ParsedSpec {
  const entries = parsed.entries.filter((e) => {
    const lower = e.key.toLowerCase();
    return !IGNORED_ON_CREATE.has(lower) && !(lower === 'containerport' && e.value === 0);
  });
  return {
    origin: parsed.origin,
    entries,
    locate: (path, part) => parsed.locate(path, part),
    sourceText: (path) => parsed.sourceText(path),
  };
}

/** The create body → a valid spec, or a SpecError listing every problem with `<body>:line:col`. */
export function specFromCreateBody(text: string): ServiceSpec {
  checkJsonSyntax(text);
  // One parse (JSON is YAML): values with their positions in the body.
  return resolveSpec({ file: originalShape(parseSpecDocument(BODY_ORIGIN, text)) });
}

export interface UpdateRequest {
  replicas?: number;
  image?: string;
  /** "" detaches. */
  fip?: string;
}

const UPDATE_FIELDS = ['Replicas', 'Image', 'FIP'] as const;
const MAX_REPLICAS = 1000;

/** `{"Replicas":n,"Image":"img","FIP":"addr"}`, each optional, null = unchanged; every problem at once. */
export function parseUpdateBody(text: string): UpdateRequest {
  const value = parseJsonBody(text);
  if (!isPlainObject(value)) throw new UsageError('expected a JSON object such as {"Replicas": 3}');
  const issues: SpecIssue[] = [];
  const out: UpdateRequest = {};
  const check = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof SpecError) issues.push(...err.issues);
      else throw err;
      return undefined;
    }
  };
  for (const [key, raw] of Object.entries(value)) {
    const field = fieldForKey(key);
    if (!field || !(UPDATE_FIELDS as readonly string[]).includes(field)) {
      issues.push({ path: key, message: `cannot be updated; an update takes ${UPDATE_FIELDS.join(', ')}` });
      continue;
    }
    if (raw === null) continue;
    if (field === 'Replicas') {
      if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > MAX_REPLICAS) {
        issues.push({
          path: 'Replicas',
          message: `expected an integer between 0 and ${MAX_REPLICAS}, got ${JSON.stringify(raw)}`,
        });
        continue;
      }
      out.replicas = raw;
    } else {
      if (typeof raw !== 'string') {
        issues.push({ path: field, message: `expected string, got ${JSON.stringify(raw)}` });
        continue;
      }
      if (field === 'FIP') {
        const fip = raw === '' ? '' : check(() => resolveField('FIP', { flag: 'FIP', value: raw }));
        if (fip !== undefined) out.fip = fip;
      } else {
        const image = check(() => resolveField('Image', { flag: 'Image', value: raw }));
        if (image !== undefined) out.image = image;
      }
    }
  }
  if (issues.length > 0) throw new SpecError(issues);
  return out;
}

/**
 * The `filters` query parameter: a JSON map of lists (`{"name":["web"]}`) or of value → true
 * (`{"name":{"web":true}}`), as docker's; the same filters as `svc ls --filter`.
 */
export function parseFiltersParam(param: string | null): ServiceFilters {
  if (param === null || param === '') return filtersFrom([]);
  let value: unknown;
  try {
    value = JSON.parse(param);
  } catch (err) {
    throw new UsageError(`filters: not JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(value))
    throw new UsageError('filters: expected a JSON map of lists, e.g. {"name":["web"]}');
  const pairs: Array<[string, string]> = [];
  for (const [key, v] of Object.entries(value)) {
    let values: unknown[];
    if (Array.isArray(v)) values = v;
    else if (isPlainObject(v)) values = Object.entries(v).flatMap(([k, on]) => (on === true ? [k] : []));
    else if (typeof v === 'string') values = [v];
    else throw new UsageError(`filters.${key}: expected a list of strings or a map of string → true`);
    for (const item of values) {
      if (typeof item !== 'string')
        throw new UsageError(`filters.${key}: expected strings, got ${JSON.stringify(item)}`);
      pairs.push([key, item]);
    }
  }
  return filtersFrom(pairs, (k) => `filters.${k}`);
}

const YES = ['1', 'true', 'yes'];
const NO = ['', '0', 'false', 'no'];

/**
 * DELETE's `keep` query parameter: `true`/`1`/`yes` leave the replicas running; absent,
 * `false`/`0`/`no` remove them; anything else is a 400. The original client's `keey=yes` is
 * ignored on purpose: it sends it on every `hyper service rm`, whether `--keep` was given or not,
 * so it says nothing about what the user asked (README "HTTP API").
 */
export function parseKeepParam(params: URLSearchParams): boolean {
  const value = (params.get('keep') ?? '').trim().toLowerCase();
  if (YES.includes(value)) return true;
  if (NO.includes(value)) return false;
  throw new UsageError(`keep: expected true or false, got ${JSON.stringify(params.get('keep'))}`);
}
