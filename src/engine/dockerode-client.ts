/**
 * The dockerode client of this run, made in one place from the resolved endpoint (endpoint.ts)
 * and shared by every engine module (DockerEngine, and whatever else speaks the Engine API).
 *
 * dockerode and docker-modem require eagerly what only some calls use: gRPC and protobufjs
 * (BuildKit sessions of buildImage), tar-fs and dockerignore (buildImage contexts), ssh2 (ssh://
 * engines) and readable-stream (attach with stdin) — ~180 of the ~210 modules `require('dockerode')`
 * loads, most of its load time. Before loading dockerode, those modules are put in node's
 * require.cache as stand-ins that load the real module on first use, so a command pays only for
 * what it calls, and an ssh:// engine still gets ssh2. When a file is not where this dockerode
 * keeps it, it is simply loaded as usual (slower, never wrong); test/scripts/build.test.ts checks
 * what `svc ls` loads.
 */
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Dockerode from 'dockerode';
import { dockerodeOptions } from './dockerode-options.js';
import { currentEndpoint, type EngineEndpoint } from './endpoint.js';

const require = createRequire(import.meta.url);

/** The modules loaded on first use, as dockerode (lib/) and docker-modem (lib/) name them. */
const DEFERRED: Array<[from: 'dockerode' | 'docker-modem', request: string]> = [
  ['dockerode', './session.js'],
  ['dockerode', 'tar-fs'],
  ['dockerode', '@balena/dockerignore'],
  ['docker-modem', './ssh.js'],
  ['docker-modem', './http_duplex.js'],
];

/** A CommonJS module's exports: an object, a function or a class, as its users take it. */
type AnyModule = Record<PropertyKey, unknown> &
  ((...args: unknown[]) => unknown) &
  (new (
    ...args: unknown[]
  ) => unknown);

/** Put a stand-in for `file` in require.cache that loads the real module when first used. */
function defer(file: string): void {
  if (require.cache[file]) return;
  let real: AnyModule | undefined;
  const load = (): AnyModule => {
    if (real === undefined) {
      if (require.cache[file] === standIn) delete require.cache[file];
      real = require(file) as AnyModule;
    }
    return real;
  };
  const standIn = new Module(file);
  standIn.filename = file;
  standIn.loaded = true;
  standIn.exports = new Proxy(function deferred() {}, {
    get: (_, key) => load()[key],
    has: (_, key) => key in load(),
    apply: (_, self, args) => Reflect.apply(load(), self, args),
    construct: (_, args) => Reflect.construct(load(), args) as object,
  });
  require.cache[file] = standIn;
}

let DockerodeClass: typeof Dockerode | undefined;

/** dockerode's constructor, loaded once, without the modules it would load for nothing. */
export function loadDockerode(): typeof Dockerode {
  if (DockerodeClass) return DockerodeClass;
  const libs = { dockerode: '', 'docker-modem': '' };
  try {
    libs.dockerode = dirname(require.resolve('dockerode'));
    libs['docker-modem'] = dirname(require.resolve('docker-modem', { paths: [libs.dockerode] }));
    for (const [from, request] of DEFERRED) defer(require.resolve(request, { paths: [libs[from]] }));
  } catch {
    // Laid out otherwise: load everything as dockerode does.
  }
  DockerodeClass = require('dockerode') as typeof Dockerode;
  return DockerodeClass;
}

let sshUrlWarningMuted = false;

/**
 * docker-modem builds each request's URL of an ssh:// engine as `ssh:HOST:PORT…` (never used:
 * the ssh agent makes the connection), which node's url.parse warns of on stderr, once
 * (DEP0170; docker-modem issue #184). That one warning is dropped; every other passes.
 */
function muteSshUrlWarning(): void {
  if (sshUrlWarningMuted) return;
  sshUrlWarningMuted = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const code = typeof rest[0] === 'object' ? (rest[0] as { code?: string }).code : rest[1];
    if (code === 'DEP0170' && text.startsWith('The URL ssh:')) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

/**
 * A dockerode client for `endpoint`. docker-modem reads DOCKER_HOST and its TLS variables by
 * itself and would mix them into what svc resolved (a --context over a DOCKER_HOST, a
 * DOCKER_CERT_PATH with no client certificate): it is made with DOCKER_HOST out of its sight.
 */
export function dockerodeFor(endpoint: EngineEndpoint): Dockerode {
  const Docker = loadDockerode();
  const options = dockerodeOptions(endpoint);
  if (options.protocol === 'ssh') muteSshUrlWarning();
  const host = process.env.DOCKER_HOST;
  delete process.env.DOCKER_HOST;
  try {
    return new Docker(options);
  } finally {
    if (host !== undefined) process.env.DOCKER_HOST = host;
  }
}

let shared: { docker: Dockerode; endpoint: EngineEndpoint; key: string } | undefined;

/**
 * The client of this run's endpoint (-H, --context, DOCKER_HOST…), made on first use and shared
 * while the endpoint stays the same (a long-lived process that selects another engine gets a
 * client of that one).
 */
export function sharedDockerode(): { docker: Dockerode; endpoint: EngineEndpoint } {
  const endpoint = currentEndpoint();
  const { url, context, display, tls } = endpoint;
  const key = JSON.stringify([url, context, display, tls?.verify]);
  if (shared?.key !== key) shared = { docker: dockerodeFor(endpoint), endpoint, key };
  return shared;
}
