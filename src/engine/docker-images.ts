/**
 * Pulls and registry look-ups through dockerode with a registry login (registry-login.ts: the
 * user's, as the docker CLI finds it, none, or one given), as the docker CLI does: each request
 * carries the login for the image's registry (X-Registry-Auth) when there is one. A registry's
 * refusal leaves as a typed error naming the registry (registry-errors.ts).
 */
import type Dockerode from 'dockerode';
import type { SvcError } from '../errors.js';
import { pull } from './docker-streams.js';
import type { PullProgress } from './engine.js';
import { engineError } from './engine-error.js';
import type { Credentials } from './registry-credentials.js';
import { registryError } from './registry-errors.js';
import { loginFor, type RegistryLogin } from './registry-login.js';

/** A registry's refusal as its typed error, anything else as the engine's. */
function pullError(err: unknown, ref: string, creds: Credentials, what: string, where: string): SvcError {
  return registryError(err, ref, creds) ?? engineError(err, what, where);
}

/** Pull `ref` with the login `login` gives for its registry. */
export async function pullImage(
  docker: Dockerode,
  where: string,
  login: RegistryLogin,
  ref: string,
  onProgress?: (p: PullProgress) => void,
): Promise<void> {
  const creds = await loginFor(login, ref);
  try {
    await pull(docker, ref, onProgress, creds.auth);
  } catch (err) {
    throw pullError(err, ref, creds, `pull image ${ref}`, where);
  }
}

/**
 * The digest the registry gives for `ref` now (`sha256:…`), asked through the engine (its
 * `/distribution` endpoint, as `docker service create` resolves an image) with `login`'s.
 */
export async function registryDigest(
  docker: Dockerode,
  where: string,
  login: RegistryLogin,
  ref: string,
): Promise<string> {
  const creds = await loginFor(login, ref);
  try {
    const answer = (await docker.getImage(ref).distribution({ authconfig: creds.auth })) as {
      Descriptor?: { digest?: string };
    };
    const digest = answer.Descriptor?.digest;
    if (!digest) throw new Error(`the registry gave no digest for ${ref}`);
    return digest;
  } catch (err) {
    throw pullError(err, ref, creds, `look up image ${ref} in its registry`, where);
  }
}
