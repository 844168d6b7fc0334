/**
 * The service files `svc apply` and `svc diff` read: each -f is a file (a YAML stream of one or
 * more documents), `-` (stdin), or a directory (its *.yaml, *.yml and *.json in name order). Every
 * document is checked before anything changes; two documents naming one service are refused.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { parseSpecDocuments } from '../spec/parse-document.js';
import { type FlagInput, resolveSpec } from '../spec/resolve-spec.js';
import type { ServiceSpec } from '../spec/types.js';
import { readInputFile } from './common.js';

const SPEC_FILE = /\.(ya?ml|json)$/i;

/** The files an -f names: itself, or a directory's spec files in name order. */
function filesOf(path: string): string[] {
  if (path === '-') return [path];
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    // readInputFile reports a missing file with its reason.
  }
  if (!dir) return [path];
  const names = readdirSync(path)
    .filter((n) => SPEC_FILE.test(n))
    .sort();
  if (names.length === 0)
    throw new UsageError(`-f ${path}: the directory holds no *.yaml, *.yml or *.json file`);
  return names.map((n) => join(path, n));
}

/**
 * Every service spec the -f options give, in input order. Spec flags (`flags`, as create's) win
 * over the file's values; they are taken only with one document (a file is the desired state;
 * flags say what is not kept in it, such as a certificate).
 */
export function readServiceFiles(
  paths: string[],
  opts: { allowExpired: boolean },
  flags: FlagInput = { fields: {} },
): ServiceSpec[] {
  if (paths.length === 0)
    throw new UsageError('give the service file: -f FILE (a directory, or - for stdin)');
  const docs = paths.flatMap(filesOf).flatMap((file) => {
    const { origin, text } = readInputFile(file, '-f');
    return parseSpecDocuments(origin, text);
  });
  const given = Object.keys(flags.fields);
  if (docs.length > 1 && given.length > 0) {
    throw new UsageError(
      `spec flags (${given.join(', ')}) are taken with one service document only; the input has ${docs.length}`,
    );
  }
  const specs = docs.map((doc) => resolveSpec({ file: doc, flags }, opts));
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.Name)) throw new UsageError(`service "${s.Name}" is given twice in the input`);
    seen.add(s.Name);
  }
  return specs;
}
