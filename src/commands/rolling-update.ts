/** `svc rolling-update --image IMG NAME…`: replace replicas one at a time, no request lost. */
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { type RollingUpdateResult, rollingUpdate } from '../service/rolling-update.js';
import { addCommonOptions, type CommonOptions, runChanges } from './common.js';

const EXAMPLES = `
Examples:
  $ svc rolling-update --image nginx:1.27 web
  $ svc rolling-update --image app:2 --timeout 60s api worker
  $ svc rolling-update --rollback web      # back to the image before the last update

One replica at a time: a new replica starts, the load balancer waits until its health check
passes, then an old replica is drained and removed. A new replica that never becomes healthy
stops the update (exit 1); the old replicas left keep serving.
`;

interface UpdateFlags extends CommonOptions {
  image?: string;
  rollback?: boolean;
  timeout: string;
}

function describe(r: RollingUpdateResult): string {
  return `${r.name}: ${r.from} → ${r.to}, ${r.replaced.length} replicas replaced`;
}

async function run(names: string[], flags: UpdateFlags): Promise<void> {
  if (!flags.image === !flags.rollback)
    throw new UsageError('give exactly one of --image IMAGE and --rollback');
  return runChanges(
    names,
    flags,
    'rolling update',
    (engine, tenant, name, opts) =>
      rollingUpdate(
        engine,
        tenant,
        name,
        { image: flags.image, rollback: flags.rollback },
        { timeoutMs: opts.timeoutMs, onProgress: (x) => opts.onProgress(`${name}: ${x}`) },
      ),
    describe,
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
    .option('--rollback', 'return to the image before the last rolling update')
    .option('--timeout <duration>', 'how long each new replica may take to be UP', '60s');
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((names: string[], flags: UpdateFlags) => run(names, flags));
  return cmd;
}
