/**
 * The engine's version (GET /version): what `svc version` shows of the server. Speaks through
 * the Engine API client (docker-api.ts) to the endpoint this run resolved.
 */
import { EngineUnavailableError } from '../errors.js';

export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  MinApiVersion: string;
  Os: string;
  Arch: string;
}

export async function engineVersion(): Promise<EngineVersion> {
  const { DockerApi, DockerApiError, resolveEndpoint } = await import('./docker-api.js');
  const api = new DockerApi(resolveEndpoint());
  try {
    // The engine's own spelling: MinAPIVersion.
    const v = await api.json<
      Partial<Record<Exclude<keyof EngineVersion, 'MinApiVersion'> | 'MinAPIVersion', string>>
    >('GET', '/version');
    return {
      Version: v.Version ?? '',
      ApiVersion: v.ApiVersion ?? '',
      MinApiVersion: v.MinAPIVersion ?? '',
      Os: v.Os ?? '',
      Arch: v.Arch ?? '',
    };
  } catch (err) {
    if (!(err instanceof DockerApiError)) throw err;
    const why = err.code ?? `HTTP ${err.statusCode}: ${err.message}`;
    throw new EngineUnavailableError(
      `cannot reach the Docker engine at ${api.endpoint.display} (${why}). Is the daemon running? ` +
        'Choose another engine with -H, --context or DOCKER_HOST.',
      { cause: err },
    );
  }
}
