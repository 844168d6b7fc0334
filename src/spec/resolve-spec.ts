/**
 * Turns a spec file and/or create flags into one valid, normalised ServiceSpec, or throws one
 * SpecError listing every problem (docs/spec.md). Rules and defaults come from SCHEMA. Pure.
 */
import { SpecError, type SpecIssue } from '../errors.js';
import { FIELD_NAMES, fieldForKey, fieldSchema, fieldSpellings } from './field-names.js';
import {
  type FieldName,
  type FieldSchema,
  type FlagInput,
  type FlagValue,
  INVALID,
  type Input,
  type ParseContext,
  type Site,
} from './field-schema.js';
import type { ParsedSpec, PathSegment } from './parse-document.js';
import { suggest } from './suggest.js';
import type { ServiceSpec } from './types.js';

export type { FlagInput, FlagValue } from './field-schema.js';

export interface ResolveOptions {
  /** Accept Replicas 0 (for `svc scale`); create refuses it. */
  allowZeroReplicas?: boolean;
  /** Accept an expired SSLCert certificate (`svc create --allow-expired`). */
  allowExpired?: boolean;
}

export interface ResolveInput {
  /** The `-f FILE` document, if any. */
  file?: ParsedSpec;
  /** The spec flags given on the command line, if any (they win over the file). */
  flags?: FlagInput;
}

function formatPath(segments: readonly PathSegment[]): string {
  return segments.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
}

function fileSite(
  file: ParsedSpec,
  key: string,
  field: FieldName,
  segments: readonly PathSegment[],
  issues: SpecIssue[],
): Site {
  const full = [key, ...segments];
  const path = `${field}${formatPath(segments)}`;
  return {
    source: 'file',
    path,
    get location() {
      return file.locate(full);
    },
    sourceText: () => file.sourceText(full),
    at: (segment) => fileSite(file, key, field, [...segments, segment], issues),
    issue(message, part = 'value') {
      const location = file.locate(full, part);
      issues.push(location ? { path, message, location } : { path, message });
    },
  };
}

function flagSite(value: FlagValue, segments: readonly PathSegment[], issues: SpecIssue[]): Site {
  // Items of a list-valued flag (CMD…) are indexed; a flag's text has no keys of its own.
  const path = `${value.flag}${formatPath(segments.filter((s) => typeof s === 'number'))}`;
  const location = value.location;
  return {
    source: 'flag',
    path,
    location,
    sourceText: () => undefined,
    at: (segment) => flagSite(value, [...segments, segment], issues),
    issue(message) {
      issues.push(location ? { path, message, location } : { path, message });
    },
  };
}

function unknownKeyMessage(key: string): string {
  const guess = suggest(key, fieldSpellings());
  return guess ? `unknown field; did you mean ${guess}?` : 'unknown field';
}

/** The file's values by field; unknown and repeated keys reported. */
function fileInputs(file: ParsedSpec | undefined, issues: SpecIssue[]): Map<FieldName, Input> {
  const fromFile = new Map<FieldName, Input>();
  if (!file) return fromFile;
  for (const { key, value } of file.entries) {
    const name = fieldForKey(key);
    const location = file.locate([key], 'key');
    const at = location ? { location } : {};
    if (name === undefined) {
      issues.push({ path: key, message: unknownKeyMessage(key), ...at });
    } else if (fromFile.has(name)) {
      issues.push({
        path: name,
        message: `duplicate key ${JSON.stringify(key)} (keys match case-insensitively)`,
        ...at,
      });
    } else {
      fromFile.set(name, { raw: value, site: fileSite(file, key, name, [], issues) });
    }
  }
  return fromFile;
}

/** The fields resolved so far: their values, where each was given, and those that broke a rule. */
interface Resolved {
  values: Map<FieldName, unknown>;
  sites: Map<FieldName, Site>;
  bad: Set<FieldName>;
}

function requiredMessage(name: FieldName, field: FieldSchema<unknown>): string {
  const how = [field.positional, ...(field.flags ?? []).map((f) => f.flags.replace(/ <.*$/, ''))].filter(
    Boolean,
  );
  return `required; set ${name} in the spec file${how.length > 0 ? ` or give ${how.join(' or ')}` : ''}`;
}

/** One field from the file and the flags (the flags winning, or merged), else its default. */
function resolveOne(
  name: FieldName,
  fileInput: Input | undefined,
  flagValues: FlagValue[],
  ctx: ParseContext,
  out: Resolved,
  issues: SpecIssue[],
): void {
  const field = fieldSchema(name);
  const flagInputs = flagValues.map((v) => ({ raw: v.value, site: flagSite(v, [], issues) }));
  const fileValue = fileInput ? field.parse([fileInput], ctx) : undefined;
  const flagValue = flagInputs.length > 0 ? field.parse(flagInputs, ctx) : undefined;
  if (fileValue === INVALID || flagValue === INVALID) {
    out.bad.add(name);
    return;
  }
  const site = flagInputs[flagInputs.length - 1]?.site ?? fileInput?.site;
  if (site) out.sites.set(name, site);
  if (fileValue !== undefined && flagValue !== undefined) {
    out.values.set(name, field.merge ? field.merge(fileValue, flagValue) : flagValue);
  } else if (flagValue !== undefined || fileValue !== undefined) {
    out.values.set(name, flagValue !== undefined ? flagValue : fileValue);
  } else if (field.required) {
    issues.push({ path: name, message: requiredMessage(name, field) });
    out.bad.add(name);
  } else if (field.defaultFrom === undefined) {
    out.values.set(name, structuredClone(field.default));
  }
}

/** Defaults taken from another field (ContainerPort = ServicePort). */
function applyDefaultsFrom({ values, bad }: Resolved): void {
  for (const name of FIELD_NAMES) {
    const from = fieldSchema(name).defaultFrom;
    if (from !== undefined && !values.has(name) && !bad.has(name)) {
      if (values.has(from)) values.set(name, values.get(from));
      else bad.add(name);
    }
  }
}

/** The rules across fields, each reported at its field's site (or at the one it names). */
function crossCheck({ values, sites }: Resolved, issues: SpecIssue[]): void {
  const spec = Object.fromEntries(values) as Partial<ServiceSpec>;
  for (const name of FIELD_NAMES) {
    const check = fieldSchema(name).crossCheck;
    if (!check || !values.has(name)) continue;
    check(values.get(name), spec, (message, locatedBy) => {
      const site = sites.get(name);
      if (site) {
        site.issue(message);
      } else {
        const location = locatedBy ? sites.get(locatedBy)?.location : undefined;
        issues.push(location ? { path: name, message, location } : { path: name, message });
      }
    });
  }
}

function parseContext(options: ResolveOptions): ParseContext {
  return {
    allowZeroReplicas: options.allowZeroReplicas ?? false,
    allowExpired: options.allowExpired ?? false,
  };
}

/**
 * The valid spec of `input.file` overridden by `input.flags` (Env and Labels merge by key, the flag
 * winning), with defaults applied. Throws a SpecError with every problem found, each with its
 * field path (or flag) and, for file values, `file:line:col`.
 */
export function resolveSpec(input: ResolveInput, options: ResolveOptions = {}): ServiceSpec {
  const issues: SpecIssue[] = [...(input.flags?.issues ?? [])];
  const ctx = parseContext(options);
  const fromFile = fileInputs(input.file, issues);
  const resolved: Resolved = { values: new Map(), sites: new Map(), bad: new Set() };
  for (const name of FIELD_NAMES) {
    resolveOne(name, fromFile.get(name), input.flags?.fields[name] ?? [], ctx, resolved, issues);
  }
  applyDefaultsFrom(resolved);
  crossCheck(resolved, issues);
  if (issues.length > 0) throw new SpecError(issues);
  const { values } = resolved;
  return Object.fromEntries(FIELD_NAMES.map((name) => [name, values.get(name)])) as unknown as ServiceSpec;
}

/**
 * One field given on its own on the command line, checked by the same rules as in a spec: e.g.
 * `svc scale NAME=N` (`resolveField('Replicas', { flag: 'NAME=N', value: '0' }, { allowZeroReplicas: true })`),
 * `rolling-update --image`, `attach-fip --fip`. Returns the normalised value or throws a SpecError
 * whose issue path is `value.flag`.
 */
export function resolveField<K extends FieldName>(
  name: K,
  value: FlagValue,
  options: ResolveOptions = {},
): ServiceSpec[K] {
  const issues: SpecIssue[] = [];
  const parsed = fieldSchema(name).parse(
    [{ raw: value.value, site: flagSite(value, [], issues) }],
    parseContext(options),
  );
  if (parsed === INVALID || issues.length > 0) throw new SpecError(issues);
  return parsed as ServiceSpec[K];
}

/**
 * A spec stored by an earlier svc (a record's label), with the fields added since then set to
 * their defaults, so that what was created before a field existed reads as it behaves.
 */
export function withNewerDefaults(stored: ServiceSpec): ServiceSpec {
  const out: Record<string, unknown> = { ...stored };
  for (const name of FIELD_NAMES) {
    const field = fieldSchema(name);
    if (!(name in out) && !field.required && field.defaultFrom === undefined)
      out[name] = structuredClone(field.default);
  }
  return out as unknown as ServiceSpec;
}
