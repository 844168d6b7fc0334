/** Options every command shares (SPEC §2). */
import type { Command } from 'commander';
import type { OutputFormat } from '../output/format.js';

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
