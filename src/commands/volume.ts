/** `svc volume ls|create|inspect|rm`: the tenant's named volumes, by the names its specs use. */
import { Command } from 'commander';
import {
  createVolume,
  findVolume,
  listVolumes,
  removeVolume,
  volumeJson,
  volumeLabelsFrom,
} from '../core/volumes.js';
import { formatTable, parseOutputFormat } from '../output/format.js';
import { addCommonOptions, type CommonOptions, openCore, printData } from './common.js';

const ABOUT = `
A named volume in a spec (Volumes: [data:/var/lib/data]) is the tenant's own: svc makes the
engine volume svc-<tenant>_data, labelled with the tenant, before a replica mounts it, and no
other tenant's service can mount it. svc rm keeps volumes (as docker does); svc rm --volumes
removes those no other service mounts; svc volume rm removes one (refused while in use: exit 4).
`;

interface CreateFlags extends CommonOptions {
  label: string[];
}

function lsCommand(): Command {
  const cmd = new Command('ls')
    .alias('list')
    .summary("list the tenant's named volumes")
    .action(async (flags: CommonOptions) => {
      const output = parseOutputFormat(flags.output ?? 'table', ['table', 'json', 'yaml']);
      const volumes = await listVolumes(await openCore(flags));
      if (flags.quiet) process.stdout.write(volumes.map((v) => `${v.name}\n`).join(''));
      else if (output !== 'table') printData(volumes.map(volumeJson), output);
      else
        process.stdout.write(
          formatTable(
            ['NAME', 'SERVICES', 'CREATED', 'ENGINE VOLUME'],
            volumes.map((v) => [v.name, v.services.join(',') || '-', v.created, v.engineName]),
          ),
        );
    });
  addCommonOptions(cmd, ['table', 'json', 'yaml']);
  return cmd;
}

function createCommand(): Command {
  const cmd = new Command('create')
    .summary('create a named volume (services make theirs when they need them)')
    .argument('<name>', 'volume name')
    .option('-l, --label <key=value>', 'label (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .action(async (name: string, flags: CreateFlags) => {
      const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
      const labels = volumeLabelsFrom(flags.label, '--label');
      const volume = await createVolume(await openCore(flags), name, labels);
      if (flags.quiet) process.stdout.write(`${volume.name}\n`);
      else printData(volumeJson(volume), output);
    });
  addCommonOptions(cmd, ['json', 'yaml']);
  return cmd;
}

function inspectCommand(): Command {
  const cmd = new Command('inspect')
    .summary('show named volumes')
    .argument('<name...>', 'volume names')
    .action(async (names: string[], flags: CommonOptions) => {
      const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
      const core = await openCore(flags);
      const volumes = [];
      for (const n of names) volumes.push(volumeJson(await findVolume(core, n)));
      printData(volumes, output);
    });
  addCommonOptions(cmd, ['json', 'yaml']);
  return cmd;
}

function rmCommand(): Command {
  const cmd = new Command('rm')
    .alias('remove')
    .summary('remove named volumes (refused while a service or container uses one: exit 4)')
    .argument('<name...>', 'volume names')
    .action(async (names: string[], flags: CommonOptions) => {
      const core = await openCore(flags);
      for (const n of names) {
        await removeVolume(core, n);
        process.stdout.write(`${n}\n`);
      }
    });
  addCommonOptions(cmd, ['json']);
  return cmd;
}

export function volumeCommand(): Command {
  const volume = new Command('volume')
    .summary("the tenant's named volumes: ls, create, inspect, rm")
    .description("The tenant's named volumes: the ones its services' Volumes name, and those made here.");
  volume.addHelpText(
    'after',
    `
Examples:
  $ svc volume ls
  $ svc volume create data          # before a service, e.g. to fill it first
  $ svc volume inspect data
  $ svc volume rm data
${ABOUT}`,
  );
  for (const sub of [lsCommand(), createCommand(), inspectCommand(), rmCommand()]) {
    // Like every command (src/cli.ts): usage errors are thrown to main, which reports them (exit 2).
    sub.exitOverride();
    sub.configureOutput({ outputError: () => undefined });
    volume.addCommand(sub);
  }
  return volume;
}
