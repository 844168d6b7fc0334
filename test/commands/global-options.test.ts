import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentEndpoint, type EngineEndpoint, selectEngine } from '../../src/engine/endpoint.js';
import { buildProgram } from '../../src/program.js';

/** The endpoint `svc ARGS…` would talk to: the ls command's action is replaced by a probe. */
async function endpointOf(args: string[]): Promise<EngineEndpoint> {
  const program = buildProgram();
  let seen: EngineEndpoint | undefined;
  const ls = program.commands.find((c) => c.name() === 'ls') as Command;
  ls.action(() => {
    seen = currentEndpoint();
  });
  await program.parseAsync(['node', 'svc', ...args]);
  if (!seen) throw new Error('the action did not run');
  return seen;
}

describe('global options -H and --context', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    selectEngine({});
  });

  it('are taken before the command, as docker takes them, and after it', async () => {
    vi.stubEnv('DOCKER_CONFIG', mkdtempSync(join(tmpdir(), 'svc-docker-config-')));
    vi.stubEnv('DOCKER_HOST', '');
    expect(await endpointOf(['-H', 'tcp://box:2375', 'ls'])).toMatchObject({ host: 'box', source: '-H' });
    expect(await endpointOf(['ls', '--host', 'tcp://other:2375'])).toMatchObject({ host: 'other' });
    expect(await endpointOf(['ls'])).toMatchObject({ socketPath: '/var/run/docker.sock' });
    await expect(endpointOf(['--context', 'nope', 'ls'])).rejects.toThrow(
      /docker context "nope" \(--context\)/,
    );
    await expect(endpointOf(['ls', '--context', 'nope'])).rejects.toThrow(/docker context "nope"/);
    await expect(endpointOf(['-H', 'tcp://box', 'ls', '--context', 'x'])).rejects.toThrow(/not both/);
  });

  it('are listed in the help of every command', () => {
    const program = buildProgram();
    let text = '';
    const ls = program.commands.find((c) => c.name() === 'ls') as Command;
    ls.configureOutput({ writeOut: (s) => (text += s) });
    ls.outputHelp();
    expect(text).toMatch(/Global Options:[\s\S]*-H, --host <url>[\s\S]*--context <name>/);
  });
});
