/**
 * The offline examples in examples/ work as written (only the host port is changed, to a free
 * one, and each runs in a fresh tenant). examples/nginx.yaml needs a registry and is left out.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { svc } from '../support/cli.js';
import {
  freePort,
  httpGetMany,
  newTenant,
  removeTenant,
  replicaHostnames,
  tcpHello,
} from './support/harness.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const tenants: string[] = [];
afterAll(() => Promise.all(tenants.map((t) => removeTenant(t))));

function example(file: string): { path: string; spec: Record<string, unknown> } {
  const path = join(EXAMPLES, file);
  return { path, spec: parseYaml(readFileSync(path, 'utf8')) };
}

async function createExample(path: string, port: number, extra: string[] = []) {
  const tenant = newTenant();
  tenants.push(tenant);
  const r = await svc(
    ['create', '-f', path, '--service-port', String(port), ...extra, '--wait', '--timeout', '60s'],
    {
      tenant,
    },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { tenant, service: JSON.parse(r.stdout) as Record<string, unknown> };
}

describe('examples/hello-http.yaml', () => {
  it('creates the service as written and answers GET / with a replica hostname', async () => {
    const { path, spec } = example('hello-http.yaml');
    const port = await freePort();
    const { tenant, service } = await createExample(path, port);
    expect(service).toMatchObject({ ...spec, ServicePort: port, Status: 'created' });
    const hosts = await replicaHostnames(tenant, spec.Name as string);
    expect(hosts.size).toBe(spec.Replicas);
    const { bodies, failures } = await httpGetMany(`http://${spec.FIP}:${port}/`, 4);
    expect(failures).toEqual([]);
    for (const b of bodies) expect(hosts.has(b)).toBe(true);
  });
});

describe('examples/tcp-echo.yaml', () => {
  it('creates the service as written and greets, then echoes', async () => {
    const { path, spec } = example('tcp-echo.yaml');
    const port = await freePort();
    const { tenant, service } = await createExample(path, port);
    const { Env, ...rest } = spec;
    expect(service).toMatchObject({ ...rest, ServicePort: port, ContainerPort: 9000, Status: 'created' });
    expect(service.Env).toEqual(Object.entries(Env as Record<string, string>).map(([k, v]) => `${k}=${v}`));
    const hosts = await replicaHostnames(tenant, spec.Name as string);
    expect(hosts.size).toBe(spec.Replicas);

    const { socket, hello } = await tcpHello(port, spec.FIP as string);
    try {
      expect(hello).toMatch(/^hello from [0-9a-f]{12}$/);
      expect(hosts.has(hello.replace('hello from ', ''))).toBe(true);
      const echo = await new Promise<string>((res, rej) => {
        let buf = '';
        socket.on('data', (c: string) => {
          buf += c;
          if (buf.includes('\n')) res(buf);
        });
        socket.once('error', rej);
        setTimeout(() => rej(new Error(`no echo; got ${JSON.stringify(buf)}`)), 5000);
        socket.write('ping\n');
      });
      expect(echo).toBe('ping\n');
    } finally {
      socket.destroy();
    }
  });
});
