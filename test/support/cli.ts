/**
 * The one way the tests run the built CLI (`bin/svc.js`; the integration set-up builds it): as a
 * user would, each run with a fresh config directory, no colour and the tests' load balancer
 * image, its output collected as it comes.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const SVC_BIN = resolve(import.meta.dirname, '../../bin/svc.js');
/** The load balancer image svc uses here: laid out like haproxy:lts-alpine (USER haproxy, busybox). */
export const LB_IMAGE = 'svc-test/haproxy:local';

export interface SvcOptions {
  /** SVC_TENANT. */
  tenant?: string;
  /** Added to the environment, winning over the rest (e.g. SVC_CONFIG_DIR, SVC_LB_IMAGE). */
  env?: NodeJS.ProcessEnv;
  /** Written to its stdin, which is then closed; without it, stdin is not connected. */
  input?: string;
}

export interface SvcResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunningSvc {
  child: ChildProcessByStdio<Writable | null, Readable, Readable>;
  /** What it printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Once it exited and its output is all read. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment svc runs with: the tests', a fresh config directory, NO_COLOR, then `opts`. */
export function svcEnv(opts: SvcOptions = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SVC_LB_IMAGE: LB_IMAGE,
    SVC_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'svc-cfg-')),
    ...(opts.tenant ? { SVC_TENANT: opts.tenant } : {}),
    NO_COLOR: '1',
    ...opts.env,
  };
}

/** Start `svc ARGS…` and let it run (signal it through `child`). */
export function startSvc(args: string[], opts: SvcOptions = {}): RunningSvc {
  // stdout and stderr are pipes whatever stdin is (the cast says what spawn cannot infer).
  const child = spawn(process.execPath, [SVC_BIN, ...args], {
    env: svcEnv(opts),
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    output.stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    output.stderr += s;
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('close', (code, signal) => res({ code, signal })),
  );
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  return {
    child,
    get stdout() {
      return output.stdout;
    },
    get stderr() {
      return output.stderr;
    },
    ended,
  };
}

/** Run `svc ARGS…` to its end (stdin: `input`, or empty); never throws on a non-zero exit. */
export async function svc(args: string[], opts: SvcOptions = {}): Promise<SvcResult> {
  const run = startSvc(args, { ...opts, input: opts.input ?? '' });
  const { code } = await run.ended;
  return { code: code ?? -1, stdout: run.stdout, stderr: run.stderr };
}
