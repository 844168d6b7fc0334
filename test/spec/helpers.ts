/** Shared helpers of the spec tests: issue capture and spec texts. */
import { SpecError, type SpecIssue } from '../../src/errors.js';
import { parseSpecDocument } from '../../src/spec/parse-document.js';
import { type ResolveOptions, resolveSpec } from '../../src/spec/resolve-spec.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { minimalSpec } from '../support/seed.js';

/** The issues of the SpecError `fn` throws (fails if it throws nothing or something else). */
export function issuesOf(fn: () => unknown): SpecIssue[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecError) return err.issues;
    throw err;
  }
  throw new Error('expected a SpecError, nothing was thrown');
}

/** The issues of the SpecError a promise rejects with. */
export async function asyncIssuesOf(p: Promise<unknown>): Promise<SpecIssue[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SpecError) return err.issues;
    throw err;
  }
  throw new Error('expected a SpecError, nothing was thrown');
}

/** Resolves a YAML/JSON text as if read from `origin`. */
export function resolveText(text: string, options?: ResolveOptions, origin = 'spec.yaml'): ServiceSpec {
  return resolveSpec({ file: parseSpecDocument(origin, text) }, options);
}

/** minimalSpec as YAML, one field a line (lines 1–3); add a line to test a field. */
export const BASE = Object.entries(minimalSpec)
  .map(([key, value]) => `${key}: ${value}\n`)
  .join('');

/** A YAML block scalar of `text`, indented for a top-level key. */
export function yamlBlock(text: string): string {
  return `|\n${text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}
