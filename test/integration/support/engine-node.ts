/**
 * A Docker engine the test starts itself and may restart: svc-test/docker-node:local (a Docker
 * engine in a container, see scripts/build-node-image.sh) on the engine the tests run against,
 * its dockerd also listening on TCP inside, that port and the services' ports published on this
 * engine's 127.0.0.1. svc reaches it with DOCKER_HOST=tcp://127.0.0.1:PORT, load goes to
 * 127.0.0.1, and restarting the container restarts that dockerd (SIGTERM, as a laptop's engine
 * restart does) without ever touching the engine `npm test` runs against.
 */
import { freePort, run, waitFor } from './harness.js';
import { NODE_IMAGE, NODE_RUN_FLAGS } from './swarm-node.js';

/** On the engine containers of this kind (not swarm-node.ts's label: its sweep leaves the swarm). */
const ENGINE_LABEL = 'io.svc.test-engine';

export interface EngineNode {
  /** DOCKER_HOST for svc and docker to reach it. */
  dockerHost: string;
  /** The host port (on 127.0.0.1) each of `servicePorts` is published on. */
  hostPort: Map<number, number>;
  /** `docker ARGS` against it; its stdout. */
  docker(args: string[]): Promise<string>;
  /** Restart its dockerd (SIGTERM to it, then started again); resolves once it answers. */
  restart(): Promise<void>;
  remove(): Promise<void>;
}

const docker = async (args: string[], env?: NodeJS.ProcessEnv) =>
  (await run('docker', args, { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 })).stdout.trim();

/** What a crashed run left: engine containers more than ten minutes old (a run going on now is left alone). */
async function removeLeftovers(): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${ENGINE_LABEL}`])).split('\n').filter(Boolean);
  if (ids.length === 0) return;
  const created = (await docker(['inspect', '--format', '{{.Id}} {{.Created}}', ...ids])).split('\n');
  const old = created
    .map((l) => l.split(' '))
    .filter(([, at]) => Date.now() - Date.parse(at ?? '') > 10 * 60_000)
    .map(([id]) => id as string);
  if (old.length > 0) await docker(['rm', '-f', '-v', ...old]);
}

export async function startEngineNode(
  id: string,
  servicePorts: number[],
  images: string[],
): Promise<EngineNode> {
  const container = `svc-test-engine-${id}`;
  const apiPort = await freePort();
  const hostPort = new Map<number, number>();
  for (const p of servicePorts) hostPort.set(p, await freePort());
  const publish = [
    ...['-p', `127.0.0.1:${apiPort}:2375`],
    ...[...hostPort].flatMap(([inner, outer]) => ['-p', `127.0.0.1:${outer}:${inner}`]),
  ];
  const dockerHost = `tcp://127.0.0.1:${apiPort}`;
  const inner = (args: string[]) => docker(args, { DOCKER_HOST: dockerHost });
  const answers = () =>
    waitFor('the engine in the container', 90_000, () => inner(['info', '--format', '{{.ID}}']));
  const remove = () => docker(['rm', '-f', '-v', container]).then(() => undefined);
  await removeLeftovers();
  await docker([
    ...['run', '-d', '--name', container, '--label', ENGINE_LABEL, ...NODE_RUN_FLAGS, ...publish],
    ...[NODE_IMAGE, '--host', 'tcp://0.0.0.0:2375', '--tls=false'],
  ]);
  try {
    await answers();
    for (const image of images) {
      await run('sh', ['-c', 'docker save "$1" | DOCKER_HOST="$2" docker load -q', 'sh', image, dockerHost]);
    }
  } catch (err) {
    await remove().catch(() => undefined);
    throw err;
  }
  return {
    dockerHost,
    hostPort,
    docker: inner,
    async restart() {
      await docker(['restart', '-t', '30', container]);
      await answers();
    },
    remove,
  };
}
