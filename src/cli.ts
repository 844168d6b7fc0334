/**
 * The command line: wires commander to the commands, and is the one place errors are caught and
 * turned into `Error: …` (or a JSON object with -o json) on stderr and the exit codes (docs/commands.md).
 */
import type { Hint } from './errors.js';
import { version } from './version.js';

/** -o json asks for errors as JSON too; read it from argv since parsing may be what failed. */
function wantsJsonErrors(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if ((a === '-o' || a === '--output') && argv[i + 1]?.toLowerCase() === 'json') return true;
    if (a === '--output=json' || a === '-ojson') return true;
  }
  return false;
}

/** What to do next, as a command line (the core says it neutrally: errors.ts Hint). */
export function hintText(hint: Hint): string {
  switch (hint.kind) {
    case 'remove':
      return `remove it with: svc rm ${hint.service}`;
    case 'start-lb':
      return `start it with: docker start ${hint.container}`;
    case 'rollback':
      return `roll back with: svc rolling-update --rollback ${hint.service}`;
    case 'detach-fip':
      return `detach it first: svc detach-fip ${hint.service}`;
    case 'create-group':
      return `create it with: svc sg create -f FILE ${hint.group}`;
    case 'update-group':
      return `change it with: svc sg update -f FILE ${hint.group}`;
    case 'unreachable-engine':
      return 'is the daemon running? Point svc at another engine with -H, --context or DOCKER_HOST';
    case 'registry-login':
      return `log in with: docker login${hint.registry === 'docker.io' ? '' : ` ${hint.registry}`}`;
  }
}

function reportError(message: string, status: number, json: boolean): void {
  if (json) process.stderr.write(`${JSON.stringify({ message, status })}\n`);
  else process.stderr.write(`Error: ${message}\n`);
}

/**
 * SVC_COMPLETE_DEADLINE_MS: end quietly (exit 124, as timeout(1)) when the command is not done
 * by then. Shell completion asks svc for service names this way, never waiting on an engine.
 */
function deadline(env: NodeJS.ProcessEnv): void {
  const ms = Number(env.SVC_COMPLETE_DEADLINE_MS);
  if (ms > 0) setTimeout(() => process.exit(124), ms).unref();
}

export async function main(argv: string[] = process.argv): Promise<void> {
  deadline(process.env);
  // The reader of stdout went away (`svc ls | head`): what is left of the output goes nowhere,
  // and the command itself runs to its end (a change is never cut short by its reader).
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const json = wantsJsonErrors(argv.slice(2));
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    // Answered before any command module loads: `svc --version` costs little more than node.
    process.stdout.write(`${version()}\n`);
    return;
  }
  const [{ buildProgram }, { CommanderError }] = await Promise.all([
    import('./program.js'),
    import('commander'),
  ]);
  const program = buildProgram();
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride();
    cmd.configureOutput({ outputError: () => undefined });
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    // Loaded only now: `svc --version` needs nothing but the version.
    const { exitCodeFor, InterruptedError, SvcError } = await import('./errors.js');
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return; // --help, --version
      const message = err.message.replace(/^error: /, '');
      reportError(`${message} (see: svc --help)`, 400, json);
      process.exitCode = 2;
      return;
    }
    if (err instanceof SvcError) {
      reportError(err.hint ? `${err.message}; ${hintText(err.hint)}` : err.message, err.status, json);
      process.exitCode = err instanceof InterruptedError ? 130 : exitCodeFor(err.status);
      return;
    }
    const e = err as Error;
    reportError(`unexpected failure: ${e?.stack ?? String(err)}`, 500, json);
    process.exitCode = 1;
  }
}
