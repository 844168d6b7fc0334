/** Shared helpers of the spec tests: issue capture and throwaway certificates made with openssl. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecError, type SpecIssue } from '../../src/errors.js';
import { parseSpecDocument } from '../../src/spec/parse-document.js';
import { type ResolveOptions, resolveSpec } from '../../src/spec/resolve-spec.js';
import type { ServiceSpec } from '../../src/spec/types.js';

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

/** The minimal valid spec, as YAML lines; add a line to test a field. */
export const BASE = 'Name: web\nImage: nginx\nServicePort: 80\n';

export interface TestCerts {
  dir: string;
  certFile: string;
  keyFile: string;
  /** Certificate then key, as HAProxy wants them. */
  pem: string;
  cert: string;
  key: string;
  /** A second, unrelated pair. */
  otherCert: string;
  otherKey: string;
  /** `key`, encrypted with a pass phrase. */
  encryptedKey: string;
  cleanup(): void;
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'svc-spec-certs-'));
  const pair = (cn: string, name: string) => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${cn}`,
        '-days',
        '1',
        '-keyout',
        join(dir, `${name}.key`),
        '-out',
        join(dir, `${name}.crt`),
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    };
  };
  const main = pair('example.com', 'main');
  const other = pair('other.example', 'other');
  execFileSync(
    'openssl',
    [
      'pkey',
      '-in',
      join(dir, 'main.key'),
      '-aes256',
      '-passout',
      'pass:secret',
      '-out',
      join(dir, 'enc.key'),
    ],
    { stdio: 'ignore' },
  );
  return {
    dir,
    certFile: join(dir, 'main.crt'),
    keyFile: join(dir, 'main.key'),
    pem: main.cert + main.key,
    cert: main.cert,
    key: main.key,
    otherCert: other.cert,
    otherKey: other.key,
    encryptedKey: readFileSync(join(dir, 'enc.key'), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A YAML block scalar of `text`, indented for a top-level key. */
export function yamlBlock(text: string): string {
  return `|\n${text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}
