/**
 * Docker contexts made by the real docker CLI (`docker context create`, in a throwaway
 * DOCKER_CONFIG): svc talks to the engine they name, and fails like docker on one that does not exist.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svc } from '../support/cli.js';
import { newTenant, run } from './support/harness.js';

const config = mkdtempSync(join(tmpdir(), 'svc-docker-config-'));
const env = { DOCKER_CONFIG: config, DOCKER_HOST: '', DOCKER_CONTEXT: '' };
const docker = (args: string[]) => run('docker', args, { env: { ...process.env, ...env } });

beforeAll(async () => {
  await docker(['context', 'create', 'svc-local', '--docker', 'host=unix:///var/run/docker.sock']);
  await docker(['context', 'create', 'svc-dead', '--docker', `host=unix://${config}/nothing.sock`]);
});
afterAll(() => rmSync(config, { recursive: true, force: true }));

describe('docker contexts', () => {
  it('svc ls --context NAME talks to the engine of that context', async () => {
    const tenant = newTenant();
    const after = await svc(['ls', '--context', 'svc-local'], { tenant, env });
    expect(after.stderr).toBe('');
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^NAME\s+IMAGE\s+REPLICAS/);
    const before = await svc(['--context', 'svc-local', 'ls', '-q'], { tenant, env });
    expect(before).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('follows `docker context use` (currentContext in config.json)', async () => {
    await docker(['context', 'use', 'svc-dead']);
    try {
      const r = await svc(['ls'], { tenant: newTenant(), env });
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(`unix://${config}/nothing.sock (context "svc-dead")`);
      expect(r.stderr).toContain('ENOENT');
    } finally {
      await docker(['context', 'use', 'default']);
    }
  });

  it('DOCKER_CONTEXT=bogus fails, as docker fails, naming the context', async () => {
    const theirs = await docker(['--context', 'bogus', 'ps']).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
    expect(theirs).not.toBe(0);
    const r = await svc(['ls'], { tenant: newTenant(), env: { ...env, DOCKER_CONTEXT: 'bogus' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^Error: docker context "bogus" \(DOCKER_CONTEXT\) not found: .*docker context ls\n$/,
    );
  });
});
