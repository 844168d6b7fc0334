/** `svc apply -f FILE`: make each service in the file what it says, with the least change. */
import { Command } from 'commander';
import { chooseBackend } from '../backends/index.js';
import { type ApplyOptions, type ApplyResult, applyService } from '../core/apply.js';
import type { PullPolicy } from '../core/backend.js';
import { inspectServices } from '../core/reads.js';
import { InterruptedError, SvcError } from '../errors.js';
import { parseOutputFormat } from '../output/format.js';
import { flagsToInput, registerCreateFlags } from '../spec/flags.js';
import type { ServiceSpec } from '../spec/types.js';
import { parseDuration } from '../util/duration.js';
import {
  addCommonOptions,
  type CommonOptions,
  note,
  openCore,
  printData,
  resolveLbImage,
  withInterrupt,
} from './common.js';
import { addNewServiceOptions } from './create.js';
import { startProgress } from './progress.js';
import { parseParallelism } from './rolling-update.js';
import { readServiceFiles } from './spec-files.js';

const EXAMPLES = `
Examples:
  $ svc apply -f service.yaml                  # create it, or change it to what the file says
  $ svc apply -f service.yaml --dry-run        # what would change (as svc diff), change nothing
  $ svc apply -f services/                     # every *.yaml, *.yml, *.json in name order
  $ svc apply -f web.yaml -f api.yaml | jq '.[].Status'
  $ docker build -t app:latest . && svc apply -f service.yaml   # a moved tag replaces the replicas
  $ svc apply -f service.yaml --pull always    # ask the registry what the tag names first
  $ cat service.yaml | svc apply -f - --no-wait
  $ svc apply -f examples/https-term.yaml --ssl-cert web.pem   # a certificate kept out of the file

A service that does not exist is created (as svc create --wait; --no-wait returns once it is
started). One that exists is compared field by field with what it runs, and changed the least way:
  Replicas only                       a scale: the replicas that stay are kept
  Algorithm, SessionAffinity, HealthCheck*, SecurityGroups, SSLCert
                                      the load balancer is reloaded: every replica kept
  FIP                                 the load balancer is replaced (as attach-fip): replicas kept
  Image, Env, Cmd, Entrypoint, WorkingDir, Volumes, Labels, ContainerSize, StopSignal,
  StopTimeout, Tty, Stdin, ContainerPort, or a tag that now names another image
                                      a rolling replacement, each new replica joining only once
                                      ready (--parallelism N at a time); no request lost
  ServicePort, Protocol, NetMode      refused (exit 2), nothing changed: the message says how
Nothing differs: nothing is touched ("unchanged" on stderr).

Each service is all or nothing: a change that fails (replicas never healthy, an engine refusal,
Ctrl-C) is undone and the service serves on as it was; the other services in the input are still
applied. Errors are on stderr, named by service; the exit code is the first failure's.

stdout: the Service JSON (as svc inspect) of each service applied: one object for one document,
an array in input order for several. With one document, create's spec flags (--ssl-cert FILE,
--replicas N, …) win over the file's values; keep the file the desired state and give by flag only
what does not belong in it (a certificate), the same each time.
`;

interface ApplyFlags extends CommonOptions {
  [key: string]: unknown;
  file?: string[];
  dryRun?: boolean;
  wait: boolean;
  timeout: string;
  pull: string;
  lbImage?: string;
  backend?: string;
  allowExpired?: boolean;
  parallelism: string;
  force?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

interface Outcome {
  results: ApplyResult[];
  failures: Array<{ name: string; error: SvcError }>;
}

/** Apply (or, dry, plan) each spec in turn; a failure of one is kept and the next goes on. */
export async function applyAll(specs: ServiceSpec[], flags: ApplyFlags, dryRun: boolean): Promise<Outcome> {
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  const parallelism = parseParallelism(flags.parallelism);
  const core = await openCore(flags);
  const outcome: Outcome = { results: [], failures: [] };
  await withInterrupt(async (signal) => {
    const progress = await startProgress(dryRun ? 'planning' : 'applying');
    try {
      for (const spec of specs) {
        if (signal.aborted) break;
        const opts: ApplyOptions = {
          lbImage: resolveLbImage(flags.lbImage),
          pull: flags.pull as PullPolicy,
          backend: chooseBackend(flags.backend),
          wait: flags.wait,
          dryRun,
          timeoutMs,
          parallelism,
          force: Boolean(flags.force),
          onProgress: (t) => progress.update(`${spec.Name}: ${t}`),
          signal,
        };
        try {
          outcome.results.push(await applyService(core, spec, opts));
        } catch (err) {
          if (!(err instanceof SvcError) || err instanceof InterruptedError || specs.length === 1) throw err;
          outcome.failures.push({ name: spec.Name, error: err });
        }
      }
    } finally {
      progress.stop();
    }
  });
  for (const r of outcome.results) for (const n of r.notes) note(`${r.name}: ${n}`);
  return outcome;
}

/** The first failure, named by its service (the others were said on stderr). */
export function firstFailure(failures: Outcome['failures']): SvcError | undefined {
  for (const f of failures.slice(1)) process.stderr.write(`Error: ${f.name}: ${f.error.message}\n`);
  const first = failures[0];
  if (!first) return undefined;
  first.error.message = `${first.name}: ${first.error.message}${failures.length > 1 ? ` (and ${failures.length - 1} more, above)` : ''}`;
  return first.error;
}

async function run(flags: ApplyFlags): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  const specs = await readSpecs(flags);
  const { results, failures } = await applyAll(specs, flags, Boolean(flags.dryRun));
  if (flags.dryRun) {
    for (const r of results) process.stdout.write(`# ${r.name}: ${r.summary}\n${r.text}\n`);
  } else {
    for (const r of results) process.stderr.write(`${r.name}: ${r.summary}\n`);
    const names = results.map((r) => r.name);
    if (flags.quiet) process.stdout.write(names.map((n) => `${n}\n`).join(''));
    else if (names.length > 0) {
      const { services } = await inspectServices(await openCore(flags), names);
      printData(specs.length === 1 ? services[0] : services, output);
    }
  }
  const failed = firstFailure(failures);
  if (failed) throw failed;
}

/** The specs of the -f files, with the spec flags given (one document only). */
export async function readSpecs(flags: ApplyFlags): Promise<ServiceSpec[]> {
  const input = await flagsToInput(flags, { cmd: [] });
  return readServiceFiles(flags.file ?? [], { allowExpired: Boolean(flags.allowExpired) }, input);
}

/** The options apply and diff share. */
export function addApplyOptions(cmd: Command): Command {
  cmd
    .option('-f, --file <file>', 'service file, directory or - (stdin); repeatable', collect)
    .option(
      '--timeout <duration>',
      'how long replicas may take to be UP (each batch of a rolling replacement)',
      '120s',
    )
    .option('--parallelism <n>', 'new replicas that join the load balancer together', '1')
    .option('--force', 'replace every replica even when nothing they are made from changed');
  addNewServiceOptions(cmd);
  registerCreateFlags(cmd);
  return cmd;
}

export function applyCommand(): Command {
  const cmd = new Command('apply')
    .summary('create or change services to what their files say, with the least change')
    .description(
      'Make each service in the files what it says: create it if missing, else change only what ' +
        'differs (scale, reload the load balancer, or a rolling replacement), all or nothing per service.',
    )
    .option('--dry-run', 'print what would change (as svc diff) and change nothing')
    .option('--no-wait', 'return once a new service is started, not once every replica is UP');
  addApplyOptions(cmd);
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((flags: ApplyFlags) => run(flags));
  return cmd;
}
