/**
 * Pulls and registry look-ups through dockerode with the user's registry credentials
 * (registry-credentials.ts), as the docker CLI does: each request carries the login for the
 * image's registry (X-Registry-Auth) when there is one. A registry's refusal leaves as a typed
 * error naming the registry (registry-errors.ts).
 */
import type Dockerode from 'dockerode';
import type { SvcError } from '../errors.js';
import { pull } from './docker-streams.js';
import type { PullProgress } from './engine.js';
import { engineError } from './engine-error.js';
import { parseReference, registryKey } from './image-reference.js';
import {
  type CredentialSources,
  type Credentials,
  dockerConfigDir,
  findCredentials,
  processSources,
} from './registry-credentials.js';
import { registryError } from './registry-errors.js';

/** How long credentials found are used again (a command asks a helper once; a server now and then). */
const REUSE_MS = 30_000;
const found = new Map<string, { at: number; credentials: Promise<Credentials> }>();

/** The user's credentials for the registry of image `ref` (looked up again after REUSE_MS). */
export function credentialsFor(
  ref: string,
  sources: CredentialSources = processSources(),
): Promise<Credentials> {
  const { env, home } = sources;
  const registry = registryKey(parseReference(ref).domain);
  const key = JSON.stringify([
    registry,
    dockerConfigDir(env, home),
    env.DOCKER_AUTH_CONFIG ?? '',
    env.PATH ?? '',
  ]);
  const had = found.get(key);
  if (had && Date.now() - had.at < REUSE_MS) return had.credentials;
  const credentials = findCredentials(ref, sources);
  found.set(key, { at: Date.now(), credentials });
  credentials.catch(() => found.delete(key));
  return credentials;
}

/** A registry's refusal as its typed error, anything else as the engine's. */
function pullError(err: unknown, ref: string, creds: Credentials, what: string, where: string): SvcError {
  return registryError(err, ref, creds) ?? engineError(err, what, where);
}

/** Pull `ref` with the user's login for its registry. */
export async function pullImage(
  docker: Dockerode,
  where: string,
  ref: string,
  onProgress?: (p: PullProgress) => void,
): Promise<void> {
  const creds = await credentialsFor(ref);
  try {
    await pull(docker, ref, onProgress, creds.auth);
  } catch (err) {
    throw pullError(err, ref, creds, `pull image ${ref}`, where);
  }
}

/**
 * The digest the registry gives for `ref` now (`sha256:…`), asked through the engine (its
 * `/distribution` endpoint, as `docker service create` resolves an image) with the user's login.
 */
export async function registryDigest(docker: Dockerode, where: string, ref: string): Promise<string> {
  const creds = await credentialsFor(ref);
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
