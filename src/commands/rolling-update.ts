/** `svc rolling-update --image IMG NAME…`: replace replicas one at a time, no request lost. */
import { Command } from 'commander';
import { connectEngine } from '../engine/connect.js';
import { UsageError } from '../errors.js';
import { parseOutputFormat } from '../output/format.js';
import { type RollingUpdateResult, rollingUpdate } from '../service/rolling-update.js';
import { resolveTenant } from '../service/tenant.js';
import { parseDuration } from '../util/duration.js';
import { addCommonOptions, type CommonOptions, printChangedServices } from './common.js';
import { startProgress } from './progress.js';

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
  parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  if (!flags.image === !flags.rollback)
    throw new UsageError('give exactly one of --image IMAGE and --rollback');
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  const tenant = resolveTenant(flags.tenant);
  const engine = await connectEngine();
  const progress = await startProgress('rolling update');
  const results = [];
  try {
    for (const name of names) {
      results.push(
        await rollingUpdate(
          engine,
          tenant,
          name,
          { image: flags.image, rollback: flags.rollback },
          {
            timeoutMs,
            onProgress: (x) => progress.update(`${name}: ${x}`),
          },
        ),
      );
    }
  } finally {
    progress.stop();
  }
  if (process.stderr.isTTY) for (const r of results) progress.note(describe(r));
  await printChangedServices(
    engine,
    tenant,
    results.map((r) => r.name),
    flags,
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
