/**
 * Before the integration suite: build the CLI, make sure a real Docker engine answers and the
 * offline test images exist, and remove what earlier (crashed) test runs left behind. No engine
 * is a failure, never a skip.
 */
import { execFileSync } from 'node:child_process';
import { DockerEngine } from '../../../src/engine/docker-engine.js';
import { LB_IMAGE } from '../../support/cli.js';
import { LB_IMAGE_DEBIAN, removeTestLeftovers, TEST_IMAGES } from './harness.js';
import { NODE_IMAGE } from './swarm-node.js';

export default async function setup(): Promise<void> {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  const engine = new DockerEngine();
  try {
    await engine.ping();
  } catch (err) {
    throw new Error(
      `The integration tests need a running Docker engine (${(err as Error).message}). ` +
        'Start one (and set up the rest) with: bash scripts/setup.sh --tests',
    );
  }
  const builtBy: Array<[string, string]> = [
    ...[LB_IMAGE, LB_IMAGE_DEBIAN, ...TEST_IMAGES].map((i): [string, string] => [i, 'build-test-images.sh']),
    [NODE_IMAGE, 'build-node-image.sh'],
  ];
  for (const [image, script] of builtBy) {
    if (!(await engine.imageExists(image))) {
      throw new Error(`test image ${image} is missing; build it with: sudo bash scripts/${script}`);
    }
  }
  await removeTestLeftovers(engine);
}
