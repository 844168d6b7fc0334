/** Connect to the engine named by DOCKER_HOST (or the local socket), loading dockerode lazily. */
import type { Engine } from './engine.js';

export async function connectEngine(): Promise<Engine> {
  const { DockerEngine } = await import('./docker-engine.js');
  return new DockerEngine();
}
