/**
 * The one table of service spec fields (docs/spec.md): for each field of ServiceSpec its type, default,
 * rules and create flags. Validation (resolve-spec.ts), defaults, the flags with their help
 * (flags.ts) and the JSON Schema of spec files (json-schema.ts) are all derived from SCHEMA; there
 * is no other list of fields. The checks it is made of are in value-checks.ts (shared),
 * field-rules.ts and list-rules.ts (a field's own). Pure.
 */

import { oneOfValues, onOff, wholeNumber } from './field-kinds.js';
import * as rules from './field-rules.js';
import type { FieldName, FieldSchema } from './field-schema.js';
import { anyCase, body, CONTROL, intRange, text as textJson } from './json-fragments.js';
import * as lists from './list-rules.js';
import {
  ALGORITHMS,
  CONTAINER_SIZES,
  type ContainerSize,
  LABEL_PREFIX,
  MAX_REPLICAS,
  PROTOCOLS,
  type ServiceSpec,
} from './types.js';
import { rule, scalar } from './value-checks.js';

const SIZES = Object.keys(CONTAINER_SIZES) as ContainerSize[];
const list = (values: readonly string[]) => values.join(', ');

type Schema = { readonly [K in FieldName]: FieldSchema<ServiceSpec[K]> };

/** Every ServiceSpec field, in the original API's order. */
export const SCHEMA: Schema = {
  Name: {
    type: 'string',
    help: 'service name: a DNS label (lowercase letters, digits and -)',
    required: true,
    parse: rule(rules.dnsLabel),
    json: textJson(rules.DNS_LABEL.source),
    flags: [{ flags: '--name <name>' }],
  },
  Image: {
    type: 'string',
    help: 'image of the replicas, e.g. nginx:1.27',
    required: true,
    parse: rule(rules.imageReference),
    json: { type: 'string', maxLength: 512, pattern: rules.IMAGE_REF.source },
    flags: [{ flags: '--image <image>', help: 'image of the replicas (or give it as IMAGE)' }],
    positional: 'IMAGE',
  },
  WorkingDir: {
    type: 'string',
    help: 'working directory inside the replicas (absolute path)',
    default: '',
    defaultHelp: "the image's",
    parse: rule(rules.absolutePath),
    flags: [{ flags: '-w, --workdir <dir>' }],
    json: textJson(`^(?:/[^${CONTROL}]*)?$`),
    aliases: ['workdir', 'working_dir'],
  },
  ContainerSize: {
    type: 'enum',
    help: `size of each replica: ${SIZES.map((s) => `${s} (${CONTAINER_SIZES[s].cpus} CPU, ${CONTAINER_SIZES[s].memoryMiB} MiB, ${CONTAINER_SIZES[s].pids} processes)`).join(', ')}`,
    default: 's4',
    ...oneOfValues(SIZES),
    flags: [{ flags: '--size <size>', help: `size of each replica: ${list(SIZES)}` }],
  },
  SSLCert: {
    type: 'PEM text',
    help: 'certificate (chain) and its private key as PEM text; only and required with protocol httpsTerm',
    default: '',
    parse: scalar(rules.sslCert),
    json: { type: 'string' },
    crossCheck: rules.sslCertAndProtocol,
    flags: [
      {
        flags: '--ssl-cert <file>',
        help: 'PEM file with the certificate (chain) and its private key, for protocol httpsTerm',
        file: 'content',
      },
    ],
  },
  NetMode: {
    type: 'string',
    help: 'network mode; only bridge',
    default: '',
    parse: rule(rules.netMode),
    json: anyCase(['', 'bridge']),
  },
  StopSignal: {
    type: 'string',
    help: 'signal that stops a replica: a name such as SIGTERM or a number',
    default: '',
    defaultHelp: "the image's, usually SIGTERM",
    parse: scalar(rules.stopSignal),
    json: {
      type: ['string', 'integer'],
      pattern: '^(?:|[1-9]|[1-5][0-9]|6[0-4]|[A-Za-z][A-Za-z0-9+]*)$',
      minimum: 1,
      maximum: 64,
    },
    flags: [{ flags: '--stop-signal <signal>' }],
  },
  ServicePort: {
    type: 'int',
    help: 'port the load balancer serves the service on (1–65535)',
    required: true,
    ...wholeNumber(1, 65535),
    flags: [{ flags: '--service-port <port>' }],
  },
  ContainerPort: {
    type: 'int',
    help: 'port the replicas listen on (1–65535)',
    defaultFrom: 'ServicePort',
    defaultHelp: 'the service port',
    ...wholeNumber(1, 65535),
    flags: [{ flags: '--container-port <port>' }],
  },
  Replicas: {
    type: 'int',
    help: `number of replica containers (1–${MAX_REPLICAS})`,
    default: 1,
    parse: scalar(rules.replicas),
    json: intRange(1, MAX_REPLICAS),
    flags: [{ flags: '--replicas <n>' }],
  },
  HealthCheckInterval: {
    type: 'int',
    help: 'seconds between two health checks of a replica (1–3600)',
    default: 5,
    ...wholeNumber(1, 3600, ' seconds'),
    flags: [{ flags: '--health-check-interval <seconds>' }],
  },
  HealthCheckFall: {
    type: 'int',
    help: 'consecutive failed health checks before a replica is taken out (1–100)',
    default: 3,
    ...wholeNumber(1, 100),
    flags: [{ flags: '--health-check-fall <n>' }],
  },
  HealthCheckRise: {
    type: 'int',
    help: 'consecutive passing health checks before a replica is put back (1–100)',
    default: 2,
    ...wholeNumber(1, 100),
    flags: [{ flags: '--health-check-rise <n>' }],
  },
  Algorithm: {
    type: 'enum',
    help: `load-balancing algorithm: ${list(ALGORITHMS)}`,
    default: 'roundrobin',
    ...oneOfValues(ALGORITHMS),
    flags: [{ flags: '--algorithm <algorithm>' }],
  },
  Protocol: {
    type: 'enum',
    help: `protocol: ${list(PROTOCOLS)} (https passes TLS through; httpsTerm terminates it with the SSL certificate)`,
    default: 'tcp',
    ...oneOfValues(PROTOCOLS),
    flags: [{ flags: '--protocol <protocol>' }],
  },
  Stdin: {
    type: 'bool',
    help: 'keep STDIN open in the replicas',
    ...onOff('-i, --interactive'),
  },
  Tty: {
    type: 'bool',
    help: 'allocate a pseudo-TTY in the replicas',
    ...onOff('-t, --tty'),
  },
  SessionAffinity: {
    type: 'bool',
    help: 'sticky sessions: a cookie in http modes, the client address in tcp modes',
    ...onOff('--session-affinity'),
  },
  Entrypoint: {
    type: 'string or string list',
    help: 'entrypoint of the replicas, overriding the image\'s (a string is split like a shell; "" clears it)',
    default: null,
    parse: lists.command(true),
    json: lists.COMMAND_JSON,
    flags: [{ flags: '--entrypoint <command>' }],
  },
  Cmd: {
    type: 'string or string list',
    help: "command of the replicas, overriding the image's (a string is split like a shell)",
    default: null,
    parse: lists.command(false),
    json: lists.COMMAND_JSON,
    positional: 'CMD',
    aliases: ['command'],
  },
  Env: {
    type: 'list of NAME=value, or map',
    help: 'environment variables of the replicas',
    default: null,
    parse: lists.envEntries,
    json: lists.ENV_JSON,
    merge: lists.mergeEnv,
    flags: [
      {
        flags: '-e, --env <NAME=VALUE>',
        help: 'set an environment variable in the replicas (NAME alone: its value here)',
        repeatable: true,
      },
      {
        flags: '--env-file <file>',
        help: 'read NAME=VALUE lines (# comments) from a file',
        repeatable: true,
        file: 'lines',
      },
    ],
    aliases: ['environment'],
  },
  Volumes: {
    type: 'list of source:/path[:ro], or map of them to {}',
    help: 'mount a named volume (created if absent) or an absolute host path at an absolute container path; :ro for read-only',
    default: null,
    parse: lists.volumes,
    flags: [{ flags: '-v, --volume <source:/path[:ro]>', repeatable: true }],
    json: lists.VOLUMES_JSON,
  },
  Labels: {
    type: 'map or list of key=value',
    help: `labels of the replicas (keys starting with ${LABEL_PREFIX} are reserved)`,
    default: {},
    parse: lists.labelEntries,
    json: lists.LABELS_JSON,
    merge: (fromFile, fromFlags) => ({ ...fromFile, ...fromFlags }),
    flags: [
      { flags: '-l, --label <key=value>', help: 'set a label on the replicas', repeatable: true },
      {
        flags: '--label-file <file>',
        help: 'read key=value lines (# comments) from a file',
        repeatable: true,
        file: 'lines',
      },
    ],
  },
  SecurityGroups: {
    type: 'string list, or map of them to {}',
    help: 'security group of the replicas',
    default: null,
    parse: lists.securityGroups,
    flags: [{ flags: '--sg <group>', repeatable: true }],
    json: lists.SECURITY_GROUPS_JSON,
  },
  FIP: {
    type: 'string',
    help: 'host address to publish the service port on, e.g. 127.0.0.1 or 0.0.0.0',
    default: '',
    defaultHelp: 'not published',
    parse: rule(rules.hostAddress),
    json: { type: 'string', anyOf: [{ maxLength: 0 }, { format: 'ipv4' }, { format: 'ipv6' }] },
    flags: [{ flags: '--fip <address>' }],
  },
  HealthCheckPath: {
    type: 'string',
    help: 'path the load balancer checks with GET (2xx or 3xx passes), e.g. /healthz; only with protocol http or httpsTerm',
    default: '',
    defaultHelp: 'a TCP connect check',
    parse: rule(rules.healthCheckPath),
    json: {
      type: 'string',
      maxLength: rules.MAX_HEALTH_CHECK_PATH,
      pattern: `^(?:${body(rules.HEALTH_CHECK_PATH)})?$`,
    },
    crossCheck: rules.healthCheckPathAndProtocol,
    flags: [{ flags: '--health-check-path <path>' }],
  },
  StopTimeout: {
    type: 'int',
    help: 'seconds a replica being removed or replaced gets between its stop signal and SIGKILL (0–86400)',
    default: 10,
    ...wholeNumber(0, 86400, ' seconds'),
    flags: [{ flags: '--stop-timeout <seconds>' }],
  },
};
