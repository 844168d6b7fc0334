/**
 * Connect to the engine the docker CLI would use (-H, --context, DOCKER_HOST, contexts:
 * endpoint.ts), through dockerode, loaded here on first use: commands that never reach an engine
 * (--version, --help, schema, completion) never load it.
 */
import type { Engine } from './engine.js';

export async function connectEngine(): Promise<Engine> {
  const { DockerEngine } = await import('./docker-engine.js');
  return new DockerEngine();
}
