/** Pure renderings of command results for stdout. */

import { UsageError } from '../errors.js';
import { yaml } from '../util/yaml.js';

export const OUTPUT_FORMATS = ['json', 'yaml', 'table'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(value: string, allowed: readonly OutputFormat[]): OutputFormat {
  const v = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`-o/--output: expected one of ${allowed.join(', ')}, got "${value}"`);
  }
  return v as OutputFormat;
}

export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function formatYaml(value: unknown): string {
  return yaml().stringify(value, { lineWidth: 0 });
}

/** A plain text table: columns padded to their widest cell, two spaces apart. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[headers, ...rows].map(line).join('\n')}\n`;
}
