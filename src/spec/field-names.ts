/** Walking the spec table (schema.ts): its field names in order, each field's schema, the field a key names. Pure. */
import type { FieldName, FieldSchema } from './field-schema.js';
import { SCHEMA } from './schema.js';

/** The field names in the original API's order. */
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
