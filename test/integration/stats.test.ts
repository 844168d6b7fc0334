/**
 * `svc stats` reads HAProxy's own counters from the running load balancer, on both load
 * balancer image layouts (Alpine-like with busybox, Debian-like without any client tool):
 * requests sent through the published port are counted on the replica that answered them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LB_IMAGE, svc } from '../support/cli.js';
import {
  countBy,
  createArgs,
  freePort,
  httpGetMany,
  LB_IMAGE_DEBIAN,
  newTenant,
  removeTenant,
} from './support/harness.js';

interface Row {
  Service: string;
  Replica: string;
  State: string;
  Sessions: number;
  Requests: number;
  Errors: number;
}

const tenant = newTenant();
afterAll(() => removeTenant(tenant));

describe.each([
  ['official Alpine layout', LB_IMAGE],
  ['official Debian layout', LB_IMAGE_DEBIAN],
])('svc stats on the %s', (_, lbImage) => {
  const name = lbImage === LB_IMAGE ? 'stats-a' : 'stats-d';
  const sv = (args: string[]) => svc(args, { tenant, env: { SVC_LB_IMAGE: lbImage } });

  it('counts each request on the replica that answered it', async () => {
    const port = await freePort();
    const created = await sv(createArgs(name, port, '127.0.0.1', ['--protocol', 'http', '--replicas', '2']));
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const replicas = [1, 2].map((n) => `${name}-${n}-${tenant.slice(0, 8)}`);

    const before: Row[] = JSON.parse((await sv(['stats', name, '-o', 'json'])).stdout);
    expect(before.map((r) => r.Replica).sort()).toEqual(replicas);

    const { bodies, failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 20);
    expect(failures).toEqual([]);
    const answered = countBy(bodies.map((b) => b.trim()));

    const r = await sv(['stats', name, '--no-stream', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows: Row[] = JSON.parse(r.stdout);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const was = before.find((b) => b.Replica === row.Replica)?.Requests ?? 0;
      expect(row).toMatchObject({ Service: name, State: 'UP', Errors: 0 });
      // Round robin over two: 10 each; the body is the replica's hostname (its container name).
      expect(row.Requests - was).toBe(10);
    }
    expect(Object.values(answered).sort()).toEqual([10, 10]);

    const table = await sv(['stats', name]);
    expect(table.stdout.split('\n')[0]).toMatch(/^SERVICE\s+REPLICA\s+STATE\s+SESSIONS\s+REQUESTS\s+ERRORS/);
    expect(table.stdout).toContain(replicas[0]);
  });

  it('says which service does not exist, and exits 3', async () => {
    const r = await sv(['stats', 'no-such-service']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no such service: no-such-service');
  });
});
