/** `svc attach-fip --fip ADDR NAME` and `svc detach-fip NAME…`: publish or unpublish the service port. */
import { Command } from 'commander';
import { setFip } from '../core/services.js';
import { UsageError } from '../errors.js';
import { resolveField } from '../spec/resolve-spec.js';
import { addChangeOptions, addCommonOptions, type ChangeFlags, runChanges } from './common.js';

interface FipFlags extends ChangeFlags {
  fip?: string;
}

function requireFip(fip: string | undefined): string {
  if (!fip)
    throw new UsageError('give the host address to publish on: --fip ADDR (e.g. 127.0.0.1 or 0.0.0.0)');
  return resolveField('FIP', { flag: '--fip', value: fip });
}

function run(names: string[], fip: string, flags: FipFlags): Promise<void> {
  return runChanges(names, flags, fip ? `publishing on ${fip}` : 'unpublishing', (core, name, opts) =>
    setFip(core, name, fip, { ...opts, onProgress: (x) => opts.onProgress?.(`${name}: ${x}`) }),
  );
}

function withCommon(cmd: Command, examples: string): Command {
  addChangeOptions(cmd, 'how long the new load balancer may take to see the replicas UP', '60s');
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', examples);
  return cmd;
}

export function attachFipCommand(): Command {
  const cmd = new Command('attach-fip')
    .summary('publish a service port on a host address')
    .description(
      "Publish the service port on a host address (the FIP). The replicas are untouched; the load balancer is replaced by one with the new binding (its address on the tenant network changes; its name there doesn't).",
    )
    .argument('<name>', 'service name')
    .option('--fip <address>', 'host address: 127.0.0.1, 0.0.0.0, or one of the host addresses');
  withCommon(
    cmd,
    `
Examples:
  $ svc attach-fip --fip 127.0.0.1 web     # reachable from this machine only
  $ svc attach-fip --fip 0.0.0.0 web       # on every address of the host

A service has at most one FIP: attaching a second is a conflict (exit 4); detach first.
A host port already in use is a conflict too, and the service stays as it was.
`,
  );
  cmd.action((name: string, flags: FipFlags) => run([name], requireFip(flags.fip), flags));
  return cmd;
}

export function detachFipCommand(): Command {
  const cmd = new Command('detach-fip')
    .summary('unpublish services from their host address')
    .description(
      'Stop publishing the service port on the host; the service stays reachable on the tenant network.',
    )
    .argument('<name...>', 'service names');
  withCommon(
    cmd,
    `
Examples:
  $ svc detach-fip web
  $ svc detach-fip web && svc attach-fip --fip 0.0.0.0 web
`,
  );
  cmd.action((names: string[], flags: FipFlags) => run(names, '', flags));
  return cmd;
}
