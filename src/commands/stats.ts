/** `svc stats [NAME…]`: each replica as its load balancer counts it, like `docker stats`. */
import { Command } from 'commander';
import { type ReplicaStats, serviceStats } from '../core/stats.js';
import { formatTable, parseOutputFormat } from '../output/format.js';
import { addCommonOptions, type CommonOptions, openCore, printData, withInterrupt } from './common.js';

const EXAMPLES = `
Examples:
  $ svc stats                      # every service of the tenant; refreshed every 2 s on a terminal
  $ svc stats web --no-stream      # once
  $ svc stats web -o json | jq '.[] | select(.Errors > 0)'

From HAProxy's own counters (show stat), per replica: the state the load balancer gives it,
sessions open now, requests (sessions) since the load balancer (re)loaded, errors (connection
and response errors, and HTTP 5xx answers), and the average response time of the last 1024
requests (HTTP modes). The load balancer's image must have HAProxy built with Lua (the
official images are): svc reads the counters with the haproxy binary itself.
`;

const HEADERS = ['SERVICE', 'REPLICA', 'STATE', 'SESSIONS', 'REQUESTS', 'ERRORS', 'AVG RESPONSE'];

interface StatsFlags extends CommonOptions {
  stream?: boolean;
}

function table(list: ReplicaStats[]): string {
  return formatTable(
    HEADERS,
    list.map((r) => [
      r.Service,
      r.Replica,
      r.State,
      String(r.Sessions),
      String(r.Requests),
      String(r.Errors),
      `${r.AvgResponseMs} ms`,
    ]),
  );
}

async function run(names: string[], flags: StatsFlags): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'table', ['table', 'json', 'yaml']);
  const core = await openCore(flags);
  const live = flags.stream !== false && output === 'table' && Boolean(process.stdout.isTTY);
  if (!live) {
    const list = await serviceStats(core, names);
    if (output === 'table') process.stdout.write(table(list));
    else printData(list, output);
    return;
  }
  await withInterrupt(async (signal) => {
    while (!signal.aborted) {
      const text = table(await serviceStats(core, names));
      process.stdout.write(`\x1b[H\x1b[2J${text}`);
      await new Promise((r) => {
        const t = setTimeout(r, 2000);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          r(undefined);
        });
      });
    }
  });
}

export function statsCommand(): Command {
  const cmd = new Command('stats')
    .summary('per-replica counters from the load balancers (like docker stats)')
    .description(
      'Show, per replica, what its load balancer counts: state, sessions, requests, errors, response time.',
    )
    .argument('[name...]', 'service names (default: all)')
    .option('--no-stream', 'print once and exit (the default when stdout is not a terminal)');
  addCommonOptions(cmd, ['table', 'json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((names: string[], flags: StatsFlags) => run(names, flags));
  return cmd;
}
