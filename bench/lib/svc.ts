/**
 * svc as the scenarios run it (the built CLI, the bench's tenant, the offline load balancer
 * image), and the engine's floor: what any tool needs from this engine for the same service.
 */
import { docker, freePort, HTTP_IMAGE, must, now, pollDistinct, type Ran, svc, TAG, TENANT } from './run.js';

export interface Ready {
  /** Command start → the command returned, ms. */
  cmd: number;
  /** Command start → every replica answered once, ms. */
  ready: number;
}

/** Removes everything of the bench's tenant: Swarm services, containers, its network. */
export async function svcCleanup(): Promise<void> {
  const filter = `label=io.svc.tenant=${TENANT}`;
  const services = (await docker(['service', 'ls', '-q', '--filter', filter])).stdout.split(/\s+/);
  if (services.filter(Boolean).length) await docker(['service', 'rm', ...services.filter(Boolean)], 120_000);
  const ids = (await docker(['ps', '-aq', '--filter', filter])).stdout.split(/\s+/).filter(Boolean);
  if (ids.length) await docker(['rm', '-f', ...ids], 120_000);
  await docker(['network', 'rm', `svc-${TENANT}`]);
}

/** `svc create --wait` of an http service of the test image; published on 127.0.0.1:port if given. */
export function svcCreate(name: string, replicas: number, port?: number, image = HTTP_IMAGE): Promise<Ran> {
  const args = ['create', '--name', name, '--replicas', String(replicas), '--container-port', '80'];
  args.push('--protocol', 'http', '--wait', '--timeout', '300s', '-q');
  if (port) args.push('--service-port', String(port), '--fip', '127.0.0.1');
  else args.push('--service-port', '8080');
  return svc([...args, image], 330_000);
}

/** svc create --wait, then every replica seen through the load balancer; removed after. */
export async function svcReady(n: number): Promise<Ready> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const t0 = now();
  const r = await svcCreate(`r${n}`, n, port);
  const tCmd = now();
  if (r.code !== 0) throw new Error(`svc create failed: ${r.stderr.slice(0, 400)}`);
  const tSeen = await pollDistinct(async () => [url], n, now() + 120_000);
  await svcCleanup();
  if (tSeen === undefined) throw new Error(`svc: not all ${n} replicas answered`);
  return { cmd: tCmd - t0, ready: Math.max(tSeen, tCmd) - t0 };
}

/** svc create --wait --backend swarm, then every replica seen through its load balancer. */
export async function svcSwarmReady(n: number): Promise<Ready> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const t0 = now();
  const args = ['create', '--backend', 'swarm', '--name', `s${n}`, '--replicas', String(n)];
  args.push('--container-port', '80', '--protocol', 'http', '--wait', '--timeout', '300s', '-q');
  args.push('--service-port', String(port), '--fip', '0.0.0.0');
  const r = await svc([...args, HTTP_IMAGE], 330_000);
  const tCmd = now();
  if (r.code !== 0) throw new Error(`svc create --backend swarm failed: ${r.stderr.slice(0, 400)}`);
  const tSeen = await pollDistinct(async () => [url], n, now() + 120_000);
  await svc(['rm', `s${n}`], 120_000);
  if (tSeen === undefined) throw new Error(`svc (swarm): not all ${n} replicas answered`);
  return { cmd: tCmd - t0, ready: Math.max(tSeen, tCmd) - t0 };
}

/**
 * The engine's floor for what a create asks of it: a network plus N+1 containers of the same
 * image (the replicas and the load balancer), started in parallel with `docker run -d`. Ms.
 */
export async function floorReady(n: number): Promise<number> {
  const network = `svc-bench-floor-${TAG}`;
  const names = Array.from({ length: n + 1 }, (_, i) => `svc-bench-floor-${TAG}-${i}`);
  const t0 = now();
  await must('docker', ['network', 'create', network]);
  await Promise.all(
    names.map((name) => must('docker', ['run', '-d', '--name', name, '--network', network, HTTP_IMAGE])),
  );
  const t = now() - t0;
  await docker(['rm', '-f', ...names], 120_000);
  await docker(['network', 'rm', network]);
  return t;
}

/**
 * A service of `n` replicas of `from` (created with --wait, not timed), then one timed `svc
 * rolling-update` per entry of `parallelism`, to `images` in turn (the first update to images[0],
 * the next back to images[1], …); removed after. The times, ms, in `parallelism`'s order.
 */
export async function svcRolling(
  n: number,
  images: string[],
  parallelism: readonly number[],
  from = HTTP_IMAGE,
): Promise<number[]> {
  const name = `ru${n}`;
  const c = await svcCreate(name, n, undefined, from);
  if (c.code !== 0) throw new Error(`svc create failed: ${c.stderr.slice(0, 400)}`);
  const times: number[] = [];
  try {
    for (const [i, p] of parallelism.entries()) {
      const args = ['rolling-update', '--image', images[i % images.length] as string, '--timeout', '300s'];
      if (p > 1) args.push('--parallelism', String(p));
      const r = await svc([...args, '-q', name], 330_000);
      if (r.code !== 0) throw new Error(`svc rolling-update failed: ${r.stderr.slice(0, 400)}`);
      times.push(r.ms);
    }
  } finally {
    await svcCleanup();
  }
  return times;
}
