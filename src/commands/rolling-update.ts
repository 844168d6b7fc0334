/** `svc rolling-update --image IMG NAME…`: replace replicas one at a time, no request lost. */
import { Command } from 'commander';
import { rollingUpdate } from '../core/services.js';
import { UsageError } from '../errors.js';
import { resolveField } from '../spec/resolve-spec.js';
import { addChangeOptions, addCommonOptions, addPullOption, type ChangeFlags, runChanges } from './common.js';

const EXAMPLES = `
Examples:
  $ svc rolling-update --image nginx:1.27 web
  $ svc rolling-update --image app:2 --timeout 60s api worker
  $ svc rolling-update --rollback web      # back to the image before the last update
  $ svc rolling-update --image app:2 --dry-run web   # print the plan, change nothing
  $ svc rolling-update --image registry.example.com/team/app:2 web   # with your docker login
  $ svc rolling-update --image app:2 --pull always web   # pull app:2 even if the engine has it

One replica at a time: a new replica starts and joins the load balancer, which waits until its
health check passes; the old replica it replaces then leaves the load balancer but keeps running
until every new replica is UP. So a new replica that never becomes healthy (or any other failure,
or Ctrl-C) undoes the whole update: the old replicas are all back in the load balancer, the new
ones removed, and the service is exactly as it was (exit 1). Once all are UP, the old replicas
are drained (in-flight requests finish) and removed.

--pull missing (the default) pulls the new image when the engine lacks it, always pulls it, never
pulls it (exit 3 when it is missing), with the login docker login stored for its registry; a
registry refusing that login exits 5, an image it lacks exits 3, and nothing is changed. On Swarm
the new release is pinned to the image's digest (always: the digest the registry gives now), so
every task runs the same image; --rollback returns to the digest the release before ran.
`;

interface UpdateFlags extends ChangeFlags {
  image?: string;
  rollback?: boolean;
}

async function run(names: string[], flags: UpdateFlags): Promise<void> {
  if (!flags.image === !flags.rollback)
    throw new UsageError('give exactly one of --image IMAGE and --rollback');
  const target = flags.image
    ? { image: resolveField('Image', { flag: '--image', value: flags.image }) }
    : { rollback: true as const };
  return runChanges(names, flags, 'rolling update', (core, name, opts) =>
    rollingUpdate(core, name, target, { ...opts, onProgress: (x) => opts.onProgress?.(`${name}: ${x}`) }),
  );
}

export function rollingUpdateCommand(): Command {
  const cmd = new Command('rolling-update')
    .summary("replace services' replicas with a new image, one at a time")
    .description(
      'Replace the replicas of each service one at a time with the new image, with no request lost.',
    )
    .argument('<NAME...>', 'services to update')
    .option('--image <image>', 'the new image')
    .option('--rollback', 'return to the image before the last rolling update');
  addChangeOptions(cmd, 'how long each new replica may take to be UP', '60s');
  addPullOption(cmd);
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((names: string[], flags: UpdateFlags) => run(names, flags));
  return cmd;
}
