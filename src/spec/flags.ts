/**
 * The spec flags of `svc create` (the old `hyper service create` flags plus --image and --fip),
 * derived from SCHEMA, and the turning of commander's parsed options into a FlagInput.
 */
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { SpecIssue } from '../errors.js';
import { FIELD_NAMES, fieldSchema } from './field-names.js';
import type { FieldName, FieldSchema, FlagInput, FlagSpec, FlagValue } from './field-schema.js';

export type { FlagInput, FlagValue } from './field-schema.js';

export interface CreateFlag {
  /** The spec field the flag sets. */
  field: FieldName;
  /** Commander syntax, e.g. `-e, --env <NAME=VALUE>`. */
  flags: string;
  /** Help text, with the default or `(required)`, derived from the schema. */
  description: string;
  /** The long flag, e.g. `--env`: the issue path of problems with its values. */
  long: string;
  /** Key of the flag's value in commander's `opts()`. */
  attributeName: string;
  /** May be given several times; commander collects the values into an array. */
  repeatable: boolean;
  /** The value is a file: its whole text (`content`) or one item a line (`lines`). */
  file?: 'content' | 'lines';
  /** A switch with a hidden `--no-…` counterpart. */
  negatable: boolean;
}

function defaultText(field: FieldSchema<unknown>): string | undefined {
  if (field.required) return 'required, here or in the spec file';
  if (field.defaultHelp !== undefined) return `default: ${field.defaultHelp}`;
  const d = field.default;
  if (typeof d === 'number' || (typeof d === 'string' && d !== '')) return `default: ${d}`;
  return undefined;
}

function describeFlag(field: FieldSchema<unknown>, spec: FlagSpec): string {
  const notes = [spec.repeatable ? 'repeatable' : undefined, spec.file ? undefined : defaultText(field)];
  if (spec.negatable) notes.push(`--no-${longOf(spec.flags).slice(2)} to turn off`);
  const extra = notes.filter(Boolean).join('; ');
  return `${spec.help ?? field.help}${extra ? ` (${extra})` : ''}`;
}

function longOf(flags: string): string {
  const long = /--[a-z][-a-z]*/.exec(flags)?.[0];
  if (!long) throw new Error(`flag without a long name: ${flags}`);
  return long;
}

/** The spec flags of `svc create`, in the schema's (the original API's) field order. */
export const CREATE_FLAGS: readonly CreateFlag[] = FIELD_NAMES.flatMap((name) => {
  const field = fieldSchema(name);
  return (field.flags ?? []).map((spec): CreateFlag => {
    const flag: CreateFlag = {
      field: name,
      flags: spec.flags,
      description: describeFlag(field, spec),
      long: longOf(spec.flags),
      attributeName: new Option(spec.flags).attributeName(),
      repeatable: spec.repeatable ?? false,
      negatable: spec.negatable ?? false,
    };
    if (spec.file) flag.file = spec.file;
    return flag;
  });
});

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * Adds the spec flags to `cmd` (the `svc create` command): repeatable ones collect into arrays,
 * switches get a hidden `--no-…`, and no flag has a commander default, so `opts()` holds only
 * what was given. Returns `cmd`.
 */
export function registerCreateFlags(cmd: Command): Command {
  for (const def of CREATE_FLAGS) {
    const option = new Option(def.flags, def.description);
    if (def.repeatable) option.argParser(collect);
    cmd.addOption(option);
    if (def.negatable) cmd.addOption(new Option(`--no-${def.long.slice(2)}`).hideHelp());
  }
  return cmd;
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.message ?? String(err);
}

/**
 * `NAME=VALUE` items of an env-file or label-file (docker's format): one a line, blank lines and
 * `#` comment lines skipped, leading blanks ignored, the value taken verbatim.
 */
export function parseLinesFile(text: string, origin: string, flag: string): FlagValue[] {
  const items: FlagValue[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.trimStart();
      if (line === '' || line.startsWith('#')) return;
      items.push({ flag, value: line, location: `${origin}:${i + 1}:${raw.length - line.length + 1}` });
    });
  return items;
}

/**
 * `-e NAME` without `=`: NAME=its value in `env` (as docker does); dropped when not set there.
 */
function withEnvValue(item: FlagValue, env: NodeJS.ProcessEnv): FlagValue | undefined {
  if (typeof item.value !== 'string' || item.value.includes('=')) return item;
  const value = env[item.value];
  return value === undefined ? undefined : { ...item, value: `${item.value}=${value}` };
}

/**
 * The spec part of `svc create`'s command line: commander's parsed `opts` (other options are
 * ignored) and the positionals `[IMAGE [CMD…]]`. Reads --ssl-cert, --env-file and --label-file
 * files; a file that cannot be read becomes an issue with the flag as path, reported by
 * resolveSpec with the others. Only flags actually given appear. `env` resolves `-e NAME`.
 */
export async function flagsToInput(
  opts: Record<string, unknown>,
  positional: { image?: string; cmd: string[] },
  env: NodeJS.ProcessEnv = process.env,
): Promise<FlagInput> {
  const fields: FlagInput['fields'] = {};
  const issues: SpecIssue[] = [];
  const add = (field: FieldName, values: FlagValue[]) => {
    if (values.length > 0) fields[field] = [...(fields[field] ?? []), ...values];
  };
  const read = async (def: CreateFlag, path: string): Promise<string | undefined> => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      issues.push({ path: def.long, message: `cannot read ${path}: ${errorText(err)}` });
      return undefined;
    }
  };

  // Files first, so that single flags override them (docker: --env-file, then -e).
  const ordered = [...CREATE_FLAGS].sort((a, b) => Number(b.file === 'lines') - Number(a.file === 'lines'));
  for (const def of ordered) {
    const given = opts[def.attributeName];
    if (given === undefined) continue;
    const texts = (Array.isArray(given) ? given : [given]) as unknown[];
    const values: FlagValue[] = [];
    for (const v of texts) {
      if (def.file !== undefined) {
        const path = String(v);
        const content = await read(def, path);
        if (content === undefined) continue;
        if (def.file === 'lines') values.push(...parseLinesFile(content, path, def.long));
        else values.push({ flag: def.long, value: content, location: path });
      } else {
        values.push({ flag: def.long, value: typeof v === 'boolean' ? v : String(v) });
      }
    }
    add(def.field, def.field === 'Env' ? values.flatMap((item) => withEnvValue(item, env) ?? []) : values);
  }

  for (const name of FIELD_NAMES) {
    const slot = fieldSchema(name).positional;
    if (slot === 'IMAGE' && positional.image !== undefined) {
      if (fields[name] !== undefined) {
        issues.push({
          path: 'IMAGE',
          message: `the image is given twice (IMAGE ${JSON.stringify(positional.image)} and --image); give one`,
        });
      } else {
        fields[name] = [{ flag: 'IMAGE', value: positional.image }];
      }
    } else if (slot === 'CMD' && positional.cmd.length > 0) {
      fields[name] = [{ flag: 'CMD', value: [...positional.cmd] }];
    }
  }
  return issues.length > 0 ? { fields, issues } : { fields };
}
