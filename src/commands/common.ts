/** Options every command shares (SPEC §2). */
import { type Command, Option } from 'commander';
import { connectEngine } from '../engine/connect.js';
import type { Engine } from '../engine/engine.js';
import { formatJson, formatYaml, type OutputFormat, parseOutputFormat } from '../output/format.js';
import { inspectServices } from '../service/list-services.js';
import { resolveTenant } from '../service/tenant.js';
import { parseDuration } from '../util/duration.js';
import { startProgress } from './progress.js';

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

/**
 * What a command that changed services prints: the services as `svc inspect` shows them (the
 * original API answered an update with the Service), or their names with -q.
 */
export async function printChangedServices(
  engine: Engine,
  tenant: string,
  names: string[],
  flags: CommonOptions,
): Promise<void> {
  const output = parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  if (flags.quiet) {
    process.stdout.write(names.map((n) => `${n}\n`).join(''));
    return;
  }
  const { services } = await inspectServices(engine, tenant, names);
  process.stdout.write(output === 'yaml' ? formatYaml(services) : formatJson(services));
}

/**
 * The shape every changing command shares: check the output format and timeout, connect, run
 * `change` on each item in turn with a spinner (stderr, TTY only), say what was done on a TTY,
 * then print the changed services.
 */
export async function runChanges<T, R extends { name: string }>(
  items: T[],
  flags: CommonOptions & { timeout: string },
  what: string,
  change: (engine: Engine, tenant: string, item: T, opts: ChangeOpts) => Promise<R>,
  describe?: (r: R) => string,
): Promise<void> {
  parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  const timeoutMs = parseDuration(flags.timeout, '--timeout');
  const tenant = resolveTenant(flags.tenant);
  const engine = await connectEngine();
  const progress = await startProgress(what);
  const results: R[] = [];
  try {
    for (const item of items) {
      results.push(await change(engine, tenant, item, { timeoutMs, onProgress: (x) => progress.update(x) }));
    }
  } finally {
    progress.stop();
  }
  if (describe && process.stderr.isTTY) for (const r of results) progress.note(describe(r));
  await printChangedServices(
    engine,
    tenant,
    results.map((r) => r.name),
    flags,
  );
}

export interface ChangeOpts {
  timeoutMs: number;
  onProgress: (text: string) => void;
}
