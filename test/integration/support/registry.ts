/**
 * A real private registry for the tests: Debian's docker-registry (the CNCF distribution server)
 * on a free loopback port, with an htpasswd file (bcrypt, `htpasswd -B`) and a temporary storage
 * directory. It runs as a child of the test process, so in the engine's network namespace: the
 * engine pulls from 127.0.0.1, which it trusts over plain HTTP. Images are pushed to it with
 * `docker login` and `docker push` under a temporary DOCKER_CONFIG, then forgotten by the engine.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, waitFor } from './harness.js';

export interface TestRegistry {
  /** host:port, e.g. 127.0.0.1:41234. */
  host: string;
  user: string;
  password: string;
  /** A DOCKER_CONFIG directory holding `docker login`'s credentials for it. */
  loggedIn: string;
  /** A temporary directory (removed by stop) for the tests' own files. */
  dir: string;
  /**
   * `docker push` these local images as these names in the registry (`acc/app:1`), then forget
   * the names; each pushed reference and the digest the registry keeps it by.
   */
  push(images: Array<[local: string, name: string]>): Promise<Array<{ ref: string; digest: string }>>;
  /** Remove these names from the engine (the images stay only in the registry). */
  forget(names: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Whether http://host/v2/ answers as a registry wanting a login. */
function answers(host: string): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const req = http.get(`http://${host}/v2/`, (res) => {
      res.resume();
      resolve(res.statusCode === 401 ? true : undefined);
    });
    req.on('error', () => resolve(undefined));
    req.setTimeout(2000, () => req.destroy());
  });
}

export async function startRegistry(): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'svc-registry-'));
  const user = 'svc-tester';
  const password = `pw-${Math.random().toString(36).slice(2)}-s3cret`;
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const { stdout: hash } = await run('htpasswd', ['-Bbn', user, password]).catch((err) => {
    throw new Error(`htpasswd failed (${err.message}): apt-get install apache2-utils docker-registry`);
  });
  writeFileSync(join(dir, 'htpasswd'), hash);
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log: {level: error}',
      `storage: {filesystem: {rootdirectory: ${join(dir, 'storage')}}, delete: {enabled: true}}`,
      `http: {addr: "${host}", secret: svc-test}`,
      `auth: {htpasswd: {realm: svc-test, path: ${join(dir, 'htpasswd')}}}`,
      '',
    ].join('\n'),
  );
  const server: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  server.on('error', (err) => {
    log += `${err.message}: apt-get install docker-registry`;
  });
  server.stderr?.on('data', (b: Buffer) => {
    log += b.toString();
  });
  const stop = async () => {
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    // What svc pulled from it stays on the engine by digest (host/name@sha256:…), which forget's
    // names do not cover: remove every reference to this registry, tag or digest.
    const refs = await run('docker', [
      'images',
      '--digests',
      '--filter',
      `reference=${host}/*/*`,
      '--format',
      '{{.Repository}}:{{.Tag}} {{.Repository}}@{{.Digest}}',
    ]).catch(() => ({ stdout: '' }));
    const names = refs.stdout
      .split(/\s+/)
      .filter((r) => r.startsWith(`${host}/`) && !r.endsWith(':<none>') && !r.endsWith('@<none>'));
    for (const name of new Set(names)) await run('docker', ['rmi', name]).catch(() => undefined);
  };
  try {
    await waitFor(`docker-registry on ${host} (${log})`, 20_000, () => answers(host));
    const loggedIn = join(dir, 'logged-in');
    const env = { ...process.env, DOCKER_CONFIG: loggedIn, PW: password };
    await run('sh', ['-c', `printf %s "$PW" | docker login -u ${user} --password-stdin ${host}`], { env });
    const forget = async (names: string[]) => {
      for (const name of names) await run('docker', ['rmi', '-f', name]).catch(() => undefined);
    };
    const push = async (images: Array<[string, string]>) => {
      const pushed: Array<{ ref: string; digest: string }> = [];
      for (const [local, name] of images) {
        const ref = `${host}/${name}`;
        await run('docker', ['tag', local, ref]);
        await run('docker', ['push', '-q', ref], { env });
        const { stdout } = await run('docker', [
          'image',
          'inspect',
          ref,
          '--format',
          '{{json .RepoDigests}}',
        ]);
        const repo = ref.slice(0, ref.lastIndexOf(':'));
        const digest = (JSON.parse(stdout) as string[]).find((d) => d.startsWith(`${repo}@`))?.split('@')[1];
        if (!digest) throw new Error(`no digest of ${ref} after its push`);
        pushed.push({ ref, digest });
      }
      await forget(pushed.map((p) => p.ref));
      return pushed;
    };
    return { host, user, password, loggedIn, dir, push, forget, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A DOCKER_CONFIG directory with this config.json. */
export function dockerConfig(parent: string, name: string, config: unknown): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}
