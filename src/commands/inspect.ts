/** `svc inspect NAME…`: the Service JSON of each, with what the load balancer sees of each replica. */
import { Command } from 'commander';
import { inspectServices } from '../core/reads.js';
import { NotFoundError } from '../errors.js';
import { parseOutputFormat } from '../output/format.js';
import { addCommonOptions, type CommonOptions, note, openCore, printData } from './common.js';

const EXAMPLES = `
Examples:
  $ svc inspect web                                   # a JSON array with one Service
  $ svc inspect web api -o yaml
  $ svc inspect web | jq -r '.[0].Status'             # created, active, degraded, updating, failed
  $ svc inspect web | jq '.[0].ReplicaDetail[] | {Name, State, LB}'

Each Service has the fields of the original API in its order (Status and Message as svc ls
judges them, from the containers' states and the stored spec), then:
  Revision       the revision of the service's stored spec (null when it has none)
  LoadBalancer   {ID, Name, Image, State} of its HAProxy container (null when it is missing)
  ReplicaDetail  one entry a replica: {Number, ID, Name, Image, State, LB, Check}
                 State: the container's (running, exited, restarting, …; missing: removed by hand)
                 LB: what HAProxy thinks: UP, DOWN, DRAIN, MAINT, NOLB, NONE (not in its config),
                 UNKNOWN (its log no longer reaches back far enough); null when the load
                 balancer is not running. Read from what HAProxy printed (its health-check lines).
                 Check: its last health check (L4OK, L4CON, L4TOUT, …; "" before the first)

As docker inspect: the services found are printed; any name not found is an error (exit 3).
`;

async function run(wanted: string[], flags: CommonOptions): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  const result = await inspectServices(await openCore(flags), wanted);
  for (const n of result.notes) note(n);
  if (flags.quiet) process.stdout.write(result.services.map((s) => `${s.Name}\n`).join(''));
  else printData(result.services, output);
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
