/**
 * The README's quick start, as a newcomer runs it: a fresh `git clone` of this repository into a
 * temporary directory, then the commands between the README's `quickstart` markers, as written
 * there (one bash script), against the tests' engine (DOCKER_HOST as the suite has it); the
 * example service must then answer on the port the README names, from both replicas. The set-up
 * script keeps what is there (engine, packages, images), so this costs an `npm ci` and a create.
 * Cleans up by label: the commands run in a test tenant, with a config directory of their own.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { httpGetMany, newTenant, removeTenant, replicaHostnames, waitFor } from './support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const BEGIN = '<!-- quickstart:begin -->';
const END = '<!-- quickstart:end -->';
const execFileP = promisify(execFile);

/** The shell commands of the fenced block between the quickstart markers. */
function quickstart(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  const block = /```(?:sh|bash|shell)?\n([\s\S]*?)```/.exec(readme.slice(start, end));
  if (!block?.[1]) throw new Error('the quickstart section of README.md has no fenced code block');
  return block[1];
}

const tenant = newTenant();
const dir = mkdtempSync(join(tmpdir(), 'svc-readme-'));
afterAll(async () => {
  await removeTenant(tenant);
  rmSync(dir, { recursive: true, force: true });
});

describe('the README quick start, on a fresh clone', () => {
  it('sets up, runs the example, and the example answers from both replicas', {
    timeout: 240_000,
  }, async () => {
    const clone = join(dir, 'svc');
    await execFileP('git', ['clone', '--quiet', ROOT, clone]);
    const script = quickstart(readFileSync(join(clone, 'README.md'), 'utf8'));
    expect(script.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))).toHaveLength(2);
    // The commands as a newcomer types them: no load balancer image from the tests' environment.
    const { SVC_LB_IMAGE: _, ...inherited } = process.env;
    const env = { ...inherited, SVC_TENANT: tenant, SVC_CONFIG_DIR: join(dir, 'config'), NO_COLOR: '1' };
    const ran = await execFileP('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: clone,
      env,
      maxBuffer: 64 << 20,
      timeout: 230_000,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the quick start failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });
    // The set-up's progress, then the Service JSON svc prints (its first line is a lone `{`).
    const created = JSON.parse(ran.stdout.slice(ran.stdout.search(/^\{$/m))) as Record<string, unknown>;
    expect(created).toMatchObject({ Tenant: tenant });
    // create prints the service it made (created), apply the service as inspect shows it (active).
    expect(['created', 'active']).toContain(created.Status);
    const readme = readFileSync(join(clone, 'README.md'), 'utf8');
    const url = /curl (http:\/\/127\.0\.0\.1:\d+\/)/.exec(readme.slice(readme.indexOf(END)))?.[1];
    expect(url).toBeDefined();
    const hosts = await replicaHostnames(tenant, created.Name as string);
    expect(hosts.size).toBe(2);
    const seen = await waitFor('both replicas to answer', 10_000, async () => {
      const { bodies } = await httpGetMany(url as string, 4);
      return new Set(bodies).size === 2 ? bodies : undefined;
    });
    for (const b of seen) expect(hosts.has(b)).toBe(true);
  });
});
