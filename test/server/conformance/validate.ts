/**
 * The conformance check: an answer of the API against the JSON Schema of the Go type the original
 * client decodes it into (the *.schema.json files beside this one; README.md says where each comes
 * from). Shared by the unit test (answers built in-process) and the integration test (a real
 * `svc serve` on the real engine).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';

export type SchemaName =
  | 'service'
  | 'service-list'
  | 'service-update'
  | 'info'
  | 'version'
  | 'image-inspect'
  | 'json-message'
  | 'volume'
  | 'volume-list'
  | 'error';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const schemas = new Map<string, Record<string, unknown>>();
for (const file of readdirSync(import.meta.dirname).filter((f) => f.endsWith('.schema.json'))) {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, file), 'utf8')) as Record<string, unknown>;
  schemas.set(file, schema);
  ajv.addSchema(schema);
}

/**
 * Top-level keys beyond the Go type's that its decoder would still take for one of its fields:
 * encoding/json matches keys case-insensitively, so `volumes` would land in Volumes.
 */
function shadowing(name: SchemaName, value: unknown): string[] {
  const schema = schemas.get(`${name}.schema.json`);
  const props = schema?.properties as Record<string, unknown> | undefined;
  if (!props || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const known = new Set(Object.keys(props));
  const folded = new Set([...known].map((k) => k.toLowerCase()));
  return Object.keys(value)
    .filter((k) => !known.has(k) && folded.has(k.toLowerCase()))
    .map((k) => `/${k}: would be decoded into another field (Go matches keys case-insensitively)`);
}

/** The problems of `value` as a `name` (empty when it fits), one line each: `/path: message`. */
export function conformanceProblems(name: SchemaName, value: unknown): string[] {
  const validate = ajv.getSchema(`${name}.schema.json`);
  if (!validate) throw new Error(`no schema ${name}.schema.json`);
  const problems = validate(value)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`,
      );
  const list = name === 'volume-list' ? (value as { Volumes?: unknown }).Volumes : value;
  const items = (name === 'service-list' || name === 'volume-list') && Array.isArray(list) ? list : [value];
  const itemName = name === 'service-list' ? 'service' : name === 'volume-list' ? 'volume' : name;
  return [...problems, ...items.flatMap((v) => shadowing(itemName, v))];
}
