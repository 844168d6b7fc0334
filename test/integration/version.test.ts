/** `svc version` against the real engine, and without one. */
import { describe, expect, it } from 'vitest';
import { svc } from '../support/cli.js';
import { newTenant, run } from './support/harness.js';

describe('svc version', () => {
  it("reports the engine's version and API version, as docker version does", async () => {
    const { stdout: docker } = await run('docker', [
      'version',
      '--format',
      '{{.Server.Version}} {{.Server.APIVersion}}',
    ]);
    const tenant = newTenant();
    const r = await svc(['version', '-o', 'json'], { tenant });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(`${v.Server.Version} ${v.Server.ApiVersion}`).toBe(docker.trim());
    expect(v.Client).toMatchObject({ Tenant: tenant, LoadBalancerImage: 'svc-test/haproxy:local' });
  });

  it('without an engine prints the client part and fails with exit 5', async () => {
    const r = await svc(['-H', 'unix:///nonexistent/docker.sock', 'version'], { tenant: newTenant() });
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/^Client: svc\n/);
    expect(r.stdout).not.toContain('Server:');
    expect(r.stderr).toMatch(
      /^Error: cannot reach the Docker engine at -H unix:\/\/\/nonexistent\/docker.sock/,
    );
  });
});
