/**
 * Every container field of the seed reaches the replica containers, as `docker inspect` and the
 * running replicas show; plus the output forms of create (-o yaml, -q), -f - and flags over file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import { SERVICE_KEYS } from '../support/seed.js';
import {
  engine,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  newTenant,
  removeTenant,
  replicaHostnames,
  run,
  waitFor,
} from './support/harness.js';

const tenant = newTenant();
const volume = `svc-it-${tenant.slice(0, 16)}`;
const dir = mkdtempSync(join(tmpdir(), 'svc-it-fields-'));
const hostDir = mkdtempSync(join(tmpdir(), 'svc-it-hostdir-'));
writeFileSync(join(hostDir, 'marker.txt'), `from the host ${tenant}\n`);

afterAll(async () => {
  await removeTenant(tenant);
  rmSync(dir, { recursive: true, force: true });
  rmSync(hostDir, { recursive: true, force: true });
});

interface Inspected {
  Id: string;
  Config: {
    Entrypoint: string[] | null;
    Cmd: string[] | null;
    Env: string[];
    WorkingDir: string;
    Tty: boolean;
    OpenStdin: boolean;
    StopSignal?: string;
    Labels: Record<string, string>;
  };
  HostConfig: {
    Binds: string[] | null;
    Memory: number;
    NanoCpus: number;
    PidsLimit: number;
    RestartPolicy: { Name: string };
  };
  Mounts: Array<{ Type: string; Name?: string; Source: string; Destination: string; RW: boolean }>;
}

async function inspect(ids: string[]): Promise<Inspected[]> {
  const { stdout } = await run('docker', ['inspect', ...ids]);
  return JSON.parse(stdout);
}

async function replicaIds(service: string): Promise<string[]> {
  return (await engine.listContainers(labelFilter(tenant, service, 'replica'))).map((c) => c.id);
}

function specText(port: number): string {
  return [
    'Name: fields',
    `Image: ${HTTP_IMAGE}`,
    `ServicePort: ${port}`,
    'ContainerPort: 80',
    'Replicas: 2',
    'Protocol: http',
    'FIP: 127.0.0.1',
    'HealthCheckInterval: 1',
    // The image's CMD is /bin/serve-http; run it through a shell instead, so both fields matter.
    'Entrypoint: ["/bin/sh", "-c"]',
    'Cmd: ["/bin/serve-http"]',
    'Env:',
    '  MODE: prod',
    '  GREETING: hello world',
    'WorkingDir: /www',
    'Volumes:',
    `  - ${volume}:/data:ro`,
    `  - ${hostDir}:/hostdata`,
    'Tty: true',
    'Stdin: true',
    'StopSignal: SIGINT',
    'Labels:',
    '  app: fields',
    '  tier: web',
    'ContainerSize: m2',
    '',
  ].join('\n');
}

describe('a service from a file that sets every container field', () => {
  let port: number;
  let file: string;
  let created: Record<string, unknown>;
  let replicas: Inspected[];
  let engineCpus: number;

  beforeAll(async () => {
    port = await freePort();
    file = join(dir, 'fields.yaml');
    writeFileSync(file, specText(port));
    engineCpus = (await engine.info()).cpus;
    const r = await svc(['create', '-f', file, '--wait', '--timeout', '60s'], { tenant });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    created = JSON.parse(r.stdout);
    replicas = await inspect(created.Containers as string[]);
  });

  it('prints the fields back in the Service JSON', () => {
    expect(Object.keys(created)).toEqual(SERVICE_KEYS);
    expect(created).toMatchObject({
      Name: 'fields',
      Image: HTTP_IMAGE,
      WorkingDir: '/www',
      ContainerSize: 'm2',
      StopSignal: 'SIGINT',
      Replicas: 2,
      Stdin: true,
      Tty: true,
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['/bin/serve-http'],
      Env: ['MODE=prod', 'GREETING=hello world'],
      Volumes: { [`${volume}:/data:ro`]: {}, [`${hostDir}:/hostdata`]: {} },
      Labels: { app: 'fields', tier: 'web' },
    });
  });

  it('gives every replica the Entrypoint, Cmd, Env, WorkingDir, Tty, Stdin and StopSignal', () => {
    expect(replicas).toHaveLength(2);
    for (const c of replicas) {
      expect(c.Config.Entrypoint).toEqual(['/bin/sh', '-c']);
      expect(c.Config.Cmd).toEqual(['/bin/serve-http']);
      expect(c.Config.Env).toEqual(expect.arrayContaining(['MODE=prod', 'GREETING=hello world']));
      expect(c.Config.WorkingDir).toBe('/www');
      expect(c.Config.Tty).toBe(true);
      expect(c.Config.OpenStdin).toBe(true);
      expect(c.Config.StopSignal).toBe('SIGINT');
    }
  });

  it("mounts the tenant's named volume read-only and the host directory read-write", async () => {
    for (const c of replicas) {
      expect(c.HostConfig.Binds).toEqual([`${hostDir}:/hostdata`]);
      const data = c.Mounts.find((m) => m.Destination === '/data');
      expect(data).toMatchObject({ Type: 'volume', Name: `svc-${tenant}_${volume}`, RW: false });
      const host = c.Mounts.find((m) => m.Destination === '/hostdata');
      expect(host).toMatchObject({ Type: 'bind', Source: hostDir, RW: true });
    }
    // And inside the running replica: the host file is there, /data refuses writes, and the
    // working directory is the process's.
    const id = replicas[0]?.Id as string;
    const marker = await engine.exec(id, ['cat', '/hostdata/marker.txt']);
    expect(marker.stdout).toBe(`from the host ${tenant}\n`);
    const write = await engine.exec(id, ['touch', '/data/x']);
    expect(write.exitCode).not.toBe(0);
    expect(write.stderr).toMatch(/read-only/i);
    const cwd = await engine.exec(id, ['readlink', '/proc/1/cwd']);
    expect(cwd.stdout.trim()).toBe('/www');
  });

  it("labels replicas with the user's labels and the tool's own", () => {
    for (const c of replicas) {
      expect(c.Config.Labels).toMatchObject({
        app: 'fields',
        tier: 'web',
        [LABEL.managed]: '1',
        [LABEL.tenant]: tenant,
        [LABEL.service]: 'fields',
        [LABEL.role]: 'replica',
      });
      expect(c.Config.Labels[LABEL.replica]).toMatch(/^[12]$/);
      expect(c.Config.Labels[LABEL.specHash]).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(replicas.map((c) => c.Config.Labels[LABEL.replica]).sort()).toEqual(['1', '2']);
  });

  it('sizes replicas as m2 (2 GiB, 2 CPUs capped at the engine, 2048 processes) with restart unless-stopped', () => {
    for (const c of replicas) {
      expect(c.HostConfig.Memory).toBe(2 * 1024 ** 3);
      expect(c.HostConfig.NanoCpus).toBe(Math.min(2, engineCpus) * 1e9);
      expect(c.HostConfig.PidsLimit).toBe(2048);
      expect(c.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    }
  });

  it('serves through the FIP (the Entrypoint and Cmd really start the server)', async () => {
    const hosts = [...(await replicaHostnames(tenant, 'fields')).keys()].sort();
    // Polled: `--wait` may return before a replica passed its first check (see balancing.test.ts).
    await waitFor('both replicas answering through the FIP', 20_000, async () => {
      const { bodies, failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 6);
      expect(failures).toEqual([]);
      for (const b of bodies) expect(hosts).toContain(b);
      return [...new Set(bodies)].sort().join() === hosts.join() ? true : undefined;
    });
  });

  it('-o yaml prints the same fields in the same order, and --replicas overrides the file', async () => {
    const other = await freePort();
    const r = await svc(
      [
        'create',
        '-f',
        file,
        '--name',
        'fields-yaml',
        '--service-port',
        String(other),
        '--replicas',
        '1',
        '-o',
        'yaml',
      ],
      { tenant },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimStart().startsWith('{')).toBe(false);
    const y = parseYaml(r.stdout) as Record<string, unknown>;
    expect(Object.keys(y)).toEqual(Object.keys(created));
    const differ = new Set(['Name', 'ServicePort', 'Replicas', 'IP', 'Created', 'Containers']);
    for (const key of SERVICE_KEYS.filter((k) => !differ.has(k)))
      expect([key, y[key]]).toEqual([key, created[key]]);
    expect(y).toMatchObject({ Name: 'fields-yaml', ServicePort: other, Replicas: 1 });
    expect(y.Created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(y.Containers).toHaveLength(1);
    expect(await replicaIds('fields-yaml')).toEqual(y.Containers);
  });

  it('-f - reads the spec from stdin, and -q prints only the name', async () => {
    const other = await freePort();
    const r = await svc(
      ['create', '-f', '-', '-q', '--name', 'fields-stdin', '--service-port', String(other)],
      {
        tenant,
        input: specText(port),
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('fields-stdin\n');
    // Everything but the name and port came from stdin: the image, two replicas, the fields.
    const ids = await replicaIds('fields-stdin');
    expect(ids).toHaveLength(2);
    for (const c of await inspect(ids)) {
      expect(c.Config.Cmd).toEqual(['/bin/serve-http']);
      expect(c.Config.Labels).toMatchObject({ app: 'fields', tier: 'web' });
      expect(c.HostConfig.Memory).toBe(2 * 1024 ** 3);
    }
  });
});

describe('ContainerSize beyond the engine', () => {
  it('caps l1 (4 CPUs) at the engine CPUs with a note on stderr; stdout stays JSON', async () => {
    const cpus = (await engine.info()).cpus;
    const r = await svc(
      ['create', '--name', 'big', '--image', HTTP_IMAGE, '--service-port', '80', '--size', 'l1'],
      { tenant },
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ Name: 'big', ContainerSize: 'l1' });
    if (cpus < 4) {
      expect(r.stderr).toBe(
        `note: ContainerSize l1 asks for 4 CPUs; the engine has ${cpus}, so each replica gets ${cpus}\n`,
      );
    } else {
      expect(r.stderr).toBe('');
    }
    const [c] = await inspect(json.Containers);
    expect(c?.HostConfig.NanoCpus).toBe(Math.min(4, cpus) * 1e9);
    expect(c?.HostConfig.Memory).toBe(4096 * 1024 ** 2);
  });
});
