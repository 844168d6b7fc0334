/**
 * Options of every command, given before the command as with docker (`svc -H URL ls`,
 * `svc --context colima ls`) or after it (`svc ls --context colima`): which engine to talk to.
 */
import { type Command, Option } from 'commander';
import { selectEngine } from '../engine/endpoint.js';

const HOST_HELP =
  'Docker engine to talk to, e.g. unix:///run/user/1000/docker.sock or tcp://box:2376 (env DOCKER_HOST)';
const CONTEXT_HELP =
  'docker context to talk to (env DOCKER_CONTEXT; default: the one `docker context use` chose)';

interface GlobalFlags {
  host?: string;
  context?: string;
}

/** Each subcommand accepts the options too (hidden in its own list, shown as global options). */
function addToSubcommands(cmd: Command): void {
  for (const sub of cmd.commands) {
    sub.addOption(new Option('-H, --host <url>', HOST_HELP).hideHelp());
    sub.addOption(new Option('--context <name>', CONTEXT_HELP).hideHelp());
    sub.configureHelp({ showGlobalOptions: true });
    addToSubcommands(sub);
  }
}

/** Adds -H/--host and --context to the program and all its commands; call after adding them. */
export function addGlobalOptions(program: Command): Command {
  program.option('-H, --host <url>', HOST_HELP).option('--context <name>', CONTEXT_HELP);
  addToSubcommands(program);
  program.hook('preAction', (_program, action) => {
    const { host, context } = action.optsWithGlobals<GlobalFlags>();
    selectEngine({ host, context });
  });
  return program;
}
