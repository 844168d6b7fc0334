/**
 * The user's registry credentials, found as the docker CLI finds them for a pull: the registry
 * key of the image (image-reference.ts), then DOCKER_AUTH_CONFIG, then in
 * $DOCKER_CONFIG/config.json (default ~/.docker) the credential helper `credHelpers` names for that
 * registry, else the `credsStore`, else the `auths` entry. A helper is run as the CLI runs it:
 * `docker-credential-<name> get` with the registry key on stdin, answering JSON.
 *
 * A helper that is missing or fails leaves the registry without a login (so public images still
 * pull, unlike the docker CLI, which stops there); the reason is kept in `from`, which the error of
 * a registry wanting a login then shows.
 *
 * No npm library does this lookup (the one that reads config.json, dockerode-authconfig, reads
 * `auths` only, splits a password at its first colon and runs no helper), so it is here. The
 * secret is only ever put in the auth handed to the engine; what says where credentials came from
 * (`from`) names files and helpers, never a value.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EngineUnavailableError } from '../errors.js';
import { DOCKER_HUB, parseReference, registryKey } from './image-reference.js';

/** What the engine takes as X-Registry-Auth (the docker CLI's AuthConfig, in its JSON names). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
  serveraddress: string;
}

export interface Credentials {
  /** The registry as people write it: host[:port], `docker.io` for Docker Hub. */
  registry: string;
  /** The key credentials are stored under (Docker Hub: https://index.docker.io/v1/). */
  key: string;
  /** What the engine is given; undefined when the user has no login for the registry. */
  auth?: RegistryAuth;
  /** Where they were found, or looked for (a file, a helper): for messages, never a secret. */
  from: string;
}

/** An `auths` entry of config.json. */
interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export interface DockerConfig {
  auths: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers: Record<string, string>;
}

/** What a credential helper answered: nothing stored, or a user and secret. */
export type HelperAnswer = { username: string; secret: string } | undefined;

export interface CredentialSources {
  env: NodeJS.ProcessEnv;
  home: string;
  /** The text of a file, or undefined when it does not exist. */
  readFile: (path: string) => string | undefined;
  /** Run `docker-credential-<name> get` for `server`. */
  helper: (name: string, server: string, env: NodeJS.ProcessEnv) => Promise<HelperAnswer>;
}

/** $DOCKER_CONFIG, else ~/.docker (as the docker CLI). */
export function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG || join(home, '.docker');
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** config.json's credential settings (the rest of the file is not svc's business). */
export function parseDockerConfig(text: string): DockerConfig {
  const raw: unknown = text.trim() ? JSON.parse(text) : {};
  if (!isObject(raw)) throw new Error('expected a JSON object');
  const strings = (v: unknown) =>
    Object.fromEntries(
      Object.entries(isObject(v) ? v : {}).filter(([, x]) => typeof x === 'string'),
    ) as Record<string, string>;
  return {
    auths: Object.fromEntries(
      Object.entries(isObject(raw.auths) ? raw.auths : {}).filter(([, e]) => isObject(e)),
    ) as Record<string, AuthEntry>,
    credsStore: typeof raw.credsStore === 'string' && raw.credsStore ? raw.credsStore : undefined,
    credHelpers: strings(raw.credHelpers),
  };
}

/** An `auths` entry as the engine takes it: `auth` is base64 of `user:password`. */
export function authOfEntry(entry: AuthEntry, key: string): RegistryAuth | undefined {
  let { username, password } = entry;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new Error(`the "auth" of ${key} is not base64 of user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1).replace(/\0+$/, '');
  }
  const auth: RegistryAuth = { serveraddress: key };
  if (username) auth.username = username;
  if (password) auth.password = password;
  if (entry.identitytoken) auth.identitytoken = entry.identitytoken;
  if (entry.registrytoken) auth.registrytoken = entry.registrytoken;
  return Object.keys(auth).length > 1 ? auth : undefined;
}

/** The host[:port] of a key written as a URL (`https://host:5000/v1/`), as docker's legacy match. */
export function hostOfKey(key: string): string {
  const rest = key.includes('://') ? key.slice(key.indexOf('://') + 3) : key;
  return rest.split('/')[0] ?? '';
}

/** The `auths` entry for `key`: that key, else one whose host is `key` (older config files). */
function entryFor(auths: Record<string, AuthEntry>, key: string): AuthEntry | undefined {
  return auths[key] ?? Object.entries(auths).find(([k]) => hostOfKey(k) === key)?.[1];
}

/** DOCKER_AUTH_CONFIG: `{"auths": {KEY: {"auth": …}}}` in the environment, tried first. */
function fromEnvironment(env: NodeJS.ProcessEnv, key: string): RegistryAuth | undefined {
  const text = env.DOCKER_AUTH_CONFIG;
  if (!text) return undefined;
  try {
    const entry = parseDockerConfig(text).auths[key];
    return entry ? authOfEntry(entry, key) : undefined;
  } catch {
    return undefined; // as docker: a malformed variable is passed over
  }
}

/** The credentials for the registry of image `ref`. */
export async function findCredentials(ref: string, sources: CredentialSources): Promise<Credentials> {
  const { domain } = parseReference(ref);
  const key = registryKey(domain);
  const base = { registry: domain, key };
  const fromEnv = fromEnvironment(sources.env, key);
  if (fromEnv) return { ...base, auth: fromEnv, from: 'DOCKER_AUTH_CONFIG' };
  const file = join(dockerConfigDir(sources.env, sources.home), 'config.json');
  let config: DockerConfig;
  try {
    config = parseDockerConfig(sources.readFile(file) ?? '');
  } catch (err) {
    // As docker: a config file it cannot read is an empty one (said in `from`).
    return { ...base, from: `${file} (unreadable: ${(err as Error).message})` };
  }
  const helper = config.credHelpers[key] ?? config.credsStore;
  if (helper) {
    const from = `docker-credential-${helper} (named in ${file})`;
    let answer: HelperAnswer;
    try {
      answer = await sources.helper(helper, key, sources.env);
    } catch (err) {
      // Pull without a login (a public image still comes); a registry that wants one is then
      // refused with this reason in the message, as `from`.
      return { ...base, from: `${from}, which failed: ${(err as Error).message}` };
    }
    if (!answer) return { ...base, from };
    const auth: RegistryAuth =
      answer.username === '<token>'
        ? { identitytoken: answer.secret, serveraddress: key }
        : { username: answer.username, password: answer.secret, serveraddress: key };
    return { ...base, auth, from };
  }
  const entry = entryFor(config.auths, key);
  let auth: RegistryAuth | undefined;
  try {
    auth = entry ? authOfEntry(entry, key) : undefined;
  } catch (err) {
    return { ...base, from: `${file} (${(err as Error).message})` };
  }
  return { ...base, auth, from: file };
}

const NOT_FOUND = 'credentials not found in native keychain';

/** Run `docker-credential-<name> get`, the registry key on stdin, as docker-credential-helpers' client. */
export function runCredentialHelper(
  name: string,
  server: string,
  env: NodeJS.ProcessEnv,
): Promise<HelperAnswer> {
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.resume();
    child.stdin.on('error', () => undefined); // a helper that exits without reading
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        new EngineUnavailableError(
          err.code === 'ENOENT'
            ? `credential helper ${program} is not on the PATH (the docker config names it for ${server})`
            : `credential helper ${program} could not be run: ${err.message}`,
        ),
      ),
    );
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString('utf8').trim();
      if (code !== 0) {
        if (text === NOT_FOUND) return resolve(undefined);
        return reject(
          new EngineUnavailableError(
            `credential helper ${program} failed for ${server} (exit ${code}): ${text.slice(0, 200) || 'no output'}`,
          ),
        );
      }
      try {
        const answer = JSON.parse(text) as { Username?: unknown; Secret?: unknown };
        const username = typeof answer.Username === 'string' ? answer.Username : '';
        const secret = typeof answer.Secret === 'string' ? answer.Secret : '';
        resolve(username || secret ? { username, secret } : undefined);
      } catch {
        // Not its output in the message: it may hold the secret.
        reject(new EngineUnavailableError(`credential helper ${program} answered something other than JSON`));
      }
    });
    child.stdin.end(server);
  });
}

/** The process's own sources: its environment, the user's home, the real files and helpers. */
export function processSources(env: NodeJS.ProcessEnv = process.env): CredentialSources {
  return {
    env,
    home: homedir(),
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    helper: runCredentialHelper,
  };
}

/** Said of a registry in messages: `docker.io` is Docker Hub. */
export function registryName(registry: string): string {
  return registry === DOCKER_HUB ? 'Docker Hub (docker.io)' : registry;
}
