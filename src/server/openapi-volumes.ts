/** The OpenAPI document's volume paths and schemas (`/volumes…`), and the policy's 403. Pure. */
type JsonSchema = Record<string, unknown>;

const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } } });
const error = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Error' }) });
const volume = (description: string) => ({ description, ...json({ $ref: '#/components/schemas/Volume' }) });
const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };

/** A refusal of the server's policy: which fields, and why. */
export const POLICY_REFUSAL = error(
  "refused by the server's policy: a host path, a FIP address or port, a label in Docker's namespaces (issues: one per field)",
);

export function volumeSchemas(): Record<string, JsonSchema> {
  return {
    Volume: {
      type: 'object',
      description:
        "docker's Volume, by the name the tenant chose; Services: the tenant's services mounting it",
      properties: {
        Name: { type: 'string' },
        Driver: { type: 'string' },
        Mountpoint: { type: 'string', description: 'always "" (a path on the engine host)' },
        Labels: { type: 'object', additionalProperties: { type: 'string' } },
        Scope: { type: 'string' },
        CreatedAt: { type: 'string', format: 'date-time' },
        Services: { type: 'array', items: { type: 'string' } },
      },
    },
    VolumeCreate: {
      type: 'object',
      properties: {
        Name: { type: 'string', description: 'made up when empty' },
        Driver: { type: 'string', enum: ['', 'local', 'hyper'] },
        DriverOpts: {
          type: 'object',
          nullable: true,
          description: 'only size (no effect) is taken: other options can mount host paths',
        },
        Labels: { type: 'object', nullable: true, additionalProperties: { type: 'string' } },
      },
    },
  };
}

export function volumePaths(): JsonSchema {
  return {
    '/volumes/create': {
      post: {
        requestBody: { required: true, ...json({ $ref: '#/components/schemas/VolumeCreate' }) },
        responses: {
          201: volume('created (or, of that name, already there)'),
          400: error('invalid'),
          403: POLICY_REFUSAL,
          409: error('an engine volume of that name is not the tenant’s'),
        },
      },
    },
    '/volumes': {
      get: {
        parameters: [
          { name: 'filters', in: 'query', schema: { type: 'string' }, description: 'JSON: name, dangling' },
        ],
        responses: {
          200: {
            description: "the tenant's volumes",
            ...json({
              type: 'object',
              properties: {
                Volumes: { type: 'array', items: { $ref: '#/components/schemas/Volume' } },
                Warnings: { type: 'array', nullable: true, items: { type: 'string' } },
              },
            }),
          },
        },
      },
    },
    '/volumes/{name}': {
      get: {
        parameters: [nameParam],
        responses: { 200: volume('the volume'), 404: error('no such volume') },
      },
      delete: {
        parameters: [nameParam],
        responses: {
          204: { description: 'removed' },
          404: error('no such volume'),
          409: error('in use by a service or a container'),
        },
      },
    },
  };
}
