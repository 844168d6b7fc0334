/**
 * A plain TCP front of the engine the tests use: a port on 127.0.0.1 whose every connection is
 * piped, byte for byte, to the engine's own endpoint (its unix socket, or its tcp:// address).
 * Tests that need an engine reached over TCP (as a remote one, or behind a TLS front) bring
 * their own this way, so they run on any engine, also one that listens on its socket only (a
 * systemd or Docker Desktop engine, or scripts/private-engine.sh's). Nothing else can reach it:
 * it listens on loopback, for the test's lifetime.
 */
import net from 'node:net';
import { currentEndpoint, type EngineEndpoint } from '../../../src/engine/endpoint.js';

export interface TcpFront {
  /** tcp://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Stops listening and ends the connections still open. */
  close(): Promise<void>;
}

/** How to open one connection to the engine itself, plain (no TLS, no ssh). */
function engineConnector(endpoint: EngineEndpoint): () => net.Socket {
  const { socketPath, host, port, protocol } = endpoint;
  if (socketPath) return () => net.connect(socketPath);
  if (host && port && protocol === 'http') return () => net.connect(port, host);
  throw new Error(
    `the test engine ${endpoint.display} is neither a unix socket nor plain tcp://: ` +
      'set SVC_TEST_TCP_ENGINE to a tcp:// address of it',
  );
}

/** Starts a front of the engine `DOCKER_HOST` (or the default socket) names, on a free port. */
export async function startTcpFront(env: NodeJS.ProcessEnv = process.env): Promise<TcpFront> {
  const connect = engineConnector(currentEndpoint(env));
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const engine = connect();
    for (const s of [client, engine]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    client.pipe(engine).pipe(client);
    engine.on('error', () => client.destroy());
    client.on('error', () => engine.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `tcp://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
