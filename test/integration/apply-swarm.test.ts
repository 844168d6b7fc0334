/**
 * svc apply and svc diff on a one-node swarm (initialised here when the engine is in none, and
 * left again at the end): created by apply, an Env change is one Swarm service update that rolls
 * every task under load with no request lost, Replicas keeps the tasks, diff exits 0/1.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svc } from '../support/cli.js';
import {
  ensureSwarm,
  freePort,
  HTTP_IMAGE,
  LB_IMAGE_DEBIAN,
  newTenant,
  removeTenant,
} from './support/harness.js';
import { splitCutResponses, startLoad } from './support/load.js';

const tenant = newTenant();
const env = { SVC_BACKEND: 'swarm', SVC_LB_IMAGE: LB_IMAGE_DEBIAN };
const sv = (args: string[]) => svc(args, { tenant, env });
let leaveSwarm: (() => Promise<void>) | undefined;

beforeAll(async () => {
  leaveSwarm = await ensureSwarm();
}, 60_000);

afterAll(async () => {
  await removeTenant(tenant);
  await leaveSwarm?.();
}, 120_000);

let n = 0;
function file(text: string): string {
  n += 1;
  const path = join(tmpdir(), `svc-apply-swarm-${tenant.slice(0, 8)}-${n}.yaml`);
  writeFileSync(path, text);
  return path;
}

const web = (port: number, extra = '') =>
  `Name: web\nImage: ${HTTP_IMAGE}\nContainerPort: 80\nServicePort: ${port}\nFIP: 0.0.0.0\nProtocol: http\nHealthCheckInterval: 1\n${extra}`;

/** The IDs of the service's replicas' containers (the tasks'). */
async function taskIds(): Promise<string[]> {
  const [s] = JSON.parse((await sv(['inspect', 'web'])).stdout);
  return (s.Containers as string[]).slice().sort();
}

describe('svc apply on the swarm', () => {
  let port: number;

  it('creates by apply; the same file again is unchanged (diff 0)', async () => {
    port = await freePort();
    const created = await sv(['apply', '-f', file(web(port, 'Replicas: 2'))]);
    expect([created.code, created.stderr]).toEqual([0, 'web: created (2 replicas)\n']);
    expect(JSON.parse(created.stdout)).toMatchObject({ Name: 'web', Replicas: 2 });
    const again = await sv(['apply', '-f', file(web(port, 'Replicas: 2'))]);
    expect([again.code, again.stderr]).toEqual([0, 'web: unchanged\n']);
    expect((await sv(['diff', '-f', file(web(port, 'Replicas: 2'))])).code).toBe(0);
  });

  it('Env: diff 1, then one rolling service update under load, every task replaced, no request lost', async () => {
    const before = await taskIds();
    const changed = file(web(port, 'Replicas: 2\nEnv: [MODE=two]'));
    const d = await sv(['diff', '-f', changed]);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('  Env: null → ["MODE=two"] (replaced)\n1. update swarm service web-');
    const load = startLoad(`http://127.0.0.1:${port}/`, { maxMs: 120_000 });
    const r = await sv(['apply', '-f', changed]);
    const result = await load.stop();
    console.log(`swarm apply Env under load: ${result.requests} requests, ${result.failures.length} failed`);
    expect(r.code).toBe(0);
    expect(splitCutResponses(result.failures).lost).toEqual([]);
    const after = await taskIds();
    expect(after).toHaveLength(2);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
  });

  it('Replicas 2 → 3 keeps the tasks it had', async () => {
    const before = await taskIds();
    const r = await sv(['apply', '-f', file(web(port, 'Replicas: 3\nEnv: [MODE=two]'))]);
    expect(r.code).toBe(0);
    const after = await taskIds();
    expect(after).toHaveLength(3);
    expect(after.filter((id) => before.includes(id))).toEqual(before);
  });
});
