/**
 * svc against an ssh:// engine (DOCKER_HOST=ssh://user@127.0.0.1:PORT), end to end: an sshd of
 * the test's own on loopback (its own host key, config and authorized key; openssh-server's
 * /usr/sbin/sshd), reached through docker-modem's ssh client, which runs `docker system
 * dial-stdio` there and so talks to the engine the tests use (this machine's, or DOCKER_HOST's,
 * which the sshd hands to its sessions). svc's HOME is the test's: its
 * identity is ~/.ssh/id_ed25519 and the host key is in ~/.ssh/known_hosts (or, in the last case,
 * not). No sshd is a failure, never a skip.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../src/engine/docker-engine.js';
import { dockerodeFor } from '../../src/engine/dockerode-client.js';
import { dockerodeOptions } from '../../src/engine/dockerode-options.js';
import { currentEndpoint } from '../../src/engine/endpoint.js';
import { svc } from '../support/cli.js';
import { freePort, HTTP_IMAGE, newTenant, removeTenant, run } from './support/harness.js';

const SSHD = '/usr/sbin/sshd';
const tenant = newTenant();
const user = userInfo().username;
let dir = '';
let home = '';
let sshd: ChildProcess | undefined;
let host = '';

async function listening(port: number, deadline = Date.now() + 10_000): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!existsSync(SSHD))
    throw new Error(
      `no ${SSHD}: install openssh-server (apt-get install openssh-server) to test ssh:// engines`,
    );
  dir = mkdtempSync(join(tmpdir(), 'svc-sshd-'));
  home = join(dir, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, '.ssh', 'id_ed25519')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(home, '.ssh', 'id_ed25519.pub')));
  const port = await freePort();
  host = `ssh://${user}@127.0.0.1:${port}`;
  const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(join(home, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n`);
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AllowUsers ${user}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no', // the test's files live under /tmp
      // The engine the rest of the suite uses, when it is not the default socket.
      ...(process.env.DOCKER_HOST && !process.env.DOCKER_HOST.startsWith('ssh://')
        ? [`SetEnv DOCKER_HOST=${process.env.DOCKER_HOST}`]
        : []),
      '',
    ].join('\n'),
  );
  sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  await listening(port);
  await run('docker', [
    'run',
    '-d',
    '--name',
    `ssh-${tenant.slice(0, 12)}`,
    '--label',
    `io.svc.tenant=${tenant}`,
    '--label',
    'io.svc.managed=1',
    '--entrypoint',
    '/bin/sh',
    HTTP_IMAGE,
    '-c',
    'echo over-ssh; exec sleep 600',
  ]);
});
afterAll(async () => {
  sshd?.kill();
  await removeTenant(tenant);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const svcOverSsh = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  svc(args, { tenant, env: { DOCKER_HOST: host, HOME: home, SSH_AUTH_SOCK: '', ...env } });

describe('over ssh://', () => {
  it('svc ls works over DOCKER_HOST=ssh://user@127.0.0.1:PORT', async () => {
    const r = await svcOverSsh(['ls']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+IMAGE\s+REPLICAS/);
    const v = await svcOverSsh(['version', '-o', 'json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).Server.ApiVersion).toMatch(/^1\.\d+$/);
  });

  it('runs the Engine calls over ssh: list, exec, logs', async () => {
    const saved = process.env.HOME;
    process.env.HOME = home; // where the identity and known_hosts are
    try {
      const endpoint = currentEndpoint({ DOCKER_HOST: host, SSH_AUTH_SOCK: '' });
      expect(dockerodeOptions(endpoint)).toMatchObject({ protocol: 'ssh', username: user });
      const engine = new DockerEngine(dockerodeFor(endpoint), endpoint.display);
      const [c] = await engine.listContainers([`io.svc.tenant=${tenant}`]);
      expect(c?.state).toBe('running');
      const id = c?.id ?? '';
      expect(await engine.exec(id, ['/bin/sh', '-c', 'echo out; echo err >&2'])).toEqual({
        exitCode: 0,
        stdout: 'out\n',
        stderr: 'err\n',
      });
      const lines: string[] = [];
      await engine.logs(id, {}, (l) => lines.push(l.text));
      expect(lines).toEqual(['over-ssh']);
    } finally {
      process.env.HOME = saved;
    }
  });

  it('refuses a host whose key is not in known_hosts, saying how to add it (exit 5)', async () => {
    const elsewhere = join(dir, 'home2');
    mkdirSync(join(elsewhere, '.ssh'), { recursive: true });
    writeFileSync(join(elsewhere, '.ssh', 'id_ed25519'), readFileSync(join(home, '.ssh', 'id_ed25519')));
    const r = await svcOverSsh(['ls'], { HOME: elsewhere });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`cannot reach the Docker engine at DOCKER_HOST=${host} (ssh: the host key of`);
    expect(r.stderr).toMatch(
      /is not in ~\/\.ssh\/known_hosts: connect once with ssh, or add it with ssh-keyscan -p \d+ 127\.0\.0\.1/,
    );
  });
});
