/**
 * svc apply and svc diff on the real engine, with an app that listens before it is ready
 * (svc-test/warming, checked by GET /healthz), under a fresh-connection load: created by apply;
 * applied again, nothing touched; diff 0/1; an Env change replaces every replica with no request
 * lost; Replicas keeps the replicas; load balancer fields keep every replica (both load balancer
 * image layouts); a moved tag is seen; a release that never gets ready leaves the service as it
 * was; a field that cannot change in place is refused; a two-document file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { svc } from '../support/cli.js';
import {
  engine,
  freePort,
  HTTP_IMAGE,
  LB_IMAGE_DEBIAN,
  newTenant,
  removeTenant,
  run,
  WARMING_IMAGE,
} from './support/harness.js';
import { startLoad } from './support/load.js';

const tenant = newTenant();
const MOVED = `svc-test/apply-moved:${tenant.slice(0, 8)}`;
afterAll(async () => {
  await removeTenant(tenant);
  await run('docker', ['rmi', MOVED]).catch(() => undefined);
});

/** The last file applied to `app`: what it runs. */
let appNow = '';
const sv = (args: string[], input?: string) => svc(args, { tenant, input });
let n = 0;
/** A service file with these documents (YAML text each). */
function file(...docs: string[]): string {
  n += 1;
  const path = join(tmpdir(), `svc-apply-${tenant.slice(0, 8)}-${n}.yaml`);
  writeFileSync(path, docs.map((d) => (d.endsWith('\n') ? d : `${d}\n`)).join('---\n'));
  return path;
}

/** The warming app: ready ~1 s after each start (GET /healthz 200), checked every second. */
const app = (port: number, extra = '') => `Name: app
Image: ${WARMING_IMAGE}
ContainerPort: 80
ServicePort: ${port}
FIP: 127.0.0.1
Protocol: http
Replicas: 2
HealthCheckInterval: 1
HealthCheckPath: /healthz
StopTimeout: 2
Env: [WARM_SECONDS=1]
${extra}`;

/** IDs of the service's containers, by role. */
async function ids(name: string): Promise<{ lb: string[]; replicas: string[] }> {
  const list = await engine.listContainers(labelFilter(tenant, name));
  const of = (role: string) =>
    list
      .filter((c) => c.labels[LABEL.role] === role)
      .map((c) => c.id)
      .sort();
  return { lb: of('lb'), replicas: of('replica') };
}

const freshLoad = (port: number) =>
  startLoad(`http://127.0.0.1:${port}/`, { keepAliveWorkers: 0, freshWorkers: 4, maxMs: 120_000 });

/** `svc apply` under load: its result and the load's. */
async function applyUnderLoad(port: number, args: string[]) {
  const load = freshLoad(port);
  const r = await sv(['apply', ...args]);
  return { r, load: await load.stop() };
}

describe('svc apply and svc diff (Alpine-like load balancer image)', () => {
  let port: number;

  it('creates a missing service, waiting for it: one document prints one Service object', async () => {
    port = await freePort();
    const r = await sv(['apply', '-f', file(app(port))]);
    expect(r.stderr).toBe('app: created (2 replicas)\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ Name: 'app', Replicas: 2, Status: 'active' });
    const load = freshLoad(port);
    await new Promise((res) => setTimeout(res, 800));
    expect((await load.stop()).failures).toEqual([]);
  });

  it('the same file again changes nothing (same containers); diff exits 0', async () => {
    const before = await ids('app');
    const r = await sv(['apply', '-f', file(app(port))]);
    expect([r.code, r.stderr]).toEqual([0, 'app: unchanged\n']);
    expect(await ids('app')).toEqual(before);
    const d = await sv(['diff', '-f', file(app(port))]);
    expect([d.code, d.stdout]).toEqual([0, '# app: unchanged\n(nothing to do)\n']);
  });

  it('diff exits 1 and names the field, changing nothing; apply of Env replaces every replica, no request lost', async () => {
    const before = await ids('app');
    const changed = file(app(port).replace('[WARM_SECONDS=1]', '[WARM_SECONDS=1, MODE=two]'));
    const d = await sv(['diff', '-f', changed]);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('  Env: ["WARM_SECONDS=1"] → ["WARM_SECONDS=1","MODE=two"] (replaced)\n');
    expect(d.stdout).toMatch(/^# app: 2 replicas replaced by 2 \(rolling\)$/m);
    expect(await ids('app')).toEqual(before);
    const { r, load } = await applyUnderLoad(port, ['-f', changed]);
    console.log(`apply Env under load: ${load.requests} requests, ${load.failures.length} failed`);
    expect(r.code).toBe(0);
    expect(load.failures).toEqual([]);
    expect(load.ok).toBeGreaterThan(20);
    const after = await ids('app');
    expect(after.lb).toEqual(before.lb);
    expect(after.replicas).toHaveLength(2);
    expect(after.replicas.filter((id) => before.replicas.includes(id))).toEqual([]);
  });

  it('Replicas 2 → 3 keeps the two replicas it had', async () => {
    const before = await ids('app');
    const r = await sv([
      'apply',
      '-f',
      file(
        app(port, 'Replicas: 3')
          .replace('Replicas: 2\n', '')
          .replace('[WARM_SECONDS=1]', '[WARM_SECONDS=1, MODE=two]'),
      ),
    ]);
    expect([r.code, r.stderr]).toEqual([0, 'app: 2 → 3 replicas\n']);
    const after = await ids('app');
    expect(after.replicas).toHaveLength(3);
    expect(after.replicas.filter((id) => before.replicas.includes(id))).toEqual(before.replicas);
  });

  const v3 = (extra = '') =>
    app(port, `Replicas: 3\n${extra}`)
      .replace('Replicas: 2\n', '')
      .replace('[WARM_SECONDS=1]', '[WARM_SECONDS=1, MODE=two]');

  it('load balancer fields only: every replica and the load balancer kept, no request lost', async () => {
    const before = await ids('app');
    const { r, load } = await applyUnderLoad(port, [
      '-f',
      file(v3('Algorithm: leastconn\nHealthCheckRise: 3')),
    ]);
    expect([r.code, r.stderr]).toEqual([0, 'app: load balancer reloaded, every replica kept\n']);
    expect(load.failures).toEqual([]);
    expect(await ids('app')).toEqual(before);
    expect(JSON.parse(r.stdout)).toMatchObject({ Algorithm: 'leastconn', HealthCheckRise: 3 });
  });

  it('a release that never gets ready fails, is undone, and the service serves on as it was', async () => {
    const before = await ids('app');
    const never = file(
      v3('Algorithm: leastconn\nHealthCheckRise: 3').replace('WARM_SECONDS=1,', 'WARM_SECONDS=86400,'),
    );
    const { r, load } = await applyUnderLoad(port, ['-f', never, '--timeout', '4s']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/everything it had changed was undone/);
    expect(load.failures).toEqual([]);
    expect(await ids('app')).toEqual(before);
    expect((await sv(['diff', '-f', file(v3('Algorithm: leastconn\nHealthCheckRise: 3'))])).code).toBe(0);
  });

  it('a tag that now names another image is a change: diff sees it, apply replaces the replicas', async () => {
    await run('docker', ['tag', WARMING_IMAGE, MOVED]);
    const moved = file(
      v3('Algorithm: leastconn\nHealthCheckRise: 3').replace(`Image: ${WARMING_IMAGE}`, `Image: ${MOVED}`),
    );
    expect((await sv(['apply', '-f', moved])).code).toBe(0);
    expect((await sv(['diff', '-f', moved])).code).toBe(0);
    const before = await ids('app');
    // Rebuilt: the same tag, another image.
    await run('sh', [
      '-c',
      `printf 'FROM ${WARMING_IMAGE}\\nLABEL rebuilt=1\\n' | DOCKER_BUILDKIT=0 docker build -q -t ${MOVED} -`,
    ]);
    const d = await sv(['diff', '-f', moved]);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(
      /Image: "svc-test\/apply-moved:\w+" now names sha256:\w+, which 3 replicas do not run \(replaced\)/,
    );
    const { r, load } = await applyUnderLoad(port, ['-f', moved]);
    expect(r.code).toBe(0);
    expect(load.failures).toEqual([]);
    const after = await ids('app');
    expect(after.replicas.filter((id) => before.replicas.includes(id))).toEqual([]);
    expect((await sv(['diff', '-f', moved])).code).toBe(0);
    appNow = readFileSync(moved, 'utf8');
  });

  it('ServicePort cannot change in place: exit 2 naming it and how, nothing changed', async () => {
    const before = await ids('app');
    const other = await freePort();
    const r = await sv(['apply', '-f', file(app(other))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ServicePort \(\d+ → \d+\) cannot change in place; nothing was changed/);
    expect(await ids('app')).toEqual(before);
  });
});

describe('a two-document file (Debian-like load balancer image for the new service)', () => {
  it('creates the missing one, leaves the other; prints an array in input order; a change of one keeps the other', async () => {
    const port = await freePort();
    const two = (extra = '') =>
      `Name: two\nImage: ${HTTP_IMAGE}\nContainerPort: 80\nServicePort: ${port}\nFIP: 127.0.0.1\nProtocol: http\nReplicas: 2\nHealthCheckInterval: 1\n${extra}\n`;
    const appDoc = appNow;
    const r = await sv(['apply', '-f', file(two()), '-f', '-', '--lb-image', LB_IMAGE_DEBIAN], appDoc);
    expect(r.stderr).toBe('two: created (2 replicas)\napp: unchanged\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((s: { Name: string }) => s.Name)).toEqual(['two', 'app']);
    const before = await ids('two');
    const { r: changed, load } = await applyUnderLoad(port, [
      '-f',
      file(two('SessionAffinity: true'), appDoc),
    ]);
    expect(changed.stderr).toBe('two: load balancer reloaded, every replica kept\napp: unchanged\n');
    expect(load.failures).toEqual([]);
    expect(await ids('two')).toEqual(before);
    // One service's change refused: the other is still applied; exit 2; stdout has the applied one.
    const refused = appDoc.replace(/ServicePort: \d+/, `ServicePort: ${await freePort()}`);
    const mixed = await sv([
      'apply',
      '-f',
      file(refused, two('SessionAffinity: true\nAlgorithm: leastconn')),
    ]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(
      /^two: load balancer reloaded, every replica kept\nError: app: service "app": ServicePort/,
    );
    expect(
      JSON.parse(mixed.stdout).map((s: { Name: string; Algorithm: string }) => [s.Name, s.Algorithm]),
    ).toEqual([['two', 'leastconn']]);
  });
});
