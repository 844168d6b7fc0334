/**
 * The command line: wires commander to the commands, and is the one place errors are caught and
 * turned into `Error: …` (or a JSON object with -o json) on stderr and the exit codes of SPEC §5.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { createCommand } from './commands/create.js';
import { attachFipCommand, detachFipCommand } from './commands/fip.js';
import { inspectCommand } from './commands/inspect.js';
import { logsCommand } from './commands/logs.js';
import { lsCommand } from './commands/ls.js';
import { rmCommand } from './commands/rm.js';
import { rollingUpdateCommand } from './commands/rolling-update.js';
import { scaleCommand } from './commands/scale.js';
import { serveCommand } from './commands/serve.js';
import { sgCommand } from './commands/sg.js';
import { updateCertCommand } from './commands/update-cert.js';
import { exitCodeFor, InterruptedError, SvcError } from './errors.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('svc')
    .description(
      'Hyper.sh-style services on any Docker engine: N replicas of one image behind an HAProxy ' +
        'load balancer, printed as the Service JSON of the original API.',
    )
    .version(version(), '-V, --version')
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .addCommand(createCommand())
    .addCommand(lsCommand())
    .addCommand(inspectCommand())
    .addCommand(rmCommand())
    .addCommand(logsCommand())
    .addCommand(scaleCommand())
    .addCommand(rollingUpdateCommand())
    .addCommand(attachFipCommand())
    .addCommand(detachFipCommand())
    .addCommand(updateCertCommand())
    .addCommand(serveCommand())
    .addCommand(sgCommand());
  program.addHelpText(
    'after',
    `
Examples:
  $ svc create -f service.yaml
  $ svc create --name web --image nginx --service-port 8080 --container-port 80 --protocol http --fip 127.0.0.1
  $ svc create --help

Environment: DOCKER_HOST (engine), SVC_TENANT (tenant), SVC_LB_IMAGE (load balancer image), NO_COLOR.
Exit codes: 0 done, 1 unexpected failure, 2 invalid spec or usage, 3 not found, 4 conflict,
5 Docker engine unreachable.`,
  );
  return program;
}

/** -o json asks for errors as JSON too; read it from argv since parsing may be what failed. */
function wantsJsonErrors(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if ((a === '-o' || a === '--output') && argv[i + 1]?.toLowerCase() === 'json') return true;
    if (a === '--output=json' || a === '-ojson') return true;
  }
  return false;
}

function reportError(message: string, status: number, json: boolean): void {
  if (json) process.stderr.write(`${JSON.stringify({ message, status })}\n`);
  else process.stderr.write(`Error: ${message}\n`);
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const json = wantsJsonErrors(argv.slice(2));
  const program = buildProgram();
  for (const cmd of [program, ...program.commands]) {
    cmd.exitOverride();
    cmd.configureOutput({ outputError: () => undefined });
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return; // --help, --version
      const message = err.message.replace(/^error: /, '');
      reportError(`${message} (see: svc --help)`, 400, json);
      process.exitCode = 2;
      return;
    }
    if (err instanceof SvcError) {
      reportError(err.message, err.status, json);
      process.exitCode = err instanceof InterruptedError ? 130 : exitCodeFor(err.status);
      return;
    }
    const e = err as Error;
    reportError(`unexpected failure: ${e?.stack ?? String(err)}`, 500, json);
    process.exitCode = 1;
  }
}
