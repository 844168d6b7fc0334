/**
 * DockerEngine (src/engine/docker-engine.ts, on dockerode) against the real engine: the calls svc
 * makes, including the streamed ones (exec, logs, archives) and the engine's error answers.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../src/engine/docker-engine.js';
import { dockerodeFor } from '../../src/engine/dockerode-client.js';
import { currentEndpoint } from '../../src/engine/endpoint.js';
import { NotFoundError, SvcError } from '../../src/errors.js';
import { LABEL, names } from '../../src/model/naming.js';
import { makeCerts } from '../support/certs.js';
import { freePort, HTTP_IMAGE, newTenant, removeTenant } from './support/harness.js';
import { startTcpFront, type TcpFront } from './support/tcp-front.js';

const tenant = newTenant();
const engine = new DockerEngine();
const network = names.network(tenant);
const labels = { [LABEL.managed]: '1', [LABEL.tenant]: tenant };
let id = '';

/** A shell in the HTTP test image that prints on both streams and stays up. */
async function makeContainer(name: string, script: string): Promise<string> {
  const c = await engine.createContainer({
    name: `${name}-${tenant.slice(0, 8)}`,
    image: HTTP_IMAGE,
    labels,
    network,
    entrypoint: ['/bin/sh', '-c'],
    cmd: [script],
    stopSignal: 'SIGKILL',
  });
  await engine.startContainer(c);
  return c;
}

beforeAll(async () => {
  await engine.ensureNetwork(network, labels);
  id = await makeContainer(
    'engine',
    'echo out-1; echo err-1 >&2; echo out-2; mkdir -p /data/sub; echo hi > /data/sub/f; exec sleep 600',
  );
});
afterAll(() => removeTenant(tenant));

describe('DockerEngine on the real engine', () => {
  it('answers ping, info and image inspection; a missing image is undefined', async () => {
    await engine.ping();
    const info = await engine.info();
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.serverVersion).not.toBe('');
    const image = await engine.inspectImage(HTTP_IMAGE);
    expect(image?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(image?.tags).toContain(HTTP_IMAGE);
    await expect(engine.inspectImage('svc-test/nothing-here:none')).resolves.toBeUndefined();
  });

  it('lists by label and inspects, with the address on the tenant network', async () => {
    const [listed] = await engine.listContainers([`${LABEL.tenant}=${tenant}`]);
    expect(listed).toMatchObject({ id, state: 'running', labels });
    const detail = await engine.inspectContainer(id);
    expect(detail.addresses[network]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(detail.name).toBe(`engine-${tenant.slice(0, 8)}`);
  });

  it('runs a command with exec: exit code, stdout and stderr apart', async () => {
    const r = await engine.exec(id, ['/bin/sh', '-c', 'echo to-out; echo to-err >&2; exit 3']);
    expect(r).toEqual({ exitCode: 3, stdout: 'to-out\n', stderr: 'to-err\n' });
    const big = await engine.exec(id, [
      '/bin/sh',
      '-c',
      'i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done',
    ]);
    expect(big.stdout.split('\n')).toHaveLength(3001);
    expect(big.stdout).toContain('line-2999\n');
  });

  it('reads logs line by line per stream, with --tail, and follows until aborted', async () => {
    const lines: string[] = [];
    await engine.logs(id, {}, (l) => lines.push(`${l.stream}:${l.text}`));
    // The engine orders lines within a stream; between stdout and stderr it may not.
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:out-1', 'stdout:out-2']);
    expect(lines.filter((l) => l.startsWith('stderr:'))).toEqual(['stderr:err-1']);
    const tail: string[] = [];
    await engine.logs(id, { tail: 1 }, (l) => tail.push(l.text));
    expect(tail).toHaveLength(1);
    expect(['out-2', 'err-1']).toContain(tail[0]);

    const abort = new AbortController();
    const followed: string[] = [];
    const following = engine.logs(id, { follow: true, signal: abort.signal }, (l) => followed.push(l.text));
    await engine.exec(id, ['/bin/sh', '-c', 'echo late > /proc/1/fd/1']);
    for (let i = 0; i < 100 && !followed.includes('late'); i++) await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await following;
    expect(followed).toContain('late');
  });

  it('calls onOpen once streaming: a follow with tail 0 misses nothing written after it', async () => {
    for (let round = 0; round < 3; round++) {
      const abort = new AbortController();
      const followed: string[] = [];
      let opened = 0;
      const mark = `right-after-${round}`;
      await new Promise<void>((resolve, reject) => {
        const following = engine.logs(
          id,
          {
            follow: true,
            tail: 0,
            signal: abort.signal,
            onOpen: () => {
              opened++;
              // Written the moment the engine streams: must still arrive.
              engine.exec(id, ['/bin/sh', '-c', `echo ${mark} > /proc/1/fd/2`]).catch(reject);
            },
          },
          (l) => {
            followed.push(`${l.stream}:${l.text}`);
            if (l.text === mark) abort.abort();
          },
        );
        following.then(resolve, reject);
        setTimeout(() => abort.abort(), 10_000);
      });
      expect(opened).toBe(1);
      expect(followed).toEqual([`stderr:${mark}`]);
    }
  });

  it('reads a TTY container’s logs as they are (not multiplexed) and the whole log without follow', async () => {
    const c = await engine.createContainer({
      name: `tty-${tenant.slice(0, 8)}`,
      image: HTTP_IMAGE,
      labels,
      network,
      entrypoint: ['/bin/sh', '-c'],
      cmd: [`echo '{"json": 1}'; echo 42; exec sleep 600`],
      tty: true,
      stopSignal: 'SIGKILL',
    });
    await engine.startContainer(c);
    await engine.startContainer(c); // already running: 304, fine
    const lines: string[] = [];
    for (let i = 0; i < 50 && lines.length < 2; i++) {
      lines.length = 0;
      await engine.logs(c, {}, (l) => lines.push(`${l.stream}:${l.text.replace(/\r$/, '')}`));
      if (lines.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines).toEqual(['stdout:{"json": 1}', 'stdout:42']);
  });

  it('serves other calls while many log streams are followed (no socket limit)', async () => {
    const abort = new AbortController();
    // One signal for all 24 (each stream listens to it): not the leak node warns of past 10.
    setMaxListeners(24, abort.signal);
    const follows = Array.from({ length: 24 }, () =>
      engine.logs(id, { follow: true, tail: 0, signal: abort.signal }, () => undefined),
    );
    try {
      const r = await engine.exec(id, ['/bin/sh', '-c', 'echo still-served']);
      expect(r.stdout).toBe('still-served\n');
    } finally {
      abort.abort();
      await Promise.all(follows);
    }
  });

  it('writes files with their modes and owners, and reads them back, through the archive API', async () => {
    await engine.writeFiles(id, '/data', [
      { name: 'written.txt', content: 'written\n', mode: 0o600 },
      { name: 'owned', mode: 0o700, uid: 99, gid: 98 },
      { name: 'owned/secret', content: 'key\n', mode: 0o600, uid: 99, gid: 98 },
    ]);
    const r = await engine.exec(id, [
      '/bin/sh',
      '-c',
      'cat /data/sub/f /data/written.txt; stat -c "%a %u %g" /data/written.txt /data/owned/secret',
    ]);
    expect(r.stdout).toBe('hi\nwritten\n600 0 0\n600 99 98\n');
    const files = await engine.readFiles(id, '/data');
    const byName = new Map(files.map((f) => [f.name, f]));
    expect(byName.get('data/written.txt')).toMatchObject({ mode: 0o600, uid: 0, gid: 0 });
    expect(byName.get('data/written.txt')?.content?.toString()).toBe('written\n');
    expect(byName.get('data/owned/secret')).toMatchObject({ mode: 0o600, uid: 99, gid: 98 });
    expect(byName.get('data/owned')?.content).toBeUndefined();
    const [passwd] = await engine.readFiles(id, '/etc/passwd');
    expect(passwd?.name).toBe('passwd');
    expect(passwd?.content?.toString()).toMatch(/^root:/);
    expect(await engine.readFiles(id, '/no/such/path')).toEqual([]);
    const [owned, secret] = await engine.readFiles(id, '/data/owned');
    expect(owned).toEqual({ name: 'owned', mode: 0o700, uid: 99, gid: 98 });
    expect(secret).toMatchObject({ name: 'owned/secret', mode: 0o600, uid: 99, gid: 98 });
    await expect(engine.readFiles('no-such-container', '/etc')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists a running container’s processes without running anything in it', async () => {
    const procs = await engine.top(id);
    expect(procs.length).toBeGreaterThan(0);
    expect(procs.some((p) => /sleep|sh/.test(p.command))).toBe(true);
    expect(procs.every((p) => Number.isInteger(p.pid) && Number.isInteger(p.ppid))).toBe(true);
    const sleeper = procs.find((p) => p.command === 'sleep 600');
    expect(sleeper?.pid).toBeGreaterThan(0);
  });

  it('renames (off and on the network), signals, stops twice and removes twice without error', async () => {
    const c = await makeContainer('rename', 'exec sleep 600');
    await engine.renameContainer(c, `renamed-${tenant.slice(0, 8)}`, network);
    const renamed = await engine.inspectContainer(c);
    expect(renamed.name).toBe(`renamed-${tenant.slice(0, 8)}`);
    expect(renamed.addresses[network]).toBeDefined();
    await engine.signal(c, 'SIGKILL');
    await engine.stopContainer(c, 1); // already stopped: 304
    expect((await engine.inspectContainer(c)).state).toBe('exited');
    await engine.removeContainer(c);
    await engine.removeContainer(c); // gone: fine
    await expect(engine.inspectContainer(c)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("maps the engine's refusals to typed errors with its own words", async () => {
    const taken = engine.createContainer({
      name: `engine-${tenant.slice(0, 8)}`,
      image: HTTP_IMAGE,
      labels,
      network,
    });
    await expect(taken).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('already in use'),
    });
    const err = await engine.pullImage('svc-test/never-published:none').catch((e) => e);
    expect(err).toBeInstanceOf(SvcError);
    expect(err.message).toMatch(
      /^Docker engine error while trying to pull image svc-test\/never-published:none: |pull image/,
    );
  });
});

describe('DockerEngine over TLS (a TLS front, wanting a client certificate, of a TCP front of the engine)', () => {
  const certs = makeCerts();
  const dir = mkdtempSync(join(tmpdir(), 'svc-engine-tls-'));
  let tcp: TcpFront | undefined;
  const front = tls.createServer(
    { cert: certs.leaf.cert, key: certs.leaf.key, ca: certs.ca, requestCert: true, rejectUnauthorized: true },
    (client) => {
      const engineSide = net.connect(tcp?.port ?? 0, '127.0.0.1');
      client.pipe(engineSide).pipe(client);
      engineSide.on('error', () => client.destroy());
      client.on('error', () => engineSide.destroy());
    },
  );
  let host = '';
  beforeAll(async () => {
    tcp = await startTcpFront();
    const port = await freePort();
    await new Promise<void>((r) => front.listen(port, '127.0.0.1', r));
    host = `tcp://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'ca.pem'), certs.ca);
    writeFileSync(join(dir, 'cert.pem'), certs.replica.cert);
    writeFileSync(join(dir, 'key.pem'), certs.replica.key);
  });
  afterAll(async () => {
    front.close();
    await tcp?.close();
    certs.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const over = (env: NodeJS.ProcessEnv) => {
    const endpoint = currentEndpoint({ DOCKER_HOST: host, DOCKER_CERT_PATH: dir, ...env });
    return new DockerEngine(dockerodeFor(endpoint), endpoint.display);
  };

  it('verifies the engine with DOCKER_TLS_VERIFY and presents the client certificate', async () => {
    const engine = over({ DOCKER_TLS_VERIFY: '1' });
    await engine.ping();
    expect((await engine.listContainers([`${LABEL.tenant}=${tenant}`])).length).toBeGreaterThan(0);
  });

  it('refuses an engine its CA did not sign, unless only DOCKER_TLS (no verification) is set', async () => {
    const other = makeCerts();
    try {
      writeFileSync(join(dir, 'ca.pem'), other.ca);
      await expect(over({ DOCKER_TLS_VERIFY: '1' }).ping()).rejects.toBeInstanceOf(SvcError);
      await over({ DOCKER_TLS: '1' }).ping();
    } finally {
      other.cleanup();
      writeFileSync(join(dir, 'ca.pem'), certs.ca);
    }
  });
});
