/** `svc version`: svc's version and settings, and the engine's version. */
import { Command, Option } from 'commander';
import { resolveTenant } from '../core/tenant.js';
import { currentEndpoint } from '../engine/endpoint.js';
import { type EngineVersion, engineVersion } from '../engine/engine-version.js';
import { formatJson, formatYaml, parseOutputFormat } from '../output/format.js';
import { version } from '../version.js';
import { DEFAULT_LB_IMAGE } from './create.js';

const EXAMPLES = `
Examples:
  $ svc version                                # svc, its settings, and the engine
  $ svc version -o json | jq -r .Server.ApiVersion
  $ svc --context colima version               # which engine a context reaches

Without an engine, the client part is printed and the error goes to stderr (exit 5).
`;

export interface ClientVersion {
  Version: string;
  NodeVersion: string;
  Os: string;
  Arch: string;
  /** The docker context and endpoint this run talks to. */
  Context: string;
  Endpoint: string;
  Tenant: string;
  LoadBalancerImage: string;
  /** `default`, or `SVC_LB_IMAGE` when that variable chose it. */
  LoadBalancerImageFrom: string;
}

export interface VersionInfo {
  Client: ClientVersion;
  Server: EngineVersion | null;
}

export function clientVersion(
  tenantFlag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ClientVersion {
  const endpoint = currentEndpoint(env);
  return {
    Version: version(),
    NodeVersion: process.version,
    Os: process.platform,
    Arch: process.arch,
    Context: endpoint.context,
    Endpoint: endpoint.url,
    Tenant: resolveTenant(tenantFlag, env),
    LoadBalancerImage: env.SVC_LB_IMAGE || DEFAULT_LB_IMAGE,
    LoadBalancerImageFrom: env.SVC_LB_IMAGE ? 'SVC_LB_IMAGE' : 'default',
  };
}

/** The text form, as `docker version` lays it out. */
export function formatVersion(v: VersionInfo): string {
  const row = (k: string, value: string) => ` ${`${k}:`.padEnd(19)}${value}\n`;
  const c = v.Client;
  let out = 'Client: svc\n';
  out += row('Version', c.Version);
  out += row('Node.js', c.NodeVersion);
  out += row('OS/Arch', `${c.Os}/${c.Arch}`);
  out += row('Context', c.Context);
  out += row('Endpoint', c.Endpoint);
  out += row('Tenant', c.Tenant);
  out += row('LB image', `${c.LoadBalancerImage} (${c.LoadBalancerImageFrom})`);
  if (v.Server) {
    const s = v.Server;
    out += '\nServer: Docker Engine\n';
    out += row('Version', s.Version);
    out += row(
      'API version',
      `${s.ApiVersion}${s.MinApiVersion ? ` (minimum version ${s.MinApiVersion})` : ''}`,
    );
    out += row('OS/Arch', `${s.Os}/${s.Arch}`);
  }
  return out;
}

async function run(flags: { output?: string; tenant?: string }): Promise<void> {
  const output = flags.output === undefined ? undefined : parseOutputFormat(flags.output, ['json', 'yaml']);
  const info: VersionInfo = { Client: clientVersion(flags.tenant), Server: null };
  let failure: unknown;
  try {
    info.Server = await engineVersion();
  } catch (err) {
    failure = err;
  }
  if (output === 'json') process.stdout.write(formatJson(info));
  else if (output === 'yaml') process.stdout.write(formatYaml(info));
  else process.stdout.write(formatVersion(info));
  if (failure) throw failure;
}

export function versionCommand(): Command {
  const cmd = new Command('version')
    .summary("show svc's version and settings, and the Docker engine's version")
    .description(
      "Show svc's version, Node.js, the docker context and endpoint, the tenant and the load balancer " +
        "image; then the engine's version and API version.",
    )
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['json', 'yaml']).argParser((v) => v),
    )
    .option('--tenant <id>', 'tenant id, 32 hex (env SVC_TENANT; default: this installation)');
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((flags: { output?: string; tenant?: string }) => run(flags));
  return cmd;
}
