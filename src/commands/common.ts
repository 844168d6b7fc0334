/** What the commands share: options, the core they act on, reading inputs, printing. */
import { readFileSync } from 'node:fs';
import { chalkStderr } from 'chalk';
import { type Command, Option } from 'commander';
import { BACKENDS } from '../backends/index.js';
import { type Core, PULL_POLICIES, type PullPolicy, type RunOptions } from '../core/backend.js';
import { inspectServices } from '../core/reads.js';
import type { ChangeResult } from '../core/services.js';
import { resolveTenant } from '../core/tenant.js';
import { connectEngine } from '../engine/connect.js';
import { UsageError } from '../errors.js';
import { LbDriver } from '../lb/driver.js';
import { formatJson, formatYaml, type OutputFormat, parseOutputFormat } from '../output/format.js';
import { parseDuration } from '../util/duration.js';
import { colourEnabled, startProgress } from './progress.js';

/** The load balancer image when none is given (--lb-image, SVC_LB_IMAGE). */
export const DEFAULT_LB_IMAGE = 'haproxy:lts-alpine';

export function resolveLbImage(flag: string | undefined): string {
  return flag || process.env.SVC_LB_IMAGE || DEFAULT_LB_IMAGE;
}

export interface CommonOptions {
  output?: string;
  quiet?: boolean;
  tenant?: string;
}

export function addCommonOptions(cmd: Command, formats: OutputFormat[]): Command {
  // The formats are its choices for help and completion; parseOutputFormat checks them (in any case).
  const output = new Option('-o, --output <format>', 'output format').choices(formats).argParser((v) => v);
  return cmd
    .addOption(output)
    .option('-q, --quiet', 'print names only')
    .option('--tenant <id>', 'tenant id, 32 hex (env SVC_TENANT; default: this installation)');
}

/** The engine, the load balancer driver and the tenant a command acts on. */
export async function openCore(flags: CommonOptions): Promise<Core> {
  const tenant = resolveTenant(flags.tenant);
  const engine = await connectEngine();
  return { engine, lb: new LbDriver(engine), tenant, backends: BACKENDS };
}

/** A file named on the command line (`-` reads stdin): its name for messages and its text. */
export function readInputFile(file: string, flag: string): { origin: string; text: string } {
  const origin = file === '-' ? '<stdin>' : file;
  try {
    return { origin, text: readFileSync(file === '-' ? 0 : file, 'utf8') };
  } catch (err) {
    throw new UsageError(`${flag} ${file}: cannot read ${origin}: ${(err as Error).message}`);
  }
}

/** Data on stdout, as JSON or YAML. */
export function printData(value: unknown, output: string): void {
  process.stdout.write(output === 'yaml' ? formatYaml(value) : formatJson(value));
}

/** A note for people, on stderr. */
export function note(text: string): void {
  const prefix = colourEnabled() ? chalkStderr.yellow('note:') : 'note:';
  process.stderr.write(`${prefix} ${text}\n`);
}

/**
 * What a command that changed services prints: the services as `svc inspect` shows them (the
 * original API answered an update with the Service), or their names with -q.
 */
export async function printChangedServices(core: Core, names: string[], flags: CommonOptions): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  if (flags.quiet) {
    process.stdout.write(names.map((n) => `${n}\n`).join(''));
    return;
  }
  const { services } = await inspectServices(core, names);
  printData(services, output);
}

export interface ChangeFlags extends CommonOptions {
  timeout: string;
  dryRun?: boolean;
  /** --pull (the commands that start replicas). */
  pull?: PullPolicy;
}

/** --pull: when the replicas' image is pulled (with the user's docker login for its registry). */
export function addPullOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--pull <policy>', 'pull the image: missing (when the engine lacks it), always, or never')
      .choices(PULL_POLICIES)
      .default('missing'),
  );
}

/** The --timeout and --dry-run options of a changing command. */
export function addChangeOptions(cmd: Command, what: string, timeout: string): Command {
  return cmd
    .option('--timeout <duration>', what, timeout)
    .option('--dry-run', 'print the plan (one step a line) and change nothing');
}

/**
 * The shape every changing command shares: check the output format and timeout, open the core,
 * run `change` on each item in turn with a spinner (stderr, TTY only), say what was done on a
 * TTY, then print the changed services (with --dry-run: the plans, changing nothing). Ctrl-C
 * stops the change under way, which is undone.
 */
export async function runChanges<T>(
  items: T[],
  flags: ChangeFlags,
  what: string,
  change: (core: Core, item: T, opts: RunOptions) => Promise<ChangeResult>,
): Promise<void> {
  parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  const core = await openCore(flags);
  const results: ChangeResult[] = [];
  await withInterrupt(async (signal) => {
    const progress = await startProgress(what);
    try {
      for (const item of items) {
        const opts = {
          timeoutMs,
          signal,
          dryRun: flags.dryRun,
          pull: flags.pull,
          onProgress: (x: string) => progress.update(x),
        };
        results.push(await change(core, item, opts));
      }
    } finally {
      progress.stop();
    }
  });
  for (const r of results) for (const n of r.notes) note(`${r.name}: ${n}`);
  if (flags.dryRun) {
    for (const r of results)
      process.stdout.write(`# ${r.name}: ${r.summary}\n${r.plan || '(nothing to do)'}\n`);
    return;
  }
  if (process.stderr.isTTY) for (const r of results) note(`${r.name}: ${r.summary}`);
  await printChangedServices(
    core,
    results.map((r) => r.name),
    flags,
  );
}

/**
 * Run `fn` with an AbortSignal that SIGINT/SIGTERM abort (the change under way is undone); a
 * second signal exits at once (130).
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    return await fn(abort.signal);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}
