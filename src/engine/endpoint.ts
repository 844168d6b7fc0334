/**
 * Which Docker engine to talk to, decided like the docker CLI: `-H/--host`, `--context`,
 * DOCKER_HOST, DOCKER_CONTEXT, the `currentContext` of $DOCKER_CONFIG/config.json (contexts and
 * their TLS material under $DOCKER_CONFIG/contexts/), else the default socket (and Docker
 * Desktop's ~/.docker/run/docker.sock when the default is absent). The answer is a client-neutral
 * descriptor: a socket path, host/port with TLS material, or an ssh:// user/host/port (the engine
 * reached through `docker system dial-stdio` on that host). Reads files, touches no network.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EngineUnavailableError, UsageError } from '../errors.js';

export const DEFAULT_CONTEXT = 'default';

/** Where the engine listens and how to reach it. */
export interface EngineEndpoint {
  /** Unix socket or Windows named pipe. */
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https' | 'ssh';
  /** The ssh:// user (else the local user's name, as ssh does). */
  username?: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; verify: boolean };
  /** The endpoint as a URL: unix:///var/run/docker.sock, tcp://10.0.0.5:2376, ssh://me@box. */
  url: string;
  /** The docker context it belongs to (`default` for -H, DOCKER_HOST and the default socket). */
  context: string;
  /** What chose it: `-H`, `--context`, `DOCKER_HOST`, `DOCKER_CONTEXT`, the config file, or `default`. */
  source: string;
  /** How messages name it, e.g. `DOCKER_HOST=tcp://box:2375`, `unix:///…/docker.sock (context "colima")`. */
  display: string;
}

/** What the user gave on the command line (global options). */
export interface EngineSelection {
  host?: string;
  context?: string;
}

export interface ResolveEnv {
  env: NodeJS.ProcessEnv;
  /** The user's home (for ~/.docker). */
  home: string;
  /** Whether a path exists (the default socket, Docker Desktop's). */
  exists: (path: string) => boolean;
  platform: NodeJS.Platform;
}

const LINUX_SOCKET = '/var/run/docker.sock';
const WINDOWS_PIPE = '//./pipe/docker_engine';

function dockerConfigDir(r: ResolveEnv): string {
  return r.env.DOCKER_CONFIG || join(r.home, '.docker');
}

/** A context's directory name under contexts/meta and contexts/tls. */
export function contextDigest(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

interface HostSource {
  context: string;
  source: string;
  display: string;
  /** TLS material and whether to verify the engine's certificate, when TLS is on. */
  tls?: { files: TlsFiles; verify: boolean };
}

type TlsFiles = Partial<Record<'ca' | 'cert' | 'key', Buffer>>;

function readTlsDir(dir: string): TlsFiles {
  const files: TlsFiles = {};
  for (const name of ['ca', 'cert', 'key'] as const) {
    try {
      files[name] = readFileSync(join(dir, `${name}.pem`));
    } catch {
      // absent: the engine's certificate is then checked against the system's CAs
    }
  }
  return files;
}

/** ssh://[user@]host[:port] as the docker CLI takes it (no path, no password). */
function fromSshUrl(raw: string, base: Omit<EngineEndpoint, 'protocol'>): EngineEndpoint {
  const m = /^ssh:\/\/(?:([^@/:]+)@)?(\[[^\]/]+\]|[^@/:[\]]+)(?::(\d+))?\/?$/.exec(raw);
  if (!m)
    throw new EngineUnavailableError(
      `unsupported ${base.display}: an ssh engine is ssh://[user@]host[:port], with no path or password`,
    );
  const [, user, host = '', port] = m;
  const endpoint: EngineEndpoint = {
    ...base,
    protocol: 'ssh',
    host: host.replace(/^\[|\]$/g, ''),
    port: Number(port ?? 22),
  };
  if (user) endpoint.username = decodeURIComponent(user);
  return endpoint;
}

/** Parse an engine URL (unix://, npipe://, tcp://, http(s)://, ssh://) into a descriptor. */
function fromUrl(raw: string, from: HostSource): EngineEndpoint {
  const base = { url: raw, context: from.context, source: from.source, display: from.display };
  if (raw.startsWith('unix://')) return { ...base, socketPath: raw.slice('unix://'.length) };
  if (raw.startsWith('npipe://'))
    return { ...base, socketPath: raw.slice('npipe://'.length).replace(/\//g, '\\') };
  if (raw.startsWith('ssh://')) return fromSshUrl(raw, base);
  const m = /^(tcp|http|https):\/\/\[?([^\]/]*?)\]?(?::(\d+))?\/?$/.exec(raw);
  if (!m)
    throw new EngineUnavailableError(
      `unsupported ${from.display}: svc speaks to unix://, npipe://, tcp:// and ssh:// engines`,
    );
  const [, scheme, host, port] = m;
  const useTls = scheme === 'https' || from.tls !== undefined;
  const endpoint: EngineEndpoint = {
    ...base,
    host: host || 'localhost',
    port: Number(port ?? (useTls ? 2376 : 2375)),
    protocol: useTls ? 'https' : 'http',
  };
  if (useTls) endpoint.tls = { ...from.tls?.files, verify: from.tls?.verify ?? false };
  return endpoint;
}

const truthy = (v: string | undefined) => Boolean(v) && v !== '0';

/** The default context: -H or DOCKER_HOST with the TLS variables, else the local socket. */
function defaultContext(host: string | undefined, source: string, r: ResolveEnv): EngineEndpoint {
  if (host) {
    const verify = truthy(r.env.DOCKER_TLS_VERIFY);
    const certDir = r.env.DOCKER_CERT_PATH || dockerConfigDir(r);
    return fromUrl(host, {
      context: DEFAULT_CONTEXT,
      source,
      display: source === '-H' ? `-H ${host}` : `DOCKER_HOST=${host}`,
      tls: verify || truthy(r.env.DOCKER_TLS) ? { files: readTlsDir(certDir), verify } : undefined,
    });
  }
  const local = { context: DEFAULT_CONTEXT, source };
  if (r.platform === 'win32')
    return {
      ...local,
      socketPath: WINDOWS_PIPE,
      url: `npipe://${WINDOWS_PIPE}`,
      display: `npipe://${WINDOWS_PIPE}`,
    };
  const desktop = join(r.home, '.docker', 'run', 'docker.sock');
  if (!r.exists(LINUX_SOCKET) && r.exists(desktop)) {
    const url = `unix://${desktop}`;
    return {
      ...local,
      socketPath: desktop,
      url,
      display: `${url} (Docker Desktop; ${LINUX_SOCKET} is absent)`,
    };
  }
  const url = `unix://${LINUX_SOCKET}`;
  return { ...local, socketPath: LINUX_SOCKET, url, display: url };
}

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

/** A named context from $DOCKER_CONFIG/contexts; `why` says where the name came from. */
function namedContext(name: string, why: string, r: ResolveEnv): EngineEndpoint {
  const dir = join(dockerConfigDir(r), 'contexts');
  const digest = contextDigest(name);
  const metaFile = join(dir, 'meta', digest, 'meta.json');
  let meta: ContextMeta;
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ContextMeta;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UsageError(
        `docker context "${name}" (${why}) not found: no ${metaFile}; see docker context ls`,
      );
    throw new UsageError(
      `docker context "${name}" (${why}): cannot read ${metaFile}: ${(err as Error).message}`,
    );
  }
  const docker = meta.Endpoints?.docker;
  const host = docker?.Host?.trim();
  if (!host) {
    const local = defaultContext(undefined, why, r);
    return { ...local, context: name, display: `${local.url} (context "${name}")` };
  }
  const skipVerify = docker?.SkipTLSVerify === true;
  const files = readTlsDir(join(dir, 'tls', digest, 'docker'));
  const hasFiles = Object.keys(files).length > 0;
  return fromUrl(host, {
    context: name,
    source: why,
    display: `${host} (context "${name}")`,
    tls: hasFiles || skipVerify ? { files, verify: !skipVerify } : undefined,
  });
}

function currentContext(r: ResolveEnv): { name: string; file: string } | undefined {
  const file = join(dockerConfigDir(r), 'config.json');
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as { currentContext?: unknown };
    const name = typeof config.currentContext === 'string' ? config.currentContext.trim() : '';
    return name ? { name, file } : undefined;
  } catch {
    // As docker: an absent or unreadable config file is an empty one.
    return undefined;
  }
}

/**
 * The engine endpoint, in the docker CLI's order: -H (with --context: a usage error, as docker);
 * --context; DOCKER_HOST; DOCKER_CONTEXT; config.json's currentContext; the default socket. A
 * context named `default` is the default endpoint (-H/DOCKER_HOST or the local socket).
 */
export function resolveEngineEndpoint(selection: EngineSelection, r: ResolveEnv): EngineEndpoint {
  const host = selection.host?.trim();
  const flagContext = selection.context?.trim();
  if (host && flagContext)
    throw new UsageError('conflicting options: give either -H/--host or --context, not both');
  if (host) return defaultContext(host, '-H', r);
  const envHost = r.env.DOCKER_HOST?.trim();
  const pick = (name: string, why: string) =>
    name === DEFAULT_CONTEXT ? defaultContext(envHost, why, r) : namedContext(name, why, r);
  if (flagContext) return pick(flagContext, '--context');
  if (envHost) return defaultContext(envHost, 'DOCKER_HOST', r);
  const envContext = r.env.DOCKER_CONTEXT?.trim();
  if (envContext) return pick(envContext, 'DOCKER_CONTEXT');
  const current = currentContext(r);
  if (current) return pick(current.name, `currentContext in ${current.file}`);
  return defaultContext(undefined, DEFAULT_CONTEXT, r);
}

// The global options of this run (-H, --context), set once by the program before a command runs.
let selected: EngineSelection = {};

export function selectEngine(selection: EngineSelection): void {
  selected = { ...selection };
}

/** The endpoint this run talks to: the global options and the process's environment. */
export function currentEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  return resolveEngineEndpoint(selected, {
    env,
    home: homedir(),
    exists: existsSync,
    platform: process.platform,
  });
}
