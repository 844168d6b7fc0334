/** A real JSON Schema validator (ajv, strict) for the schemas svc generates. */
import { isIPv4, isIPv6 } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { serviceJsonSchema } from '../../src/spec/json-schema.js';
import { securityGroupJsonSchema } from '../../src/spec/security-group-schema.js';

function compile(schema: object): ValidateFunction {
  // The formats the schema names, as node (and svc) read addresses.
  // A key in any case (keysAnyCase) is both a property and a pattern, and required in a branch of its own.
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    allowMatchingProperties: true,
  })
    .addFormat('ipv4', (s: string) => isIPv4(s))
    .addFormat('ipv6', (s: string) => isIPv6(s));
  return ajv.compile(schema);
}

export const validateService = compile(serviceJsonSchema());
export const validateSecurityGroup = compile(securityGroupJsonSchema());

/** The schema's verdict on a value: true, or its errors as text. */
export function verdict(validate: ValidateFunction, value: unknown): true | string {
  if (validate(value)) return true;
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
}

export const yamlValue = (text: string): unknown => parseYaml(text);
