/** `svc create`: from a spec (flags and/or a YAML/JSON file) to a load-balanced service. */
import { Command, Option } from 'commander';
import { BACKEND_HELP, BACKEND_NAMES, chooseBackend } from '../backends/index.js';
import type { PullPolicy } from '../core/backend.js';
import { createService } from '../core/services.js';
import { parseOutputFormat } from '../output/format.js';
import { flagsToInput, registerCreateFlags } from '../spec/flags.js';
import { parseSpecDocument } from '../spec/parse-document.js';
import { resolveSpec } from '../spec/resolve-spec.js';
import { parseDuration } from '../util/duration.js';
import {
  addCommonOptions,
  addPullOption,
  type CommonOptions,
  DEFAULT_LB_IMAGE,
  note,
  openCore,
  printData,
  readInputFile,
  resolveLbImage,
  withInterrupt,
} from './common.js';
import { startProgress } from './progress.js';

export { DEFAULT_LB_IMAGE };

const EXAMPLES = `
Examples:
  $ svc create -f service.yaml                      # the spec from a file; prints the Service JSON
  $ svc create -f service.yaml --wait               # return once every replica is UP
  $ svc create --name web --service-port 8080 --container-port 80 --protocol http \\
      --health-check-path /healthz --stop-timeout 30 --wait app:1   # ready = GET /healthz answers 2xx/3xx
  $ svc create --name api --service-port 9000 --replicas 3 -e MODE=prod app:1
  $ svc create --name web --image nginx --service-port 8080 --container-port 80 \\
      --protocol http --fip 127.0.0.1
  $ svc create -f service.yaml --replicas 4         # flags override the file
  $ cat service.yaml | svc create -f - --dry-run    # validate, check against the engine, change nothing
  $ svc create -f service.yaml | jq -r .IP          # stdout is data only
  $ svc create --name sh --service-port 7000 busybox sh -c 'nc -lk -p 7000'
${BACKEND_HELP.example}
  $ docker login registry.example.com               # once: svc pulls with your docker login
  $ svc create --name api --service-port 8080 registry.example.com/team/api:1.4
  $ svc create -f service.yaml --pull always        # pull the tag again even if the engine has it

As with docker run, everything after IMAGE is the replicas' command: put flags before IMAGE.

--dry-run reads the engine (a name or port already taken, a missing image are reported as
errors), prints the Service JSON it would create on stdout and the plan on stderr, and changes
nothing.

--pull missing (the default) pulls an image the engine lacks, always pulls the replicas' image
before creating them, never pulls (a missing image is an error, exit 3). Pulls use what docker
login stored for the image's registry ($DOCKER_CONFIG/config.json, credential helpers).
A registry refusing the login exits 5, an image it does not have exits 3; nothing is created.
On Swarm the replicas run the image pinned to its digest, so every task runs the same one.

--wait returns once every replica passed the load balancer's check (a GET of --health-check-path,
else a connection) and, when its image has a HEALTHCHECK, Docker says it is healthy.

The load balancer image is --lb-image, else $SVC_LB_IMAGE, else ${DEFAULT_LB_IMAGE}.
`;

interface CreateFlags extends CommonOptions {
  file?: string;
  dryRun?: boolean;
  wait?: boolean;
  timeout: string;
  pull: PullPolicy;
  lbImage?: string;
  backend?: string;
  allowExpired?: boolean;
  [key: string]: unknown;
}

async function run(image: string | undefined, cmd: string[], flags: CreateFlags): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  const timeoutMs = parseDuration(flags.timeout, '--timeout');

  let file: ReturnType<typeof parseSpecDocument> | undefined;
  if (flags.file !== undefined) {
    const { origin, text } = readInputFile(flags.file, '-f');
    file = parseSpecDocument(origin, text);
  }
  const spec = resolveSpec(
    { file, flags: await flagsToInput(flags, { image, cmd }) },
    { allowExpired: Boolean(flags.allowExpired) },
  );
  const core = await openCore(flags);
  const result = await withInterrupt(async (signal) => {
    const progress = await startProgress(`creating service ${spec.Name}`);
    try {
      return await createService(core, spec, {
        lbImage: resolveLbImage(flags.lbImage),
        pull: flags.pull,
        backend: chooseBackend(flags.backend),
        wait: Boolean(flags.wait),
        dryRun: Boolean(flags.dryRun),
        timeoutMs,
        onProgress: (t) => progress.update(t),
        signal,
      });
    } finally {
      progress.stop();
    }
  });
  for (const n of result.notes) note(n);
  if (flags.dryRun) process.stderr.write(`${result.plan}\n`);
  if (flags.quiet) process.stdout.write(`${result.service.Name}\n`);
  else printData(result.service, output);
}

/** What create and apply take for a service they make: pulls, the load balancer image, the backend, spec flags' checks. */
export function addNewServiceOptions(cmd: Command): Command {
  return addPullOption(cmd)
    .option('--lb-image <image>', 'HAProxy image of the load balancer (env SVC_LB_IMAGE)')
    .addOption(new Option('--backend <backend>', BACKEND_HELP.create).choices(BACKEND_NAMES))
    .option('--allow-expired', 'accept an SSLCert whose certificate has expired (the error names the date)');
}

export function createCommand(): Command {
  const cmd = new Command('create')
    .summary('create a service: N replicas of one image behind a load balancer')
    .description(
      'Create a service: N replica containers of IMAGE behind an HAProxy load balancer, on the ' +
        'tenant network, optionally published on a host address (--fip). Prints the Service JSON.',
    )
    .argument('[image]', 'image of the replicas (or --image, or Image: in the file)')
    .argument('[cmd...]', 'command of the replicas (overrides the image default)')
    .option('-f, --file <file>', 'service spec in YAML or JSON ("-" reads stdin); flags override it')
    .option(
      '--dry-run',
      'validate, check against the engine, print the Service JSON and the plan; change nothing',
    )
    .option('--wait', 'return only once every replica is UP behind the load balancer')
    .option('--timeout <duration>', 'how long --wait waits (90s, 2m, …)', '120s')
    // As with `docker run`: everything after IMAGE is the replicas' command, options included.
    .passThroughOptions();
  addNewServiceOptions(cmd);
  registerCreateFlags(cmd);
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((image: string | undefined, args: string[], flags: CreateFlags) => run(image, args, flags));
  return cmd;
}
