/** `svc logs NAME`: the replicas' output (and the load balancer's), each line prefixed by its source. */
import { Chalk } from 'chalk';
import { Command } from 'commander';
import type { ServiceLogLine } from '../core/log-lines.js';
import { parseSince, serviceLogs } from '../core/service-logs.js';
import { UsageError } from '../errors.js';
import { parseOutputFormat } from '../output/format.js';
import { addCommonOptions, type CommonOptions, openCore } from './common.js';
import { colourEnabled } from './progress.js';

const EXAMPLES = `
Examples:
  $ svc logs web                         # every replica's log, merged in time order
  $ svc logs web --tail 20               # the last 20 lines of each replica
  $ svc logs web -f --since 10m          # the last ten minutes, then follow until Ctrl-C
  $ svc logs web --lb                    # with the load balancer's (HAProxy's request log)
  $ svc logs web -q | grep ERROR         # the lines alone, no prefix
  $ svc logs web -o json | jq -r 'select(.Replica == 2) | .Line'   # JSON lines

Each line is prefixed like docker compose: "web-1 | …" for replica 1, "lb | …" for the load
balancer (in colour on a terminal, never with NO_COLOR). Standard output and standard error of the
containers both go to stdout. With --follow, replicas that restart or are added are followed too;
it ends with Ctrl-C or when the service is removed.
`;

interface LogsFlags extends CommonOptions {
  follow?: boolean;
  tail?: string;
  since?: string;
  lb?: boolean;
  timestamps?: boolean;
}

const COLOURS = [
  'cyan',
  'yellow',
  'green',
  'magenta',
  'blue',
  'redBright',
  'cyanBright',
  'yellowBright',
] as const;

/** `--tail N` (or `all`). */
export function parseTail(text: string | undefined): number | undefined {
  if (text === undefined || text === 'all') return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--tail: expected a number of lines (or all), got "${text}"`);
  return Number(text);
}

/** The prefix of a source's lines: padded to the widest, in its colour when `colour` is given. */
export function linePrefixer(
  labels: string[],
  colour?: InstanceType<typeof Chalk>,
): (line: ServiceLogLine) => string {
  const width = Math.max(0, ...labels.map((l) => l.length));
  const colourOf = new Map<string, string>();
  return (line) => {
    const text = `${line.source.padEnd(width)} | `;
    if (!colour) return text;
    let c = colourOf.get(line.source);
    if (!c) {
      c = line.replica === null ? 'white' : (COLOURS[(line.replica - 1) % COLOURS.length] as string);
      colourOf.set(line.source, c);
    }
    return (colour as unknown as Record<string, (s: string) => string>)[c]?.(text) ?? text;
  };
}

async function run(name: string, flags: LogsFlags): Promise<void> {
  const json = flags.output !== undefined && parseOutputFormat(flags.output, ['json']) === 'json';
  const tail = parseTail(flags.tail);
  const since = flags.since === undefined ? undefined : parseSince(flags.since);
  const core = await openCore(flags);

  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
  };
  if (flags.follow) process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // The reader went away (svc logs web | head): stop quietly.
    if (err.code === 'EPIPE') abort.abort();
  });

  const colour = colourEnabled(process.stdout) ? new Chalk({ level: 1 }) : undefined;
  let prefix = linePrefixer([], colour);
  const write = (line: ServiceLogLine) => {
    if (json) {
      const entry = {
        Source: line.source,
        Replica: line.replica,
        Stream: line.stream,
        Time: line.time,
        Line: line.text,
      };
      process.stdout.write(`${JSON.stringify(entry)}\n`);
      return;
    }
    const time = flags.timestamps && line.time ? `${line.time} ` : '';
    process.stdout.write(flags.quiet ? `${time}${line.text}\n` : `${prefix(line)}${time}${line.text}\n`);
  };
  try {
    await serviceLogs(
      core,
      name,
      {
        follow: Boolean(flags.follow),
        tail,
        since,
        lb: Boolean(flags.lb),
        signal: abort.signal,
        onSources: (labels) => {
          prefix = linePrefixer(labels, colour);
        },
      },
      write,
    );
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

export function logsCommand(): Command {
  const cmd = new Command('logs')
    .summary("show a service's logs, prefixed by replica")
    .description(
      "Print the logs of a service's replicas, each line prefixed with its replica (NAME-N | …), " +
        "and with --lb the load balancer's (lb | …).",
    )
    .argument('<name>', 'service name')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --tail <lines>', 'only the last N lines of each container (or all)')
    .option('--since <when>', 'only lines since a duration ago (10m, 1h30m) or a time (2024-05-01T10:00:00Z)')
    .option('--lb', "include the load balancer's log (HAProxy's request log)")
    .option('--timestamps', 'show the time of each line (RFC 3339, nanoseconds)');
  addCommonOptions(cmd, ['json']);
  const quiet = cmd.options.find((o) => o.long === '--quiet');
  if (quiet) quiet.description = 'print the lines alone, without the replica prefix';
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((name: string, flags: LogsFlags) => run(name, flags));
  return cmd;
}
