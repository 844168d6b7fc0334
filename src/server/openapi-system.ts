/** The OpenAPI document's schemas of the docker-style system answers (/version, /info, image inspect). Pure. */
type JsonSchema = Record<string, unknown>;

const nullableStrings: JsonSchema = { type: 'array', items: { type: 'string' }, nullable: true };

/** An object of these fields: `s` string, `i` integer, `b` boolean, `l` list of strings or null. */
function fields(spec: Record<string, 's' | 'i' | 'b' | 'l'>): JsonSchema {
  const types: Record<string, JsonSchema> = {
    s: { type: 'string' },
    i: { type: 'integer' },
    b: { type: 'boolean' },
    l: nullableStrings,
  };
  return {
    type: 'object',
    properties: Object.fromEntries(Object.entries(spec).map(([k, t]) => [k, types[t]])),
  };
}

/** /version, /info and image inspect: docker's shapes, as the original client decodes them. */
export function systemSchemas(): Record<string, JsonSchema> {
  const info = fields({
    ID: 's',
    Containers: 'i',
    ContainersRunning: 'i',
    ContainersPaused: 'i',
    ContainersStopped: 'i',
    Images: 'i',
    Driver: 's',
    ExecutionDriver: 's',
    LoggingDriver: 's',
    KernelVersion: 's',
    OperatingSystem: 's',
    OSType: 's',
    Architecture: 's',
    NCPU: 'i',
    MemTotal: 'i',
    Name: 's',
    ServerVersion: 's',
    Tenant: 's',
    Services: 'i',
  });
  (info.properties as Record<string, JsonSchema>).Plugins = fields({
    Volume: 'l',
    Network: 'l',
    Authorization: 'l',
  });
  info.description =
    "Docker's Info: the key's tenant's containers (replicas) and images, the engine's facts, svc's Tenant and Services";
  return {
    Version: fields({ Version: 's', ApiVersion: 's', GitCommit: 's', GoVersion: 's', Os: 's', Arch: 's' }),
    Info: info,
    ImageInspect: fields({
      Id: 's',
      RepoTags: 'l',
      RepoDigests: 'l',
      Created: 's',
      Architecture: 's',
      Os: 's',
      Size: 'i',
      VirtualSize: 'i',
    }),
  };
}
