/**
 * A real two-node swarm on one machine: this engine as the manager, and a second Docker engine
 * (svc-test/docker-node:local, Debian's docker.io, see scripts/build-node-image.sh) running in a
 * container on a network made here, joined as a worker. The manager advertises the network's
 * gateway address, which the worker can reach (127.0.0.1 would be the worker's own loopback), and
 * the overlay's VXLAN runs over that network. Images reach the worker by `docker save | load`.
 */
import { engine, initTestSwarm, run, waitFor } from './harness.js';

export const NODE_IMAGE = 'svc-test/docker-node:local';
const NODE_LABEL = 'io.svc.test-node';

/**
 * Not --privileged: that asks for every capability, and where the engine's bounding set lacks
 * one (CAP_SYS_RESOURCE on these machines) runc refuses with "unable to apply caps". All the
 * others, no seccomp or AppArmor profile, writable /proc and the host's cgroups are what an engine
 * in a container needs.
 */
export const NODE_RUN_FLAGS = [
  '--cap-add',
  'ALL',
  '--cap-drop',
  'SYS_RESOURCE',
  '--security-opt',
  'seccomp=unconfined',
  '--security-opt',
  'apparmor=unconfined',
  '--security-opt',
  'systempaths=unconfined',
  '--volume',
  '/sys/fs/cgroup:/sys/fs/cgroup:rw',
];

export interface TwoNodeSwarm {
  /** The manager's node name (this engine's hostname) and the worker's. */
  manager: string;
  worker: string;
  /** `docker ARGS` run against the worker's engine; its stdout. */
  onWorker(args: string[]): Promise<string>;
  /** Leave and remove everything: the worker, the swarm, the network. */
  stop(): Promise<void>;
}

async function docker(args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
}

/**
 * What a crashed run of this suite left: its worker containers and networks, and the swarm it
 * made (only when such a worker was still there, so a swarm of the user's own is never left).
 */
async function removeLeftovers(): Promise<void> {
  const containers = (await docker(['ps', '-aq', '--filter', `label=${NODE_LABEL}`]))
    .split('\n')
    .filter(Boolean);
  if (containers.length > 0) {
    await docker(['rm', '-f', '-v', ...containers]);
    await docker(['swarm', 'leave', '--force']).catch(() => undefined);
  }
  const networks = (await docker(['network', 'ls', '-q', '--filter', `label=${NODE_LABEL}`]))
    .split('\n')
    .filter(Boolean);
  for (const n of networks) await docker(['network', 'rm', n]).catch(() => undefined);
}

export async function startTwoNodeSwarm(id: string, images: string[]): Promise<TwoNodeSwarm> {
  await removeLeftovers();
  if ((await engine.info()).swarm) {
    throw new Error(
      'the two-node test makes this engine the manager of a new swarm, but it is in one already: ' +
        'leave it first (docker swarm leave --force)',
    );
  }
  const network = `svc-test-nodes-${id}`;
  const container = `svc-test-node-${id}`;
  const worker = `svc-node2-${id}`;
  await docker(['network', 'create', '--label', NODE_LABEL, network]);
  const gateway = await docker([
    'network',
    'inspect',
    network,
    '--format',
    '{{(index .IPAM.Config 0).Gateway}}',
  ]);
  await docker([
    'run',
    '-d',
    '--name',
    container,
    '--hostname',
    worker,
    '--label',
    NODE_LABEL,
    '--network',
    network,
    ...NODE_RUN_FLAGS,
    NODE_IMAGE,
  ]);
  const onWorker = (args: string[]) => docker(['exec', container, 'docker', ...args]);
  const stop = async () => {
    await onWorker(['swarm', 'leave', '--force']).catch(() => undefined);
    await docker(['swarm', 'leave', '--force']).catch(() => undefined);
    await docker(['rm', '-f', '-v', container]);
    await docker(['network', 'rm', network]);
  };
  try {
    await waitFor("the worker's engine", 60_000, () => onWorker(['info', '--format', '{{.ID}}']));
    for (const image of images) {
      await run('sh', [
        '-c',
        `docker save "$1" | docker exec -i "$2" docker load -q`,
        'sh',
        image,
        container,
      ]);
    }
    await initTestSwarm(['--advertise-addr', gateway]);
    const token = await docker(['swarm', 'join-token', '-q', 'worker']);
    await onWorker(['swarm', 'join', '--token', token, `${gateway}:2377`]);
    await waitFor('both nodes ready', 60_000, async () => {
      const ready = (await docker(['node', 'ls', '--format', '{{.Hostname}} {{.Status}}'])).split('\n');
      return ready.filter((l) => l.endsWith(' Ready')).length === 2 ? true : undefined;
    });
    const manager = await docker(['info', '--format', '{{.Name}}']);
    return { manager, worker, onWorker, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
