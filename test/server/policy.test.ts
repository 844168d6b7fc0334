import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  type ApiPolicy,
  canonicalAddress,
  DEFAULT_FIP_PORTS,
  DEFAULT_FIPS,
  engineForbiddenPaths,
  fipIssues,
  isWithin,
  parseFipPorts,
  parseFips,
  parseHostPrefixes,
  specIssues,
} from '../../src/server/policy.js';
import { seedSpec } from '../support/seed.js';

const policy: ApiPolicy = { hostPaths: ['/srv/static'], fips: DEFAULT_FIPS, fipPorts: DEFAULT_FIP_PORTS };
const closed: ApiPolicy = { ...policy, hostPaths: [] };

describe('the API policy on a spec', () => {
  it('passes a spec with named volumes only, no FIP and plain labels', () => {
    const r = specIssues({ ...seedSpec, Volumes: ['data:/d'], Labels: { app: 'x' } }, closed);
    expect(r).toEqual({ issues: [], hostPaths: [] });
  });

  it('refuses every host path when no prefix is allowed, naming the entry', () => {
    const r = specIssues({ ...seedSpec, Volumes: ['data:/d', '/var/run/docker.sock:/s:ro'] }, closed);
    expect(r.issues).toEqual([
      {
        path: 'Volumes[1]',
        message:
          'host path /var/run/docker.sock: host paths cannot be mounted through this server; use a named volume',
      },
    ]);
  });

  it('refuses a host path outside the prefixes as written, or not read-only; the rest go to the engine', () => {
    const r = specIssues(
      {
        ...seedSpec,
        Volumes: [
          '/etc:/e:ro',
          '/srv/staticx:/x:ro',
          '/srv/static/site:/s',
          '/srv/static/site:/t:ro',
          '/srv/static:/u:ro',
        ],
      },
      policy,
    );
    expect(r.issues.map((i) => [i.path, i.message.replace(/^host path \S+: /, '')])).toEqual([
      ['Volumes[0]', 'not under an allowed prefix (/srv/static)'],
      ['Volumes[1]', 'not under an allowed prefix (/srv/static)'],
      ['Volumes[2]', 'host paths are mounted read-only through this server: add :ro (or use a named volume)'],
    ]);
    expect(r.hostPaths.map((h) => [h.index, h.prefix, h.entry.source])).toEqual([
      [3, '/srv/static', '/srv/static/site'],
      [4, '/srv/static', '/srv/static'],
    ]);
    // `..` is not judged here: it passes as written and is resolved on the engine's host.
    expect(
      specIssues({ ...seedSpec, Volumes: ['/srv/static/../../etc:/e:ro'] }, policy).hostPaths,
    ).toHaveLength(1);
  });

  it("refuses every host path on Swarm, with the policy's reason", () => {
    const swarm = { ...policy, noHostPaths: 'not on Swarm' };
    expect(specIssues({ ...seedSpec, Volumes: ['/srv/static:/s:ro'] }, swarm).issues[0]?.message).toBe(
      'host path /srv/static: not on Swarm',
    );
  });

  it("refuses labels in Docker's namespaces, in any case", () => {
    const labels = {
      'com.docker.compose.project': 'x',
      'IO.Docker.x': 'y',
      'org.dockerproject.z': 'z',
      ok: 'v',
    };
    expect(specIssues({ ...seedSpec, Labels: labels }, closed).issues.map((i) => i.path)).toEqual([
      'Labels.com.docker.compose.project',
      'Labels.IO.Docker.x',
      'Labels.org.dockerproject.z',
    ]);
  });

  it('allows a FIP only on an allowed address, publishing an allowed port', () => {
    expect(fipIssues('', 80, policy)).toEqual([]);
    expect(fipIssues('127.0.0.1', 8080, policy)).toEqual([]);
    expect(fipIssues('0:0:0:0:0:0:0:1', 8080, policy)).toEqual([]);
    expect(fipIssues('0.0.0.0', 8080, policy).map((i) => i.path)).toEqual(['FIP']);
    expect(fipIssues('127.0.0.1', 80, policy)).toEqual([
      {
        path: 'ServicePort',
        message: 'a FIP publishes ServicePort 80 on the host; allowed host ports here are 1024-65535',
      },
    ]);
    const open = { ...policy, fips: parseFips(['0.0.0.0']), fipPorts: parseFipPorts('80-443') };
    expect(fipIssues('0.0.0.0', 443, open)).toEqual([]);
    expect(fipIssues('127.0.0.1', 443, open).map((i) => i.path)).toEqual(['FIP']);
    expect(
      specIssues({ ...seedSpec, FIP: '0.0.0.0', ServicePort: 22 }, policy).issues.map((i) => i.path),
    ).toEqual(['FIP', 'ServicePort']);
  });
});

describe('the policy flags of svc serve', () => {
  const forbidden = engineForbiddenPaths('/var/lib/docker-data', '/run/user/1000/docker.sock');

  it('knows the engine sockets and data, and the kernel file systems', () => {
    expect(forbidden).toEqual(
      expect.arrayContaining([
        '/var/run/docker.sock',
        '/run/containerd',
        '/var/lib/docker-data',
        '/run/user/1000/docker.sock',
        '/proc',
      ]),
    );
    expect(engineForbiddenPaths(undefined, 'npipe-ish')).not.toContain('npipe-ish');
  });

  it('--allow-host-path: absolute, normalised, never / nor holding or inside the engine places', () => {
    expect(parseHostPrefixes(['/srv/static/', '/srv//data/../share'], forbidden)).toEqual([
      '/srv/static',
      '/srv/share',
    ]);
    for (const bad of [
      'srv',
      '/',
      '/var/run',
      '/run',
      '/var/lib',
      '/var/lib/docker-data/volumes',
      '/run/user',
      '/proc/1',
    ])
      expect(() => parseHostPrefixes([bad], forbidden), bad).toThrow(UsageError);
    expect(() => parseHostPrefixes(['/var/run'], forbidden)).toThrow(/holds \/var\/run\/docker\.sock/);
  });

  it('--allow-fip and --fip-ports', () => {
    expect(parseFips(['0.0.0.0', '::0001'])).toEqual(['0.0.0.0', '::1']);
    expect(() => parseFips(['localhost'])).toThrow(/IP address/);
    expect(parseFipPorts('1024-65535')).toEqual({ low: 1024, high: 65535 });
    for (const bad of ['80', '0-10', '10-5', '1-70000', 'a-b'])
      expect(() => parseFipPorts(bad), bad).toThrow(UsageError);
  });

  it('compares paths by whole components', () => {
    expect(isWithin('/srv/static', '/srv/static')).toBe(true);
    expect(isWithin('/srv/static/x', '/srv/static')).toBe(true);
    expect(isWithin('/srv/staticx', '/srv/static')).toBe(false);
    expect(canonicalAddress('::FFFF:127.0.0.1')).toBe('::ffff:7f00:1');
  });
});
