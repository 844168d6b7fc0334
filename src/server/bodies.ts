/**
 * Request bodies and queries of the API turned into what the core takes: the create body (in the
 * original's shape too) into a ParsedSpec for resolveSpec, the update body, and `filters`. Pure.
 */

import { filtersFrom, type ServiceFilters } from '../core/views.js';
import { SpecError, type SpecIssue, UsageError } from '../errors.js';
import { fieldForKey } from '../spec/field-names.js';
import { type ParsedSpec, parseSpecDocument } from '../spec/parse-document.js';
import { resolveField, resolveSpec } from '../spec/resolve-spec.js';
import { MAX_REPLICAS, type ServiceSpec } from '../spec/types.js';
import { jsonSyntaxError, lineCol } from './json-syntax.js';

export const BODY_ORIGIN = '<body>';

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
 * so it says nothing about what the user asked (docs/api.md, "The original client, unchanged").
 */
export function parseKeepParam(params: URLSearchParams): boolean {
  return parseBoolParam(params, 'keep');
}

/** A yes/no query parameter: `true`/`1`/`yes`, or absent, `false`/`0`/`no`; anything else is a 400. */
export function parseBoolParam(params: URLSearchParams, name: string): boolean {
  const value = (params.get(name) ?? '').trim().toLowerCase();
  if (YES.includes(value)) return true;
  if (NO.includes(value)) return false;
  throw new UsageError(`${name}: expected true or false, got ${JSON.stringify(params.get(name))}`);
}
