/**
 * Which registry login an engine's pulls carry (and a Swarm service's create and update, for its
 * tasks' pulls): the user's own, as the docker CLI finds it (the CLI's engine); none (the engine
 * of `svc serve`, whose operator's login must never pull for a tenant); or one given for one
 * registry (a request's X-Registry-Auth), which no other registry ever sees.
 */
import { DOCKER_HUB, parseReference, registryKey } from './image-reference.js';
import {
  type CredentialSources,
  type Credentials,
  dockerConfigDir,
  findCredentials,
  hostOfKey,
  processSources,
  type RegistryAuth,
} from './registry-credentials.js';

export type RegistryLogin =
  | { kind: 'docker-config' }
  /** `from`: where a login would have come from (for messages). */
  | { kind: 'none'; from: string }
  /** `domain`: the registry it is for (host[:port], `docker.io`); `from`: where it came from. */
  | { kind: 'given'; domain: string; auth: RegistryAuth; from: string };

/** The user's own login, as the docker CLI finds it. */
export const DOCKER_CONFIG_LOGIN: RegistryLogin = { kind: 'docker-config' };

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

/** The registry a login's server address names (`https://index.docker.io/v1/` is Docker Hub). */
export function domainOfServer(server: string): string {
  const host = hostOfKey(server).toLowerCase();
  return ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(host)
    ? DOCKER_HUB
    : host;
}

/** The credentials a pull of image `ref` carries, as `login` says. */
export async function loginFor(login: RegistryLogin, ref: string): Promise<Credentials> {
  if (login.kind === 'docker-config') return credentialsFor(ref);
  const { domain } = parseReference(ref);
  const base = { registry: domain, key: registryKey(domain) };
  if (login.kind === 'none') return { ...base, from: login.from };
  if (login.domain !== domain) return { ...base, from: `${login.from} (a login for ${login.domain})` };
  return { ...base, auth: { ...login.auth, serveraddress: base.key }, from: login.from };
}
