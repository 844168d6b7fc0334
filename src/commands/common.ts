/** Options every command shares (SPEC §2). */
import type { Command } from 'commander';
import type { Engine } from '../engine/engine.js';
import { formatJson, formatYaml, type OutputFormat, parseOutputFormat } from '../output/format.js';
import { inspectServices } from '../service/list-services.js';

export interface CommonOptions {
  output?: string;
  quiet?: boolean;
  tenant?: string;
}

export function addCommonOptions(cmd: Command, formats: OutputFormat[]): Command {
  return cmd
    .option('-o, --output <format>', `output format: ${formats.join(', ')}`)
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
