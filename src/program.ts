/** The commander program: every command, its help and examples. Loaded by src/cli.ts. */
import { Command } from 'commander';
import { applyCommand } from './commands/apply.js';
import { completionCommand } from './commands/completion.js';
import { createCommand } from './commands/create.js';
import { dashboardCommand } from './commands/dashboard.js';
import { diffCommand } from './commands/diff.js';
import { attachFipCommand, detachFipCommand } from './commands/fip.js';
import { addGlobalOptions } from './commands/global-options.js';
import { inspectCommand } from './commands/inspect.js';
import { logsCommand } from './commands/logs.js';
import { lsCommand } from './commands/ls.js';
import { rmCommand } from './commands/rm.js';
import { rollingUpdateCommand } from './commands/rolling-update.js';
import { scaleCommand } from './commands/scale.js';
import { schemaCommand } from './commands/schema.js';
import { serveCommand } from './commands/serve.js';
import { sgCommand } from './commands/sg.js';
import { statsCommand } from './commands/stats.js';
import { updateCertCommand } from './commands/update-cert.js';
import { versionCommand } from './commands/version.js';
import { volumeCommand } from './commands/volume.js';
import { version } from './version.js';

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
    .addCommand(applyCommand())
    .addCommand(diffCommand())
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
    .addCommand(dashboardCommand())
    .addCommand(sgCommand())
    .addCommand(volumeCommand())
    .addCommand(statsCommand())
    .addCommand(schemaCommand())
    .addCommand(completionCommand())
    .addCommand(versionCommand());
  program.addHelpText(
    'after',
    `
Examples:
  $ svc create -f service.yaml
  $ svc create --name web --image nginx --service-port 8080 --container-port 80 --protocol http --fip 127.0.0.1
  $ svc --context colima ls                 # the engine of a docker context (as docker --context)
  $ svc version                             # svc, its context, tenant and load balancer image; the engine
  $ svc create --help

Environment: DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG (engine, as the docker CLI reads them),
SVC_TENANT (tenant), SVC_LB_IMAGE (load balancer image), NO_COLOR, FORCE_COLOR.
Exit codes: 0 done, 1 unexpected failure, 2 invalid spec or usage, 3 not found, 4 conflict,
5 Docker engine unreachable.`,
  );
  return addGlobalOptions(program);
}
