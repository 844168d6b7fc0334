/** `svc inspect NAME…`: the Service JSON of each, with what the load balancer sees of each replica. */
import { chalkStderr } from 'chalk';
import { Command } from 'commander';
import { connectEngine } from '../engine/connect.js';
import { NotFoundError } from '../errors.js';
import { formatJson, formatYaml, parseOutputFormat } from '../output/format.js';
import { inspectServices } from '../service/list-services.js';
import { resolveTenant } from '../service/tenant.js';
import { addCommonOptions, type CommonOptions } from './common.js';
import { colourEnabled } from './progress.js';

const EXAMPLES = `
Examples:
  $ svc inspect web                                   # a JSON array with one Service
  $ svc inspect web api -o yaml
  $ svc inspect web | jq -r '.[0].Status'             # created, active, degraded, updating, failed
  $ svc inspect web | jq '.[0].ReplicaDetail[] | {Name, State, LB}'

Each Service has the fields of the original API in its order (Status and Message judged with
the load balancer's own view of the replicas), then:
  Revision       the revision of the service's stored spec (null when it has none)
  LoadBalancer   {ID, Name, Image, State} of its HAProxy container (null when it is missing)
  ReplicaDetail  one entry a replica: {Number, ID, Name, Image, State, LB, Check}
                 State: the container's (running, exited, restarting, …; missing: removed by hand)
                 LB: what HAProxy thinks: UP, DOWN, DRAIN, MAINT, NOLB, UNKNOWN (no check), NONE
                 (not in its config); null when the load balancer is not running
                 Check: its last health check (L4OK, L4CON, L4TOUT, …)

As docker inspect: the services found are printed; any name not found is an error (exit 3).
`;

async function run(wanted: string[], flags: CommonOptions): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  const tenant = resolveTenant(flags.tenant);
  const engine = await connectEngine();
  const result = await inspectServices(engine, tenant, wanted);
  const notePrefix = colourEnabled() ? chalkStderr.yellow('note:') : 'note:';
  for (const note of result.notes) process.stderr.write(`${notePrefix} ${note}\n`);
  if (flags.quiet) process.stdout.write(result.services.map((s) => `${s.Name}\n`).join(''));
  else process.stdout.write(output === 'yaml' ? formatYaml(result.services) : formatJson(result.services));
  if (result.missing.length > 0) throw new NotFoundError(`no such service: ${result.missing.join(', ')}`);
}

export function inspectCommand(): Command {
  const cmd = new Command('inspect')
    .summary('show services in detail, with the load balancer view of each replica')
    .description(
      'Print a JSON array of the named services: the Service JSON of the original API, then the ' +
        "load balancer's view of every replica.",
    )
    .argument('<name...>', 'service names');
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((names: string[], flags: CommonOptions) => run(names, flags));
  return cmd;
}
