/** `svc completion bash|zsh|fish`: a completion script generated from the commands themselves. */
import { Argument, Command } from 'commander';
import { bashScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import { completionTree } from '../completion/tree.js';
import { zshScript } from '../completion/zsh.js';
import { version } from '../version.js';

const EXAMPLES = `
Examples:
  $ source <(svc completion bash)                 # bash, this session (needs bash-completion's compopt: bash ≥ 4)
  $ svc completion bash > ~/.local/share/bash-completion/completions/svc    # bash, for good
  $ svc completion zsh > "\${fpath[1]}/_svc"       # zsh (then restart it; compinit must run)
  $ svc completion fish > ~/.config/fish/completions/svc.fish              # fish

It completes commands, options and their values (choices, files), and the names of services (and
of security groups) where a command takes them: those come from svc ls -q (svc sg ls -q) with the
-H, --context and --tenant already on the line, within 1 s, silently nothing when the engine does
not answer. Generate it again after upgrading svc.
`;

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

/** The completion script of `shell` for the program `root` belongs to. */
export function completionScript(root: Command, shell: keyof typeof SCRIPTS): string {
  return SCRIPTS[shell](completionTree(root), version());
}

export function completionCommand(): Command {
  const cmd = new Command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .description('Print the completion script of svc for a shell, generated from its commands and options.')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(Object.keys(SCRIPTS)))
    .action((shell: keyof typeof SCRIPTS, _flags: unknown, self: Command) => {
      let root = self;
      while (root.parent) root = root.parent;
      process.stdout.write(completionScript(root, shell));
    });
  cmd.addHelpText('after', EXAMPLES);
  return cmd;
}
