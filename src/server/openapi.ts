/** The OpenAPI 3 document of the API, generated from SCHEMA (the same table validation uses). Pure. */
import { FIELD_NAMES, fieldSchema } from '../spec/schema.js';
import { ALGORITHMS, CONTAINER_SIZES, PROTOCOLS } from '../spec/types.js';

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

function serviceSchema(): JsonSchema {
  const spec = serviceSpecSchema();
  return {
    type: 'object',
    properties: {
      ...(spec.properties as Record<string, JsonSchema>),
      IP: { type: 'string' },
      Tenant: { type: 'string' },
      Message: { type: 'string' },
      Created: { type: 'string', format: 'date-time' },
      Status: { type: 'string', enum: ['created', 'active', 'degraded', 'updating', 'failed'] },
      Containers: { ...STRINGS, nullable: true },
    },
  };
}

const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const service = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Service' }) });
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };

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
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        hyperHmac: { type: 'apiKey', in: 'header', name: 'Authorization' },
      },
      schemas: {
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
        Error: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      },
    },
    security: [{ bearer: [] }, { hyperHmac: [] }],
    paths: {
      '/services/create': {
        post: {
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/ServiceSpec' }) },
          responses: {
            201: service('created'),
            400: error('invalid spec: every problem'),
            409: error('name or port conflict'),
            500: error('server error'),
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
          parameters: [nameParam, { name: 'keep', in: 'query', schema: { type: 'boolean' } }],
          responses: { 204: { description: 'removed' }, 404: error('no such service') },
        },
      },
      '/services/{name}/update': {
        post: {
          parameters: [nameParam],
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/Update' }) },
          responses: {
            200: service('updated'),
            400: error('invalid'),
            404: error('no such service'),
            409: error('FIP already attached'),
          },
        },
      },
      '/images/{name}/json': {
        get: {
          parameters: [nameParam],
          responses: { 200: { description: 'present' }, 404: error('absent') },
        },
      },
      '/images/create': {
        post: {
          parameters: [
            { name: 'fromImage', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'tag', in: 'query', schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'JSON progress lines' } },
        },
      },
      '/_ping': { get: { security: [], responses: { 200: { description: 'OK' } } } },
      '/version': { get: { responses: { 200: { description: 'versions' } } } },
      '/info': { get: { responses: { 200: { description: 'engine and tenant' } } } },
      '/openapi.json': { get: { security: [], responses: { 200: { description: 'this document' } } } },
    },
  };
}
