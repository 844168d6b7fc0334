/** `svc scale NAME=N…`: converge each service to N replicas, no request lost. */
import { Command } from 'commander';
import { scaleService } from '../core/services.js';
import { UsageError } from '../errors.js';
import { resolveField } from '../spec/resolve-spec.js';
import { MAX_REPLICAS } from '../spec/types.js';
import { addChangeOptions, addCommonOptions, addPullOption, type ChangeFlags, runChanges } from './common.js';

const EXAMPLES = `
Examples:
  $ svc scale web=4              # add two replicas to a 2-replica service
  $ svc scale web=1 api=3        # several services, one after the other
  $ svc scale web=0              # keep the service and its load balancer, no replicas
  $ svc scale web=2              # after a replica was removed by hand: re-creates it
  $ svc scale web=8 --dry-run    # print the plan, change nothing
  $ svc scale web=6 --pull always   # pull the image's tag before adding replicas
  $ svc scale web=6 --pull never    # add replicas only from the image the engine has

New replicas get traffic once HAProxy's health check passes; leaving replicas leave the load
balancer first and are stopped once their in-flight requests are done. If a new replica never
passes its check (--timeout) or anything else fails, every step is undone: the service is
exactly as it was, and the error says so.

New replicas run the service's image: --pull missing (the default) pulls it when the engine lacks
it, with the login docker login stored for its registry. On Swarm they run the digest the
service's release was pinned to, whatever the tag points at now.
`;

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

function run(args: string[], flags: ChangeFlags): Promise<void> {
  return runChanges(args.map(parseScaleArg), flags, 'scaling', (core, t, opts) =>
    scaleService(core, t.name, t.replicas, {
      ...opts,
      onProgress: (x) => opts.onProgress?.(`${t.name}: ${x}`),
    }),
  );
}

export function scaleCommand(): Command {
  const cmd = new Command('scale')
    .summary('set the number of replicas of services')
    .description(`Converge each service to N replicas (0–${MAX_REPLICAS}) without dropping a request.`)
    .argument('<NAME=N...>', 'service and its number of replicas');
  addChangeOptions(cmd, 'how long new replicas may take to be UP', '120s');
  addPullOption(cmd);
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((args: string[], flags: ChangeFlags) => run(args, flags));
  return cmd;
}
