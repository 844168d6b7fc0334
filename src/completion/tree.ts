/**
 * The command tree as shell completion needs it, read from commander: each command's path,
 * names (with aliases), options (with what their value is: choices, a file, or free text) and
 * positional arguments (service names, group names, choices). Pure.
 */
import type { Argument, Command, Option } from 'commander';

/** What to offer for a value: fixed choices, file names, or nothing (free text). */
export type ValueKind = { choices: string[] } | 'file' | 'text';

/** What to offer for a positional argument. */
export type ArgKind = 'service' | 'service=' | 'group' | { choices: string[] } | 'none';

export interface CompletionOption {
  /** `-o`, `--output`. */
  flags: string[];
  description: string;
  /** Absent for a switch. */
  value?: ValueKind;
}

export interface CompletionArg {
  kind: ArgKind;
  variadic: boolean;
}

export interface CompletionCommand {
  /** `/` for svc itself, `/sg/create` for `svc sg create`. */
  path: string;
  /** The name, then the aliases. */
  names: string[];
  description: string;
  options: CompletionOption[];
  args: CompletionArg[];
  commands: CompletionCommand[];
}

const HELP: CompletionOption = { flags: ['-h', '--help'], description: 'display help for command' };

function valueKind(option: Option): ValueKind | undefined {
  if (option.isBoolean()) return undefined;
  if (option.argChoices) return { choices: [...option.argChoices] };
  return /<file>/.test(option.flags) ? 'file' : 'text';
}

function completionOption(option: Option): CompletionOption {
  const flags = [option.short, option.long].filter((f): f is string => Boolean(f));
  return { flags, description: option.description, value: valueKind(option) };
}

/** Service names for `<name>`/`<NAME…>` arguments described as services, `NAME=N` for scale. */
function argKind(arg: Argument): ArgKind {
  if (arg.argChoices) return { choices: [...arg.argChoices] };
  const name = arg.name().toLowerCase();
  if (name === 'name=n') return 'service=';
  if (name !== 'name') return 'none';
  if (/servic/i.test(arg.description)) return 'service';
  if (/group/i.test(arg.description)) return 'group';
  return 'none';
}

function summary(cmd: Command): string {
  return cmd.summary() || cmd.description().split('\n')[0] || '';
}

/** `cmd` (at `path`) and its subcommands, hidden ones left out (they are not for people). */
export function completionTree(cmd: Command, path = '/'): CompletionCommand {
  const hidden = (c: Command) => (c as unknown as { _hidden?: boolean })._hidden === true;
  const options = cmd.options.map(completionOption);
  if (!options.some((o) => o.flags.includes('--help'))) options.push(HELP);
  const childPath = (c: Command) => `${path === '/' ? '' : path}/${c.name()}`;
  return {
    path,
    names: [cmd.name(), ...cmd.aliases()],
    description: summary(cmd),
    options,
    args: cmd.registeredArguments.map((a) => ({ kind: argKind(a), variadic: a.variadic })),
    commands: cmd.commands.filter((c) => !hidden(c)).map((c) => completionTree(c, childPath(c))),
  };
}

/** Every command of the tree, depth first. */
export function allCommands(root: CompletionCommand): CompletionCommand[] {
  return [root, ...root.commands.flatMap(allCommands)];
}
