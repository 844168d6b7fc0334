/**
 * The engine's version (GET /version): what `svc version` shows of the server, asked through
 * this run's dockerode client (dockerode-client.ts) at the endpoint this run resolved.
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
  const [{ sharedDockerode }, { engineWords }] = await Promise.all([
    import('./dockerode-client.js'),
    import('./engine-error.js'),
  ]);
  const { docker, endpoint } = sharedDockerode();
  try {
    // The engine's own spelling: MinAPIVersion.
    const v = (await docker.version()) as Partial<
      Record<Exclude<keyof EngineVersion, 'MinApiVersion'> | 'MinAPIVersion', string>
    >;
    return {
      Version: v.Version ?? '',
      ApiVersion: v.ApiVersion ?? '',
      MinApiVersion: v.MinAPIVersion ?? '',
      Os: v.Os ?? '',
      Arch: v.Arch ?? '',
    };
  } catch (err) {
    const e = err as { code?: string; statusCode?: number };
    const why = e.code ?? (e.statusCode ? `HTTP ${e.statusCode}: ${engineWords(err)}` : engineWords(err));
    throw new EngineUnavailableError(
      `cannot reach the Docker engine at ${endpoint.display} (${why}). Is the daemon running? ` +
        'Choose another engine with -H, --context or DOCKER_HOST.',
      { cause: err },
    );
  }
}
