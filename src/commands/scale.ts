/** `svc scale NAME=N…`: converge each service to N replicas, no request lost. */
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { type ScaleResult, scaleService } from '../service/scale-service.js';
import { resolveField } from '../spec/resolve-spec.js';
import { addCommonOptions, type CommonOptions, runChanges } from './common.js';

const EXAMPLES = `
Examples:
  $ svc scale web=4              # add two replicas to a 2-replica service
  $ svc scale web=1 api=3        # several services, one after the other
  $ svc scale web=0              # keep the service and its load balancer, no replicas
  $ svc scale web=2              # after a replica was removed by hand: re-creates it

New replicas get traffic once HAProxy's health check passes; leaving replicas are drained
(in-flight requests finish) before they are stopped.
`;

interface ScaleFlags extends CommonOptions {
  timeout: string;
}

export function parseScaleArg(arg: string): { name: string; replicas: number } {
  const m = arg.match(/^([^=]+)=(.*)$/);
  if (!m) throw new UsageError(`expected NAME=N, got "${arg}"`);
  const name = resolveField('Name', { flag: 'NAME', value: m[1] as string });
  const replicas = resolveField(
    'Replicas',
    { flag: `${name}=N`, value: m[2] as string },
    { allowZeroReplicas: true },
  );
  return { name, replicas };
}

function describe(r: ScaleResult): string {
  return `${r.name}: ${r.from} → ${r.to} replicas (${r.change})`;
}

function run(args: string[], flags: ScaleFlags): Promise<void> {
  return runChanges(
    args.map(parseScaleArg),
    flags,
    'scaling',
    (engine, tenant, t, opts) =>
      scaleService(engine, tenant, t.name, t.replicas, {
        timeoutMs: opts.timeoutMs,
        onProgress: (x) => opts.onProgress(`${t.name}: ${x}`),
      }),
    describe,
  );
}

export function scaleCommand(): Command {
  const cmd = new Command('scale')
    .summary('set the number of replicas of services')
    .description('Converge each service to N replicas (0–1000) without dropping a request.')
    .argument('<NAME=N...>', 'service and its number of replicas')
    .option('--timeout <duration>', 'how long new replicas may take to be UP', '120s');
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((args: string[], flags: ScaleFlags) => run(args, flags));
  return cmd;
}
