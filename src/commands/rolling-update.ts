/** `svc rolling-update --image IMG NAME…`: replace replicas (one at a time by default), no request lost. */
import { Command } from 'commander';
import { rollingUpdate } from '../core/services.js';
import { UsageError } from '../errors.js';
import { resolveField } from '../spec/resolve-spec.js';
import { MAX_REPLICAS } from '../spec/types.js';
import { addChangeOptions, addCommonOptions, addPullOption, type ChangeFlags, runChanges } from './common.js';

const EXAMPLES = `
Examples:
  $ svc rolling-update --image nginx:1.27 web
  $ svc rolling-update --image app:2 --timeout 60s api worker
  $ svc rolling-update --image app:2 --parallelism 3 web   # three new replicas join at a time
  $ svc rolling-update --image app:latest --force web   # replace all, even with the same image string
  $ svc rolling-update --rollback web      # back to the image before the last update
  $ svc rolling-update --image app:2 --dry-run web   # print the plan, change nothing
  $ svc rolling-update --image registry.example.com/team/app:2 web   # with your docker login
  $ svc rolling-update --image app:2 --pull always web   # pull app:2 even if the engine has it

Every new replica starts at once (their warm-ups overlap); they join the load balancer one at a
time (--parallelism N: N at a time), each only once it passed its health check (and, when its
image has a HEALTHCHECK, Docker says it is healthy); the old replicas a batch replaces leave the
load balancer at the next reload but keep running until every new replica is UP. So a new replica
that never becomes healthy (or any other failure, or Ctrl-C) undoes the whole update: the old
replicas are all back in the load balancer, the new ones removed, and the service is exactly as
it was (exit 1). Once all are UP, the old replicas are drained (in-flight requests finish), the
update is recorded, and the old replicas are sent their stop signal: each has 1 s to exit once
the engine signalled it (an app that stops on its signal is removed at once); the command does
not wait out the StopTimeout of one that ignores it, which the engine finishes (SIGKILL after it):
a replica still stopping is removed by the next change of the service, or by rm.

--pull missing (the default) pulls the new image when the engine lacks it, always pulls it, never
pulls it (exit 3 when it is missing), with the login docker login stored for its registry; a
registry refusing that login exits 5, an image it lacks exits 3, and nothing is changed. On Swarm
the new release is pinned to the image's digest (always: the digest the registry gives now), so
every task runs the same image; --rollback returns to the digest the release before ran.
`;

interface UpdateFlags extends ChangeFlags {
  image?: string;
  rollback?: boolean;
  parallelism: string;
  force?: boolean;
}

/** --parallelism: a whole number of replicas, 1 to MAX_REPLICAS. */
export function parseParallelism(value: string): number {
  const n = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= MAX_REPLICAS))
    throw new UsageError(`--parallelism: expected a whole number from 1 to ${MAX_REPLICAS}, got "${value}"`);
  return n;
}

async function run(names: string[], flags: UpdateFlags): Promise<void> {
  if (!flags.image === !flags.rollback)
    throw new UsageError('give exactly one of --image IMAGE and --rollback');
  const parallelism = parseParallelism(flags.parallelism);
  const target = flags.image
    ? { image: resolveField('Image', { flag: '--image', value: flags.image }) }
    : { rollback: true as const };
  return runChanges(names, flags, 'rolling update', (core, name, opts) =>
    rollingUpdate(core, name, target, {
      ...opts,
      parallelism,
      force: Boolean(flags.force),
      onProgress: (x) => opts.onProgress?.(`${name}: ${x}`),
    }),
  );
}

export function rollingUpdateCommand(): Command {
  const cmd = new Command('rolling-update')
    .summary("replace services' replicas with a new image, one at a time")
    .description(
      'Replace the replicas of each service with the new image, one at a time (or --parallelism N at a time), with no request lost.',
    )
    .argument('<NAME...>', 'services to update')
    .option('--image <image>', 'the new image')
    .option('--rollback', 'return to the image before the last rolling update')
    .option('--parallelism <n>', 'new replicas that join the load balancer together', '1')
    .option('--force', 'replace every replica, even those already running the image (a rebuilt tag)');
  addChangeOptions(cmd, 'how long each batch of new replicas may take to be UP', '60s');
  addPullOption(cmd);
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((names: string[], flags: UpdateFlags) => run(names, flags));
  return cmd;
}
