/**
 * Docker Swarm as a contender: a one-node swarm (initialised when none is active, left at the
 * end), `docker service create` timed as its users wait for it, and its tasks polled on their
 * host-mode ports.
 */
import { randomBytes } from 'node:crypto';
import { docker, HTTP_IMAGE, log, must, now, pollDistinct, sleep, TAG } from './run.js';
import type { Ready } from './svc.js';

let swarmInitialised = false;
/** Swarm services the bench made and has not removed yet. */
const swarmServices = new Set<string>();
const floorNetwork = `svc-bench-swarm-floor-${TAG}`;

export async function ensureSwarm(): Promise<void> {
  const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim();
  if (state === 'active') return;
  await must('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { timeoutMs: 60_000 });
  swarmInitialised = true;
  log('initialised a one-node swarm (left again at the end)');
}

/** Removes what the bench left on the swarm, and leaves the swarm if the bench made it. */
export async function swarmCleanup(): Promise<void> {
  for (const name of [...swarmServices]) await swarmRm(name);
  await docker(['network', 'rm', floorNetwork]);
  await leaveSwarm();
}

export async function leaveSwarm(): Promise<void> {
  if (!swarmInitialised) return;
  await docker(['swarm', 'leave', '--force'], 60_000);
  swarmInitialised = false;
}

/** `docker service rm`, then wait (≤ 90 s) until its containers are gone. */
async function swarmRm(name: string): Promise<void> {
  await docker(['service', 'rm', name], 60_000);
  swarmServices.delete(name);
  const end = now() + 90_000;
  while (now() < end) {
    const ps = await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${name}`]);
    if (!ps.stdout.trim()) return;
    await sleep(300);
  }
}

/** The host-mode ports of a swarm service's running tasks. */
async function swarmUrls(name: string): Promise<string[]> {
  const filter = `label=com.docker.swarm.service.name=${name}`;
  const r = await docker(['ps', '--filter', filter, '--format', '{{.Ports}}']);
  const urls: string[] = [];
  for (const m of r.stdout.matchAll(/(?:0\.0\.0\.0|127\.0\.0\.1):(\d+)->80\/tcp/g))
    urls.push(`http://127.0.0.1:${m[1]}/`);
  return [...new Set(urls)];
}

/** `docker service create` (synchronous), polling the tasks' host ports from the start. */
export async function swarmReady(n: number): Promise<Ready> {
  const name = `bench-${TAG}-${n}-${randomBytes(2).toString('hex')}`;
  swarmServices.add(name);
  const t0 = now();
  const poll = pollDistinct(() => swarmUrls(name), n, t0 + 300_000);
  const r = await docker(
    [
      'service',
      'create',
      '--name',
      name,
      '--replicas',
      String(n),
      '--publish',
      'mode=host,target=80',
      HTTP_IMAGE,
    ],
    300_000,
  );
  const tCmd = now();
  const tSeen = await poll;
  await swarmRm(name);
  if (r.code !== 0) throw new Error(`docker service create failed: ${r.stderr.slice(0, 400)}`);
  if (tSeen === undefined) throw new Error(`swarm: not all ${n} tasks answered`);
  return { cmd: tCmd - t0, ready: tSeen - t0 };
}

/**
 * Swarm's floor for what svc asks of it: a new overlay network and N+1 tasks of the same image on
 * it (the replicas and the load balancer), each publishing a host port so it can be seen
 * answering; `docker service create -d`, tasks polled from the start. Ms.
 */
export async function swarmFloorReady(n: number): Promise<number> {
  const name = `bench-floor-${TAG}-${n}-${randomBytes(2).toString('hex')}`;
  swarmServices.add(name);
  const t0 = now();
  await must('docker', ['network', 'create', '-d', 'overlay', '--attachable', floorNetwork]);
  const poll = pollDistinct(() => swarmUrls(name), n + 1, t0 + 300_000);
  const args = ['service', 'create', '-d', '-q', '--name', name, '--replicas', String(n + 1)];
  args.push('--network', floorNetwork, '--publish', 'mode=host,target=80', HTTP_IMAGE);
  const r = await docker(args, 300_000);
  const tSeen = await poll;
  await swarmRm(name);
  await docker(['network', 'rm', floorNetwork]);
  if (r.code !== 0) throw new Error(`docker service create failed: ${r.stderr.slice(0, 400)}`);
  if (tSeen === undefined) throw new Error(`swarm floor: not all ${n + 1} tasks answered`);
  return tSeen - t0;
}

/**
 * A Swarm service of `n` replicas of `from` (created and converged, not timed), then one timed synchronous
 * `docker service update --update-order start-first --update-parallelism P` per entry of
 * `parallelism`, to `images` in turn; removed after. The times, ms, in `parallelism`'s order.
 */
export async function swarmRolling(
  n: number,
  images: string[],
  parallelism: readonly number[],
  from = HTTP_IMAGE,
): Promise<number[]> {
  const name = `bench-ru-${TAG}-${n}-${randomBytes(2).toString('hex')}`;
  swarmServices.add(name);
  const times: number[] = [];
  try {
    await must('docker', ['service', 'create', '-q', '--name', name, '--replicas', String(n), from], {
      timeoutMs: 300_000,
    });
    for (const [i, p] of parallelism.entries()) {
      const t0 = now();
      await must(
        'docker',
        [
          'service',
          'update',
          '-q',
          '--image',
          images[i % images.length] as string,
          '--update-order',
          'start-first',
          '--update-parallelism',
          String(p),
          name,
        ],
        { timeoutMs: 300_000 },
      );
      times.push(now() - t0);
    }
  } finally {
    await swarmRm(name);
  }
  return times;
}
