/** `svc rm [--keep] NAME…`: remove services and everything they made. */
import { Command } from 'commander';
import { removeServices } from '../core/remove.js';
import { NotFoundError, SvcError } from '../errors.js';
import { parseOutputFormat } from '../output/format.js';
import { parseDuration } from '../util/duration.js';
import { addCommonOptions, type CommonOptions, note, openCore, printData } from './common.js';
import { startProgress } from './progress.js';

const EXAMPLES = `
Examples:
  $ svc rm web                  # load balancer, replicas, stored spec; the network if it was the last
  $ svc rm web api              # several at once; prints the names removed, one a line
  $ svc rm --keep web           # drop the service, leave its replicas running
  $ svc rm --volumes web        # and its named volumes that no other service mounts
  $ svc rm -t 0 web             # do not wait for the replicas to stop gracefully
  $ svc ls -q | xargs svc rm    # every service of the tenant

The load balancer goes first (it stops taking connections and finishes those in flight), then the
replicas get --timeout (by default the service's StopTimeout, 10 s unless set) to stop after their
StopSignal before they are killed.

A service left half-made (e.g. a svc create killed) is removed like any other. A name that does
not exist is an error (exit 3) once the others are removed.

--keep: the replicas keep running, no longer part of any service: they are renamed
NAME-N-<tenant>_kept_<id> (freeing the name for a new service) and svc ignores them from then
on. They keep their labels (a container's labels cannot change) and the tenant network; remove
them with docker rm -f.

Named volumes are kept (as docker keeps them): svc volume ls lists them, svc volume rm NAME
removes one. --volumes removes those of the removed services that no other service of the
tenant mounts (one still in use is kept, with a note).
`;

interface RmFlags extends CommonOptions {
  keep?: boolean;
  volumes?: boolean;
  timeout?: string;
}

async function run(wanted: string[], flags: RmFlags): Promise<void> {
  // Names one a line by default; -o json|yaml prints them as a list.
  const output = flags.output === undefined ? undefined : parseOutputFormat(flags.output, ['json', 'yaml']);
  const graceSeconds =
    flags.timeout === undefined ? undefined : Math.ceil(parseDuration(flags.timeout, '--timeout') / 1000);
  const core = await openCore(flags);
  const progress = await startProgress(`removing ${wanted.join(', ')}`);
  let result: Awaited<ReturnType<typeof removeServices>>;
  try {
    result = await removeServices(core, wanted, {
      keep: Boolean(flags.keep),
      volumes: Boolean(flags.volumes),
      graceSeconds,
      onProgress: (t) => progress.update(t),
    });
  } finally {
    progress.stop();
  }
  for (const k of result.kept) note(`${k.service}: left running as ${k.name}`);
  for (const n of result.notes) note(n);

  if (output && !flags.quiet) printData(result.removed, output);
  else process.stdout.write(result.removed.map((n) => `${n}\n`).join(''));

  const [failure, ...moreFailures] = result.failed;
  if (failure) {
    const others = moreFailures.map((f) => f.name);
    throw new SvcError(
      failure.error.status,
      `removing ${failure.name} failed half-way (run svc rm ${failure.name} again): ${failure.error.message}` +
        (others.length > 0 ? `; also failed: ${others.join(', ')}` : ''),
      { cause: failure.error },
    );
  }
  if (result.missing.length > 0) throw new NotFoundError(`no such service: ${result.missing.join(', ')}`);
}

export function rmCommand(): Command {
  const cmd = new Command('rm')
    .alias('remove')
    .summary('remove services and everything they created')
    .description(
      'Remove services: their load balancer, replicas and stored spec, and the tenant network when ' +
        'nothing else of the tenant uses it. Prints the names removed.',
    )
    .argument('<name...>', 'service names')
    .option('--keep', 'leave the replicas running, no longer part of the service')
    .option('--volumes', 'also remove their named volumes that no other service mounts')
    .option(
      '-t, --timeout <duration>',
      "how long replicas get to stop before they are killed (default: the service's StopTimeout)",
    );
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((names: string[], flags: RmFlags) => run(names, flags));
  return cmd;
}
