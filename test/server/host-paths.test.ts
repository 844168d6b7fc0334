import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, OneShotSpec } from '../../src/engine/engine.js';
import { InternalError } from '../../src/errors.js';
import { parseVolumeEntry } from '../../src/model/volumes.js';
import {
  admitSpec,
  CHECK_ROOT,
  checkRun,
  judge,
  RESOLVE_SCRIPT,
  recheckSpec,
} from '../../src/server/host-paths.js';
import {
  type ApiPolicy,
  DEFAULT_FIP_PORTS,
  DEFAULT_FIPS,
  type HostPathCheck,
  PolicyRefusal,
} from '../../src/server/policy.js';
import { seedSpec } from '../support/seed.js';

const check = (index: number, source: string, prefix: string): HostPathCheck => ({
  index,
  prefix,
  entry: parseVolumeEntry(`${source}:/t:ro`),
});

describe('the engine-side check of host paths', () => {
  it('mounts each prefix once under its own path and asks for each path there', () => {
    const run = checkRun([
      check(0, '/srv/a/x', '/srv/a'),
      check(2, '/data', '/data'),
      check(3, '/srv/a/../../etc', '/srv/a'),
    ]);
    expect(run.mounts).toEqual([
      { source: '/srv/a', target: `${CHECK_ROOT}/0` },
      { source: '/data', target: `${CHECK_ROOT}/1` },
    ]);
    expect(run.args).toEqual([`${CHECK_ROOT}/0/x`, `${CHECK_ROOT}/1`, `${CHECK_ROOT}/0/../../etc`]);
  });

  it('judges each answer: inside and plain → the host path it resolved to; else why not', () => {
    const checks = [
      check(0, '/srv/a/link', '/srv/a'),
      check(1, '/srv/a/up', '/srv/a'),
      check(2, '/srv/a/sock', '/srv/a'),
      check(3, '/srv/a/missing', '/srv/a'),
      check(4, '/srv/a/dev', '/srv/a'),
      check(5, '/srv/a', '/srv/a'),
      check(6, '/srv/a/../a0/x', '/srv/a'),
    ];
    const m = `${CHECK_ROOT}/0`;
    const out = [
      `f\t${m}/site/f`,
      'd\t/',
      `s\t${m}/sock`,
      '-\t',
      `o\t${m}/dev`,
      `d\t${m}`,
      `d\t${m}0/x`,
      '',
    ].join('\n');
    const r = judge(checks, Array(7).fill(m), out);
    expect(r.map((x) => x.host ?? x.issue?.message.replace(/^host path \S+: /, ''))).toEqual([
      '/srv/a/site/f',
      'leads outside the allowed prefix /srv/a',
      'is a socket; sockets are never mounted through this server',
      'does not exist on the engine host, or a symlink on its way leads outside the allowed prefix /srv/a',
      'is neither a directory nor a file',
      '/srv/a',
      'leads outside the allowed prefix /srv/a',
    ]);
    expect(r[1]?.issue?.path).toBe('Volumes[1]');
    expect(() => judge(checks, Array(7).fill(m), 'd\tx\n')).toThrow(InternalError);
  });
});

// The script itself, on this machine's files, with coreutils' realpath (the Debian images) and
// busybox's (the Alpine ones): the prefix plays the checking container's mount.
describe.each([
  ['coreutils', undefined],
  ['busybox', 'busybox'],
])('the resolve script with %s realpath', (_name, which) => {
  let root: string;
  let prefix: string;
  let path: string;
  let server: net.Server;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'svc-resolve-'));
    prefix = join(root, 'p');
    mkdirSync(join(prefix, 'site'), { recursive: true });
    mkdirSync(join(root, 'out'));
    writeFileSync(join(prefix, 'site', 'f'), 'x');
    symlinkSync('site', join(prefix, 'in'));
    symlinkSync('../out', join(prefix, 'up'));
    symlinkSync(join(root, 'out'), join(prefix, 'abs'));
    symlinkSync('missing', join(prefix, 'dangling'));
    server = net.createServer().listen(join(prefix, 's.sock'));
    await new Promise((r) => server.once('listening', r));
    path = process.env.PATH ?? '';
    if (which) {
      const bin = join(root, 'bin');
      mkdirSync(bin);
      symlinkSync('/bin/busybox', join(bin, 'realpath'));
      path = `${bin}:${path}`;
    }
  });
  afterAll(() => {
    server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('resolves .. and symlinks; what leaves the prefix or is missing, a socket, is refused', () => {
    const asked = ['site/f', 'in/f', 'site/../../out', 'up', 'abs', 'dangling', 'nothing/x', 's.sock', ''];
    const checks = asked.map((a, i) => check(i, `/srv${a ? `/${a}` : ''}`, '/srv'));
    const out = execFileSync(
      which ?? 'sh',
      [
        ...(which ? ['sh'] : []),
        '-c',
        RESOLVE_SCRIPT,
        'svc-check',
        ...asked.map((a) => (a ? `${prefix}/${a}` : prefix)),
      ],
      { env: { ...process.env, PATH: path }, encoding: 'utf8' },
    );
    const r = judge(checks, Array(asked.length).fill(prefix), out);
    const said = r.map((x) => x.host ?? x.issue?.message.replace(/^host path \S+: /, '').split(/[;,]/)[0]);
    // A dangling symlink: busybox's realpath names a wrong target for it (outside), coreutils' the
    // missing one; refused either way.
    expect(r[5]?.issue).toBeDefined();
    said[5] = 'refused';
    expect(said).toEqual([
      '/srv/site/f',
      '/srv/site/f',
      'leads outside the allowed prefix /srv',
      'leads outside the allowed prefix /srv',
      'leads outside the allowed prefix /srv',
      'refused',
      'does not exist on the engine host',
      'is a socket',
      '/srv',
    ]);
  });
});

/** An engine whose checking container answers `lines` (and records what it was asked to run). */
function engineAnswering(lines: (spec: OneShotSpec) => string): { engine: Engine; runs: OneShotSpec[] } {
  const runs: OneShotSpec[] = [];
  const engine = {
    imageExists: async () => true,
    runOnce: async (spec: OneShotSpec) => {
      runs.push(spec);
      return { exitCode: 0, stdout: lines(spec), stderr: '' };
    },
  } as unknown as Engine;
  return { engine, runs };
}

describe('admitting a spec', () => {
  const policy: ApiPolicy = { hostPaths: ['/srv'], fips: DEFAULT_FIPS, fipPorts: DEFAULT_FIP_PORTS };

  it('mounts what the engine resolved, read-only; runs no container for a spec without host paths', async () => {
    const { engine, runs } = engineAnswering(() => `d\t${CHECK_ROOT}/0/site\n`);
    const spec = { ...seedSpec, Volumes: ['data:/d', '/srv/./x/../site:/s:ro'] };
    expect((await admitSpec(engine, 'lb', policy, spec)).Volumes).toEqual(['data:/d', '/srv/site:/s:ro']);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      image: 'lb',
      user: '0',
      capAdd: ['DAC_READ_SEARCH'],
      mounts: [{ source: '/srv', target: `${CHECK_ROOT}/0` }],
      cmd: [`${CHECK_ROOT}/0/./x/../site`],
    });
    await admitSpec(engine, 'lb', policy, { ...seedSpec, Volumes: ['data:/d'] });
    expect(runs).toHaveLength(1);
  });

  it('refuses with a 403 listing every field, those of the policy and those of the engine', async () => {
    const { engine } = engineAnswering(() => 'd\t/\n');
    const spec = { ...seedSpec, Volumes: ['/etc:/e:ro', '/srv/up:/u:ro'], FIP: '0.0.0.0', ServicePort: 8080 };
    const err = await admitSpec(engine, 'lb', policy, spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyRefusal);
    expect((err as PolicyRefusal).status).toBe(403);
    expect((err as PolicyRefusal).issues.map((i) => i.path)).toEqual(['Volumes[0]', 'FIP', 'Volumes[1]']);
    expect((err as Error).message).toMatch(
      /^refused by this server's policy \(3 fields\):\n {2}Volumes\[0\]/,
    );
  });

  it('an image without sh or realpath is a clear 500', async () => {
    const engine = {
      imageExists: async () => true,
      runOnce: async () => ({ exitCode: 127, stdout: '', stderr: 'sh: not found' }),
    } as unknown as Engine;
    await expect(admitSpec(engine, 'lb', policy, { ...seedSpec, Volumes: ['/srv:/s:ro'] })).rejects.toThrow(
      /cannot check host paths with image lb \(it needs sh and realpath\): exit 127 sh: not found/,
    );
  });

  it('before new replicas: a recorded host path must still lead where it did', async () => {
    const spec = {
      ...seedSpec,
      Volumes: ['/srv/site:/s:ro'],
      FIP: '0.0.0.0',
      Labels: { 'com.docker.x': 'y' },
    };
    const same = engineAnswering(() => `d\t${CHECK_ROOT}/0/site\n`);
    await expect(recheckSpec(same.engine, 'lb', policy, spec)).resolves.toBeUndefined();
    const moved = engineAnswering(() => `d\t${CHECK_ROOT}/0/other\n`);
    await expect(recheckSpec(moved.engine, 'lb', policy, spec)).rejects.toThrow(
      /no longer leads where it did/,
    );
    const none = engineAnswering(() => '');
    await expect(
      recheckSpec(none.engine, 'lb', policy, { ...spec, Volumes: ['d:/d'] }),
    ).resolves.toBeUndefined();
    expect(none.runs).toHaveLength(0);
  });
});
