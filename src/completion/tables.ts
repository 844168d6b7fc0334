/**
 * The command tree as shell functions that bash and zsh both run (case statements and echo):
 * the completion scripts' drivers (bash.ts, zsh.ts) ask them what a path of subcommands accepts.
 * Paths are `/` for svc itself and `/sg/create` for `svc sg create`. Pure.
 */
import { type ArgKind, allCommands, type CompletionCommand, type ValueKind } from './tree.js';

/** A shell word in single quotes. */
export const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function kindText(kind: ArgKind | ValueKind): string {
  if (typeof kind === 'string') return kind === 'none' || kind === 'text' ? '' : kind;
  return `choices:${kind.choices.join(' ')}`;
}

/** A `case "$1 $2"` (or `case $1`) function: one line per pattern list, a default at the end. */
function caseFunction(name: string, subject: string, arms: [string[], string][], otherwise: string): string {
  const lines = arms.map(([patterns, body]) => `    ${patterns.map(quote).join('|')}) ${body} ;;`);
  return `${name}() {\n  case ${subject} in\n${lines.join('\n')}\n    *) ${otherwise} ;;\n  esac\n}\n`;
}

function argArms(cmd: CompletionCommand): string | undefined {
  const arms = cmd.args
    .map((a, i) => ({ text: kindText(a.kind), i, last: i === cmd.args.length - 1 && a.variadic }))
    .filter((a) => a.text !== '')
    .map((a) => `${a.last ? '*' : a.i}) echo ${quote(a.text)} ;;`);
  return arms.length > 0 ? `case $2 in ${arms.join(' ')} esac` : undefined;
}

/** The tables: _svc_sub, _svc_subs, _svc_descs, _svc_opts, _svc_takes_value, _svc_value, _svc_arg. */
export function completionTables(root: CompletionCommand): string {
  const commands = allCommands(root);
  const sub: [string[], string][] = [];
  const subs: [string[], string][] = [];
  const descs: [string[], string][] = [];
  const opts: [string[], string][] = [];
  const takes: string[] = [];
  const values: [string[], string][] = [];
  const args: [string[], string][] = [];
  for (const cmd of commands) {
    for (const c of cmd.commands) sub.push([c.names.map((n) => `${cmd.path} ${n}`), `echo ${c.names[0]}`]);
    if (cmd.commands.length > 0) {
      subs.push([[cmd.path], `echo ${quote(cmd.commands.flatMap((c) => c.names).join(' '))}`]);
      const lines = cmd.commands.map((c) => `${c.names[0]}:${c.description.replace(/:/g, '\\:')}`);
      descs.push([[cmd.path], `printf '%s\\n' ${lines.map(quote).join(' ')}`]);
    }
    opts.push([[cmd.path], `echo ${quote(cmd.options.flatMap((o) => o.flags).join(' '))}`]);
    for (const o of cmd.options) {
      if (!o.value) continue;
      const patterns = o.flags.map((f) => `${cmd.path} ${f}`);
      takes.push(...patterns);
      const text = kindText(o.value);
      if (text) values.push([patterns, `echo ${quote(text)}`]);
    }
    const arms = argArms(cmd);
    if (arms) args.push([[cmd.path], arms]);
  }
  return [
    caseFunction('_svc_sub', '"$1 $2"', sub, 'return 1'),
    caseFunction('_svc_subs', '$1', subs, 'return 0'),
    caseFunction('_svc_descs', '$1', descs, 'return 0'),
    caseFunction('_svc_opts', '$1', opts, 'return 0'),
    caseFunction('_svc_takes_value', '"$1 $2"', [[takes, 'return 0']], 'return 1'),
    caseFunction('_svc_value', '"$1 $2"', values, 'return 0'),
    caseFunction('_svc_arg', '$1', args, 'return 0'),
  ].join('\n');
}
