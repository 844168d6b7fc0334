/** The OpenAPI 3 document of the API, generated from SCHEMA (the same table validation uses). Pure. */
import { FIELD_NAMES, fieldSchema } from '../spec/field-names.js';
import { ALGORITHMS, CONTAINER_SIZES, PROTOCOLS } from '../spec/types.js';
import { systemSchemas } from './openapi-system.js';
import { POLICY_REFUSAL, volumePaths, volumeSchemas } from './openapi-volumes.js';

type JsonSchema = Record<string, unknown>;

const STRINGS: JsonSchema = { type: 'array', items: { type: 'string' } };

const ENUMS: Record<string, readonly string[]> = {
  Protocol: PROTOCOLS,
  Algorithm: ALGORITHMS,
  ContainerSize: Object.keys(CONTAINER_SIZES),
};

/** `map[string]struct{}`: an object whose keys are the entries, each with the value `{}`. */
export const KEYED: JsonSchema = {
  type: 'object',
  additionalProperties: { type: 'object', maxProperties: 0 },
  description: 'the keys are the entries; each value is {}',
};

/** Fields that are lists in svc's spec and maps of entry → {} in the original API. */
const KEYED_FIELDS = new Set(['Volumes', 'SecurityGroups']);

/** The JSON Schema of one field as input, from its SCHEMA entry. */
export function fieldJsonSchema(name: string, type: string): JsonSchema {
  if (ENUMS[name]) return { type: 'string', enum: [...(ENUMS[name] as readonly string[])] };
  if (KEYED_FIELDS.has(name)) return { oneOf: [STRINGS, KEYED], nullable: true };
  switch (type) {
    case 'int':
      return { type: 'integer' };
    case 'bool':
      return { type: 'boolean' };
    case 'string':
    case 'PEM text':
      return { type: 'string' };
    case 'string or string list':
      return { oneOf: [{ type: 'string' }, STRINGS], nullable: true };
    default:
      return {
        oneOf: [STRINGS, { type: 'object', additionalProperties: { type: 'string' } }],
        nullable: true,
      };
  }
}

function serviceSpecSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const name of FIELD_NAMES) {
    const f = fieldSchema(name);
    const s: JsonSchema = { ...fieldJsonSchema(name, f.type), description: f.help };
    if (f.default !== undefined && f.default !== null) s.default = f.default;
    properties[name] = s;
    if (f.required) required.push(name);
  }
  return { type: 'object', properties, required, additionalProperties: true };
}

const nullableStrings: JsonSchema = { ...STRINGS, nullable: true };

/** The Service as svc writes it: the input's alternatives settled (lists as lists, keyed lists as maps). */
function serviceSchema(): JsonSchema {
  const spec = serviceSpecSchema();
  const described = (name: string, schema: JsonSchema): JsonSchema => ({
    ...schema,
    description: (spec.properties as Record<string, JsonSchema>)[name]?.description,
  });
  return {
    type: 'object',
    properties: {
      ...(spec.properties as Record<string, JsonSchema>),
      Entrypoint: described('Entrypoint', nullableStrings),
      Cmd: described('Cmd', nullableStrings),
      Env: described('Env', nullableStrings),
      Volumes: described('Volumes', { ...KEYED, nullable: true }),
      Labels: described('Labels', { type: 'object', additionalProperties: { type: 'string' } }),
      SecurityGroups: described('SecurityGroups', { ...KEYED, nullable: true }),
      IP: { type: 'string' },
      Tenant: { type: 'string' },
      Message: { type: 'string' },
      Created: { type: 'string', format: 'date-time' },
      Status: { type: 'string', enum: ['created', 'active', 'degraded', 'updating', 'failed'] },
      Containers: nullableStrings,
    },
  };
}

const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const ref = (description: string, name: string) => ({
  description,
  ...json({ $ref: `#/components/schemas/${name}` }),
});
const service = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Service' }) });
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
const registryAuthParam = {
  name: 'X-Registry-Auth',
  in: 'header',
  schema: { type: 'string' },
  description:
    "docker's AuthConfig, JSON in base64: the registry login of the request's pulls (never the server's)",
};
const keepParam = {
  name: 'keep',
  in: 'query',
  schema: { type: 'string', enum: ['true', '1', 'yes', 'false', '0', 'no'] },
  description: "leave the replicas running; the original client's `keey` is ignored",
};

const volumesParam = {
  name: 'volumes',
  in: 'query',
  schema: { type: 'string', enum: ['true', '1', 'yes', 'false', '0', 'no'] },
  description: 'also remove its named volumes that no other service mounts',
};

const securitySchemes = {
  bearer: { type: 'http', scheme: 'bearer' },
  hyperHmac: { type: 'apiKey', in: 'header', name: 'Authorization' },
};

function schemas(): Record<string, JsonSchema> {
  return {
    ServiceSpec: serviceSpecSchema(),
    Service: serviceSchema(),
    Update: {
      type: 'object',
      properties: {
        Replicas: { type: 'integer', nullable: true },
        Image: { type: 'string', nullable: true },
        FIP: { type: 'string', nullable: true, description: '"" detaches' },
      },
    },
    ...systemSchemas(),
    ...volumeSchemas(),
    Error: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  };
}

/** The service paths: create, list, inspect, remove, update. */
function servicePaths(): JsonSchema {
  return {
    '/services/create': {
      post: {
        parameters: [registryAuthParam],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/ServiceSpec' }) },
        responses: {
          201: service('created'),
          400: error('invalid spec: every problem'),
          403: POLICY_REFUSAL,
          409: error('name or port conflict'),
          500: error('server error'),
          503: error('the image could not be pulled: its registry refused the login, or wanted one'),
        },
      },
    },
    '/services': {
      get: {
        parameters: [
          { name: 'filters', in: 'query', schema: { type: 'string' }, description: 'JSON map of lists' },
        ],
        responses: {
          200: {
            description: 'services',
            ...json({ type: 'array', items: { $ref: '#/components/schemas/Service' } }),
          },
        },
      },
    },
    '/services/{name}': {
      get: {
        parameters: [nameParam],
        responses: { 200: service('the service'), 404: error('no such service') },
      },
      delete: {
        parameters: [nameParam, keepParam, volumesParam],
        responses: {
          204: { description: 'removed' },
          400: error('keep or volumes is neither true nor false'),
          404: error('no such service'),
        },
      },
    },
    '/services/{name}/update': {
      post: {
        parameters: [nameParam, registryAuthParam],
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/Update' }) },
        responses: {
          200: service('updated'),
          400: error('invalid'),
          403: POLICY_REFUSAL,
          404: error('no such service'),
          409: error('FIP already attached'),
        },
      },
    },
  };
}

/** Images, and the docker-style system paths. */
function systemPaths(): JsonSchema {
  return {
    '/images/{name}/json': {
      get: {
        parameters: [nameParam],
        responses: { 200: ref('the image', 'ImageInspect'), 404: error('absent') },
      },
    },
    '/images/create': {
      post: {
        parameters: [
          { name: 'fromImage', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'tag', in: 'query', schema: { type: 'string' } },
          registryAuthParam,
        ],
        responses: {
          200: { description: 'JSON progress lines' },
          503: error('the registry refused the login, or wanted one'),
        },
      },
    },
    '/_ping': { get: { security: [], responses: { 200: { description: 'OK' } } } },
    '/version': { get: { responses: { 200: ref('versions', 'Version') } } },
    '/info': { get: { responses: { 200: ref('engine and tenant', 'Info') } } },
    '/openapi.json': { get: { security: [], responses: { 200: { description: 'this document' } } } },
  };
}

/** The API's OpenAPI 3 document (`GET /openapi.json`). */
export function openApiDocument(version: string): JsonSchema {
  return {
    openapi: '3.0.3',
    info: {
      title: 'svc Service API',
      version,
      description:
        'The Hyper.sh Service API (version 1.23 paths, also under any /vX.Y/ prefix) served by `svc serve`. ' +
        'Requests carry Authorization: Bearer SECRET or a HYPER-HMAC-SHA256 signature.',
    },
    components: { securitySchemes, schemas: schemas() },
    security: [{ bearer: [] }, { hyperHmac: [] }],
    paths: { ...servicePaths(), ...volumePaths(), ...systemPaths() },
  };
}
