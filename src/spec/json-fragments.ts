/**
 * Building blocks of the JSON Schema (draft-07) of each field in SCHEMA (schema.ts), which
 * src/spec/json-schema.ts assembles into the schema of a spec file. Patterns are ECMAScript
 * regular expressions that also compile with the `u` flag (as validators and editors use them).
 * Pure.
 */
export type JsonSchema = { [key: string]: unknown };

/** The characters svc refuses in text values (hasControlChar): C0 controls, DEL and C1. */
export const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f';

/** Text without control characters. */
export const NO_CONTROL = `^[^${CONTROL}]*$`;

export const text = (pattern = NO_CONTROL): JsonSchema => ({ type: 'string', pattern });

/** A RegExp's source without its ^ and $, to embed in a larger pattern. */
export function body(re: RegExp): string {
  return re.source.replace(/^\^/, '').replace(/\$$/, '');
}

/** A pattern matching `s` in any letter case (`Name` → `[nN][aA][mM][eE]`). */
export function caseless(s: string): string {
  return [...s]
    .map((c) => {
      const lower = c.toLowerCase();
      const upper = c.toUpperCase();
      if (lower !== upper) return `[${lower}${upper}]`;
      return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
    })
    .join('');
}

/** One of `values` in any letter case, as svc matches them; the canonical ones listed for completion. */
export function anyCase(values: readonly string[]): JsonSchema {
  return {
    type: 'string',
    anyOf: [{ enum: [...values] }, { pattern: `^(?:${values.map(caseless).join('|')})$` }],
  };
}

export function intRange(min: number, max: number): JsonSchema {
  return { type: 'integer', minimum: min, maximum: max };
}

/**
 * A list of items; or the original API's set form, `{item: {}}` (its keys are the items, the
 * values `{}` or empty); or null (unset).
 */
export function listOrSet(itemPattern: string): JsonSchema {
  return {
    anyOf: [
      { type: 'array', items: { type: 'string', pattern: itemPattern } },
      {
        type: 'object',
        propertyNames: { pattern: itemPattern },
        additionalProperties: { type: ['object', 'null'], maxProperties: 0 },
      },
      { type: 'null' },
    ],
  };
}

/** Env and Labels: a list of `key=value` texts, or a map of key: text, number or boolean; or null. */
export function listOrMap(itemPattern: string, keyPattern: string): JsonSchema {
  return {
    anyOf: [
      { type: 'array', items: { type: 'string', pattern: itemPattern } },
      {
        type: 'object',
        propertyNames: { pattern: keyPattern },
        additionalProperties: { type: ['string', 'number', 'boolean'], pattern: NO_CONTROL },
      },
      { type: 'null' },
    ],
  };
}

/** `key` present, in any letter case. */
function hasKey(key: string): JsonSchema {
  return {
    anyOf: [{ required: [key] }, { not: { propertyNames: { not: { pattern: `^${caseless(key)}$` } } } }],
  };
}

/**
 * An object whose keys match case-insensitively, as svc reads them: the canonical keys are its
 * `properties` (what editors complete and document); a `patternProperties` entry per key accepts
 * it in any letter case with the same schema; any other key is an error; a required key may be
 * given in any case too.
 */
export function keysAnyCase(
  properties: Record<string, JsonSchema>,
  required: readonly string[] = [],
): JsonSchema {
  const o: JsonSchema = {
    type: 'object',
    properties,
    patternProperties: Object.fromEntries(
      Object.entries(properties).map(([k, v]) => [`^${caseless(k)}$`, v]),
    ),
    additionalProperties: false,
  };
  if (required.length > 0) o.allOf = required.map(hasKey);
  return o;
}
