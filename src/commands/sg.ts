/** `svc sg create|update|ls|inspect|rm`: security groups, stored in the engine, enforced at the load balancers. */
import { Command } from 'commander';
import { listGroups, removeGroup, saveGroup } from '../core/groups.js';
import { UsageError } from '../errors.js';
import { formatTable, parseOutputFormat } from '../output/format.js';
import { parseSpecDocument } from '../spec/parse-document.js';
import { parseSecurityGroup } from '../spec/security-group.js';
import { parseDuration } from '../util/duration.js';
import {
  addCommonOptions,
  type CommonOptions,
  note,
  openCore,
  printData,
  readInputFile,
  resolveLbImage,
  withInterrupt,
} from './common.js';

const FILE_EXAMPLE = `
A group file (YAML or JSON):
  name: office                 # or NAME on the command line
  description: http from the office
  rules:
    - direction: ingress       # ingress | egress
      protocol: tcp            # tcp | udp | icmp | "" (any)
      port_range_min: 8080     # both omitted: every port
      port_range_max: 8080
      remote_ip_prefix: 10.0.0.0/8   # or remote_group_name: other-group; neither: any source

Services naming the group (SecurityGroups: [office], or --sg office) accept TCP on their
ServicePort only from the prefixes of ingress rules that cover it; no group = open; groups with
no such rule = closed. Egress and remote_group_name rules are stored, not enforced.
`;

interface WriteFlags extends CommonOptions {
  file?: string;
  lbImage?: string;
  timeout: string;
  dryRun?: boolean;
}

function readDocument(file: string | undefined) {
  if (file === undefined) throw new UsageError('give the group file: -f FILE (- reads stdin)');
  const { origin, text } = readInputFile(file, '-f');
  return parseSpecDocument(origin, text);
}

async function write(mode: 'create' | 'update', name: string | undefined, flags: WriteFlags): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  const group = parseSecurityGroup(readDocument(flags.file), name);
  const core = await openCore(flags);
  const result = await withInterrupt((signal) =>
    saveGroup(core, group, mode, {
      image: resolveLbImage(flags.lbImage),
      timeoutMs,
      signal,
      dryRun: flags.dryRun,
    }),
  );
  for (const n of result.notes) note(n);
  if (flags.dryRun) {
    process.stdout.write(`${result.plan}\n`);
    return;
  }
  if (result.applied.length > 0 && process.stderr.isTTY) note(`applied to ${result.applied.join(', ')}`);
  if (flags.quiet) process.stdout.write(`${result.group.name}\n`);
  else printData(result.group, output);
}

function writeCommand(mode: 'create' | 'update'): Command {
  const cmd = new Command(mode)
    .summary(
      mode === 'create' ? 'create a security group from a file' : 'replace the rules of a security group',
    )
    .description(
      mode === 'create'
        ? 'Create a security group from a YAML/JSON file. Prints the group.'
        : 'Replace a security group with the file. Every running service using it gets the new rules at once (hitless load balancer reload). Prints the group.',
    )
    .argument('[name]', 'group name (else name: in the file)')
    .option('-f, --file <file>', 'group file, YAML or JSON ("-" reads stdin)')
    .option('--lb-image <image>', 'image the stored group object is made from (env SVC_LB_IMAGE); never run')
    .option('--timeout <duration>', 'how long each load balancer may take to reload', '60s')
    .option('--dry-run', 'print the plan (one step a line) and change nothing');
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText(
    'after',
    `
Examples:
  $ svc sg ${mode} -f office.yaml
  $ svc sg ${mode} -f office.yaml office
${FILE_EXAMPLE}`,
  );
  cmd.action((name: string | undefined, flags: WriteFlags) => write(mode, name, flags));
  return cmd;
}

function lsCommand(): Command {
  const cmd = new Command('ls')
    .alias('list')
    .summary("list the tenant's security groups")
    .action(async (flags: CommonOptions) => {
      const output = parseOutputFormat(flags.output ?? 'table', ['table', 'json', 'yaml']);
      const groups = await listGroups(await openCore(flags));
      if (flags.quiet) {
        process.stdout.write(groups.map((g) => `${g.group.name}\n`).join(''));
        return;
      }
      if (output !== 'table') {
        printData(
          groups.map((g) => g.group),
          output,
        );
        return;
      }
      const rows = groups.map((g) => {
        const count = (d: string) => String(g.group.rules.filter((r) => r.direction === d).length);
        return [
          g.group.name,
          count('ingress'),
          count('egress'),
          g.services.join(',') || '-',
          g.group.description,
        ];
      });
      process.stdout.write(formatTable(['NAME', 'INGRESS', 'EGRESS', 'SERVICES', 'DESCRIPTION'], rows));
    });
  addCommonOptions(cmd, ['table', 'json', 'yaml']);
  return cmd;
}

function inspectCommand(): Command {
  const cmd = new Command('inspect')
    .summary('show security groups (the output is a valid group file)')
    .argument('<name...>', 'group names')
    .action(async (names: string[], flags: CommonOptions) => {
      const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
      const core = await openCore(flags);
      const groups = [];
      for (const n of names) groups.push(...(await listGroups(core, n)).map((g) => g.group));
      printData(groups, output);
    });
  addCommonOptions(cmd, ['json', 'yaml']);
  return cmd;
}

function rmCommand(): Command {
  const cmd = new Command('rm')
    .alias('remove')
    .summary('remove security groups (refused while a service uses one: exit 4)')
    .argument('<name...>', 'group names')
    .action(async (names: string[], flags: CommonOptions) => {
      const core = await openCore(flags);
      for (const n of names) {
        await removeGroup(core, n);
        process.stdout.write(`${n}\n`);
      }
    });
  addCommonOptions(cmd, ['json']);
  return cmd;
}

export function sgCommand(): Command {
  const sg = new Command('sg')
    .summary('security groups: create, update, ls, inspect, rm')
    .description('Security groups: named ingress/egress rules that services enforce at their load balancer.');
  for (const sub of [
    writeCommand('create'),
    writeCommand('update'),
    lsCommand(),
    inspectCommand(),
    rmCommand(),
  ]) {
    // Like every command (src/cli.ts): usage errors are thrown to main, which reports them (exit 2).
    sub.exitOverride();
    sub.configureOutput({ outputError: () => undefined });
    sg.addCommand(sub);
  }
  return sg;
}
