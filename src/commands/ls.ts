/** `svc ls`: the tenant's services, one row each (or their Service JSON). */
import { Command } from 'commander';
import { listServices } from '../core/reads.js';
import { LS_HEADERS, lsRows, parseFilters } from '../core/views.js';
import { formatTable, parseOutputFormat } from '../output/format.js';
import { addCommonOptions, type CommonOptions, openCore, printData } from './common.js';

const EXAMPLES = `
Examples:
  $ svc ls                                  # a table: NAME IMAGE REPLICAS PROTOCOL SERVICE PORT FIP STATUS
  $ svc ls -q                               # names only
  $ svc ls -o json | jq -r '.[].IP'         # the Service JSON of each, as an array
  $ svc ls --filter status=degraded         # the ones that need attention
  $ svc ls -f name='web*' -f label=tier=front

Filters (--filter KEY=VALUE, repeatable; different keys must all match):
  name=NAME      the name; * matches any characters; several name filters: any may match
  label=KEY      the spec's Labels have KEY (label=KEY=VALUE: with that value); all must match
  status=STATUS  created, active, degraded, updating or failed; several: any may match

REPLICAS is up/desired, counting the running replicas in the load balancer's config; IMAGE is
what they run (two images, comma-separated, when they differ). STATUS is judged from the
containers' states and the stored spec, as svc inspect does; svc inspect NAME also shows what the
load balancer itself thinks of each replica.
A service left half-made (e.g. a svc create killed) shows as failed: svc rm NAME removes it.
`;

interface LsFlags extends CommonOptions {
  filter?: string[];
}

async function run(flags: LsFlags): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'table', ['table', 'json', 'yaml']);
  const filters = parseFilters(flags.filter ?? []);
  const list = await listServices(await openCore(flags), filters);
  if (flags.quiet) {
    process.stdout.write(list.map((l) => `${l.service.Name}\n`).join(''));
    return;
  }
  const services = list.map((l) => l.service);
  if (output === 'table') process.stdout.write(formatTable(LS_HEADERS, lsRows(list)));
  else printData(services, output);
}

export function lsCommand(): Command {
  const cmd = new Command('ls')
    .alias('list')
    .summary("list the tenant's services")
    .description(
      "List the tenant's services: a table by default, or their Service JSON (-o json|yaml). " +
        'Reads everything from the engine in one call.',
    )
    .option(
      '-f, --filter <KEY=VALUE>',
      'only services matching: name=NAME, label=KEY[=VALUE], status=STATUS (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    );
  addCommonOptions(cmd, ['table', 'json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((flags: LsFlags) => run(flags));
  return cmd;
}
