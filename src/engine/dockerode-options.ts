/**
 * The resolved endpoint (endpoint.ts: -H, contexts, DOCKER_HOST, TLS material) as dockerode's
 * (docker-modem's) constructor options. Every field docker-modem would otherwise take from the
 * environment is given, so what svc resolved is what is used.
 */
import http from 'node:http';
import https from 'node:https';
import { homedir, userInfo } from 'node:os';
import { inspect } from 'node:util';
import type { DockerOptions } from 'dockerode';
import type { EngineEndpoint } from './endpoint.js';
import { defaultIdentity, hostKeyVerifier } from './ssh.js';

export interface SshContext {
  home: string;
  /** SSH_AUTH_SOCK. */
  agent: string | undefined;
  /** The local user (ssh's default remote user). */
  user: string;
}

/** This process's ssh context (only read for an ssh:// endpoint: userInfo() may throw without a passwd entry). */
function localSsh(env: NodeJS.ProcessEnv): SshContext {
  let user = env.USER || env.LOGNAME || 'root';
  try {
    user = userInfo().username;
  } catch {
    // a uid with no passwd entry (e.g. a container run with -u): the environment's name
  }
  return { home: homedir(), agent: env.SSH_AUTH_SOCK || undefined, user };
}

/**
 * For plain HTTP and unix sockets: node's global agent's settings (keep-alive, lifo, 5 s idle),
 * and an empty TLS server name. Without one, node works a name out for every request even with
 * no TLS (net.isIP of the Host), and its first use compiles the IPv6 pattern: 9 ms before a
 * command's first engine call here (`net.isIP('localhost')` in a fresh `node -e`).
 */
function plainAgent(): http.Agent {
  return shallow(
    new http.Agent({
      keepAlive: true,
      scheduling: 'lifo',
      timeout: 5_000,
      servername: '',
    } as http.AgentOptions),
  );
}

/**
 * docker-modem writes each request's options to its debug log with util.inspect (every hidden
 * property, no depth limit), and does so whether or not that log is on: an agent among them,
 * with its pools of live sockets, would be walked whole on every request (100 ms and more of a
 * create's CPU, measured with --cpu-prof). The agent shows as its name instead.
 */
function shallow<A extends http.Agent>(agent: A): A {
  Object.defineProperty(agent, inspect.custom, { value: () => `[${agent.constructor.name}]` });
  return agent;
}

export function dockerodeOptions(endpoint: EngineEndpoint, sshContext?: SshContext): DockerOptions {
  // Unversioned paths: the engine answers in its own (newest) API version, as before.
  const none = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    username: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    timeout: undefined,
    version: undefined,
    sshOptions: undefined,
  };
  if (endpoint.socketPath)
    return { ...none, socketPath: endpoint.socketPath, agent: plainAgent() } as DockerOptions;
  const at = { ...none, host: endpoint.host, port: endpoint.port };
  if (endpoint.protocol === 'ssh') {
    const ssh = sshContext ?? localSsh(process.env);
    const host = endpoint.host ?? 'localhost';
    const port = endpoint.port ?? 22;
    return {
      ...at,
      protocol: 'ssh',
      username: endpoint.username ?? ssh.user,
      sshOptions: {
        agent: ssh.agent,
        privateKey: defaultIdentity(ssh.home),
        hostVerifier: hostKeyVerifier(ssh.home, host, port),
        readyTimeout: 30_000,
      },
    };
  }
  if (!endpoint.tls) return { ...at, protocol: 'http', agent: plainAgent() } as DockerOptions;
  const { ca, cert, key, verify } = endpoint.tls;
  // docker-modem hands ca/cert/key to each request; whether to verify the engine's certificate
  // (DOCKER_TLS without DOCKER_TLS_VERIFY, SkipTLSVerify) only an agent can say.
  const agent = shallow(new https.Agent({ keepAlive: true, ca, cert, key, rejectUnauthorized: verify }));
  return { ...at, protocol: 'https', ca, cert, key, agent } as DockerOptions;
}
