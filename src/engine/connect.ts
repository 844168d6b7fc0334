/** Connect to the engine named by DOCKER_HOST (or the local socket). */
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
