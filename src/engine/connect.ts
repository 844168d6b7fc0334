/** Connect to the engine the docker CLI would use (-H, --context, DOCKER_HOST, contexts: endpoint.ts). */
import { EngineUnavailableError } from '../errors.js';
import type { Engine } from './engine.js';

export async function connectEngine(): Promise<Engine> {
  const [{ DockerEngine }, { DockerApi, DockerApiError }] = await Promise.all([
    import('./docker-engine.js'),
    import('./docker-api.js'),
  ]);
  try {
    return new DockerEngine(new DockerApi());
  } catch (err) {
    if (err instanceof DockerApiError) throw new EngineUnavailableError(err.message, { cause: err });
    throw err;
  }
}
