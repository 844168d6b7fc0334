/**
 * The kinds of field the spec table (schema.ts) is made of: a check and its JSON Schema from one
 * source, so they cannot disagree. Pure.
 */
import { anyCase, intRange } from './json-fragments.js';
import { boolean, integer, oneOf, scalar } from './value-checks.js';

/** A whole number from `min` to `max`: its check and its JSON Schema, from the one range. */
export function wholeNumber(min: number, max: number, unit = '') {
  return { parse: scalar((raw, site) => integer(raw, site, min, max, unit)), json: intRange(min, max) };
}

/** A switch, off unless given: its check, its JSON Schema and its (negatable) flag. */
export function onOff(flags: string) {
  return {
    default: false,
    parse: scalar(boolean),
    json: { type: 'boolean' },
    flags: [{ flags, negatable: true }],
  };
}

/** One of `values`, matched case-insensitively: its check and its JSON Schema. */
export function oneOfValues<T extends string>(values: readonly T[]) {
  return { parse: scalar((raw, site) => oneOf(values, raw, site)), json: anyCase(values) };
}
