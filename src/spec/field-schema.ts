/**
 * What a field of the spec is made of (schema.ts holds one for each): where a value stands and
 * how its problems are reported (Site), how a field parses, merges and cross-checks its values,
 * and the create flags that set it. Types only, and INVALID. Pure.
 */
import type { SpecIssue } from '../errors.js';
import type { JsonSchema } from './json-fragments.js';
import type { PathSegment } from './parse-document.js';
import type { ServiceSpec } from './types.js';

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
