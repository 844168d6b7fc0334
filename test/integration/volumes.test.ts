/**
 * Named volumes from the CLI: the tenant's own engine volume behind the name the spec uses, the
 * same service seen through the API, `svc volume ls|create|inspect|rm`, and `svc rm` keeping
 * volumes unless --volumes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import { createKey, newConfigDir, request, startServer, stopServer } from './serve-client.js';
import { freePort, HTTP_IMAGE, mustSucceed, newTenant, removeTenant, run } from './support/harness.js';

const tenant = newTenant();
const sv = (args: string[]) => svc(args, { tenant });
const ok = mustSucceed(sv);
const create = (name: string, volume: string) =>
  ok([
    'create',
    '--name',
    name,
    '--service-port',
    '8080',
    '--container-port',
    '80',
    '-v',
    volume,
    HTTP_IMAGE,
  ]);

afterAll(() => removeTenant(tenant));

async function engineVolume(
  name: string,
): Promise<{ Name: string; Labels: Record<string, string> } | undefined> {
  const r = await run('docker', ['volume', 'inspect', name]).catch(() => undefined);
  return r ? JSON.parse(r.stdout)[0] : undefined;
}

describe('a named volume from the CLI', () => {
  it("is the tenant's engine volume, made by svc with its labels; the spec keeps the name", async () => {
    const r = await create('web', 'data:/data');
    expect(JSON.parse(r.stdout).Volumes).toEqual({ 'data:/data': {} });
    const v = await engineVolume(`svc-${tenant}_data`);
    expect(v?.Labels).toEqual({
      [LABEL.managed]: '1',
      [LABEL.tenant]: tenant,
      [LABEL.role]: 'volume',
      [LABEL.volume]: 'data',
    });
    expect(await engineVolume('data')).toBeUndefined();
  });

  it('is the same service through the API, and the API lists the same volume', async () => {
    const dir = newConfigDir();
    const key = await createKey(dir, tenant);
    const server = await startServer(dir, ['--insecure-http', '--listen', `127.0.0.1:${await freePort()}`]);
    try {
      const s = await request(server.port, 'GET', '/v1.23/services/web', { auth: { key } });
      expect(s.json.Volumes).toEqual({ 'data:/data': {} });
      const cli = JSON.parse((await ok(['volume', 'ls', '-o', 'json'])).stdout);
      const api = await request(server.port, 'GET', '/v1.23/volumes', { auth: { key } });
      expect(api.json).toEqual({ Volumes: cli, Warnings: null });
      expect(cli).toEqual([expect.objectContaining({ Name: 'data', Services: ['web'], Mountpoint: '' })]);
    } finally {
      await stopServer(server);
    }
  });

  it('svc volume ls shows it with its service; rm is refused while the service mounts it (exit 4)', async () => {
    const table = (await ok(['volume', 'ls'])).stdout.split('\n');
    expect(table[0]).toMatch(/^NAME\s+SERVICES\s+CREATED\s+ENGINE VOLUME$/);
    expect(table[1]).toMatch(new RegExp(`^data\\s+web\\s+\\S+\\s+svc-${tenant}_data$`));
    const r = await sv(['volume', 'rm', 'data']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/volume data is used by service web/);
  });

  it('svc rm keeps it (as docker does); svc volume rm removes it', async () => {
    await ok(['rm', 'web']);
    expect((await ok(['volume', 'ls', '-q'])).stdout).toBe('data\n');
    expect((await ok(['volume', 'rm', 'data'])).stdout).toBe('data\n');
    expect(await engineVolume(`svc-${tenant}_data`)).toBeUndefined();
    expect((await sv(['volume', 'inspect', 'data'])).code).toBe(3);
  });

  it('svc rm --volumes removes the service and its volume', async () => {
    await create('web', 'logs:/logs');
    expect((await ok(['rm', '--volumes', 'web'])).stdout).toBe('web\n');
    expect(await engineVolume(`svc-${tenant}_logs`)).toBeUndefined();
  });

  it('svc volume create (with labels) and inspect; an engine volume of that name svc did not make is refused', async () => {
    const made = JSON.parse((await ok(['volume', 'create', 'seed', '-l', 'team=web'])).stdout);
    expect(made).toMatchObject({ Name: 'seed', Labels: { team: 'web' }, Services: [] });
    expect(JSON.parse((await ok(['volume', 'inspect', 'seed'])).stdout)).toEqual([made]);
    await ok(['volume', 'rm', 'seed']);
    await run('docker', ['volume', 'create', `svc-${tenant}_squat`]);
    try {
      const r = await sv(['create', '--name', 'sq', '--service-port', '8080', '-v', 'squat:/d', HTTP_IMAGE]);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/svc did not make for tenant/);
      expect((await ok(['ls', '-q'])).stdout).toBe('');
    } finally {
      await run('docker', ['volume', 'rm', `svc-${tenant}_squat`]);
    }
  });
});
