/**
 * exitGuard (src/lb/health.ts) against the real engine, for a replica that had exited and been
 * started again by its restart policy before the wait for it began, so that no `die` comes while
 * it watches: it runs now, the engine has reset its exit code, and only its restart count and the
 * engine's past events (GET /events with since and until) say what happened.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DockerEngine } from '../../src/engine/docker-engine.js';
import { exitGuard } from '../../src/lb/health.js';
import { LABEL, names } from '../../src/model/naming.js';
import { HTTP_IMAGE, newTenant, removeTenant } from './support/harness.js';

const tenant = newTenant();
const engine = new DockerEngine();
const network = names.network(tenant);
const labels = { [LABEL.managed]: '1', [LABEL.tenant]: tenant };

beforeAll(() => engine.ensureNetwork(network, labels));
afterAll(() => removeTenant(tenant));

it('a replica that exited once before the wait began, and runs now, fails it with the code of that exit', async () => {
  const name = `exits-once-${tenant.slice(0, 8)}`;
  // Its first run exits 3 (as an app whose database is not up yet); the runs after it stay up.
  const id = await engine.createContainer({
    name,
    image: HTTP_IMAGE,
    labels,
    network,
    entrypoint: ['/bin/sh', '-c'],
    cmd: ['if [ -e /ran ]; then exec sleep 600; fi; touch /ran; echo no database yet; exit 3'],
    restartPolicy: 'unless-stopped',
    stopSignal: 'SIGKILL',
  });
  await engine.startContainer(id);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await engine.inspectContainer(id);
    if (d.state === 'running' && (d.restartCount ?? 0) > 0) break;
    if (Date.now() > deadline) throw new Error(`never running again after its exit: ${d.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const guard = exitGuard(engine, [name], { startedHere: true });
  try {
    const bound = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the guard found nothing in 20 s')), 20_000).unref(),
    );
    await expect(Promise.race([guard.exited, bound])).rejects.toThrow(
      `${name} exited with code 3 before it was ready; its last output: "no database yet"`,
    );
  } finally {
    guard.stop();
  }
});
