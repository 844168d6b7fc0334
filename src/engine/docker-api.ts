/**
 * A small client for the Docker Engine API over node:http: the endpoint the docker CLI would use
 * (endpoint.ts: unix://, npipe://, tcp:// with TLS, from -H, contexts or DOCKER_HOST),
 * JSON requests, and raw streams for logs, exec, pulls and archives. It replaces dockerode, whose
 * ~300 modules (grpc, protobuf, ssh2) cost every `svc` command a third of a second to load.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { currentEndpoint } from './endpoint.js';

/** Where the engine listens. */
export interface Endpoint {
  /** Unix socket or Windows named pipe. */
  socketPath?: string;
  host?: string;
  port?: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  /** How the user named it, for messages. */
  display: string;
}

/** An error answer of the engine (statusCode ≥ 400), or a connection failure (code). */
export class DockerApiError extends Error {
  readonly statusCode?: number;
  readonly code?: string;

  constructor(message: string, opts: { statusCode?: number; code?: string; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'DockerApiError';
    this.statusCode = opts.statusCode;
    this.code = opts.code;
  }
}

/**
 * The endpoint to talk to (src/engine/endpoint.ts: -H, --context, DOCKER_HOST, DOCKER_CONTEXT,
 * the docker config's current context, the default socket), in this client's terms.
 */
export function resolveEndpoint(env: NodeJS.ProcessEnv = process.env): Endpoint {
  const { socketPath, host, port, tls, display } = currentEndpoint(env);
  const endpoint: Endpoint = { socketPath, host, port, display };
  if (tls) {
    const { verify, ...material } = tls;
    endpoint.tls = { ...material, rejectUnauthorized: verify };
  }
  return endpoint;
}

export type Query = Record<
  string,
  string | number | boolean | undefined | string[] | Record<string, string[]>
>;

export interface RequestOptions {
  query?: Query;
  /** A JSON body (object), or a raw body with its content type. */
  body?: unknown;
  raw?: { stream: Readable | Buffer; contentType: string };
}

function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value === 'object') params.set(key, JSON.stringify(value));
    else if (typeof value === 'boolean') params.set(key, value ? '1' : '0');
    else params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** A path segment that keeps an image reference's `/`, `:` and `@` readable (the engine's router accepts them). */
export function pathPart(s: string): string {
  return encodeURIComponent(s).replace(/%2F/gi, '/').replace(/%3A/gi, ':').replace(/%40/g, '@');
}

async function readAll(res: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class DockerApi {
  readonly endpoint: Endpoint;
  private readonly agent: http.Agent;

  constructor(endpoint: Endpoint = resolveEndpoint()) {
    this.endpoint = endpoint;
    // Idle keep-alive sockets are unref'd by node, so they never hold the process open. No
    // socket limit: `svc logs -f` holds one stream per replica for as long as it runs.
    const options = { keepAlive: true };
    this.agent = endpoint.tls ? new https.Agent({ ...options, ...endpoint.tls }) : new http.Agent(options);
  }

  /** The engine's answer as a stream; an error status is read and thrown as DockerApiError. */
  stream(method: string, path: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    const { endpoint } = this;
    let payload: Buffer | Readable | undefined;
    const headers: Record<string, string> = {};
    if (opts.raw) {
      payload = opts.raw.stream;
      headers['content-type'] = opts.raw.contentType;
    } else if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
    }
    if (Buffer.isBuffer(payload)) headers['content-length'] = String(payload.length);
    const request = endpoint.tls ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          method,
          path: `${path}${encodeQuery(opts.query)}`,
          socketPath: endpoint.socketPath,
          host: endpoint.socketPath ? 'localhost' : endpoint.host,
          port: endpoint.socketPath ? undefined : endpoint.port,
          headers,
          agent: this.agent,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 400) {
            resolve(res);
            return;
          }
          readAll(res).then((body) => {
            let message = body.toString('utf8').trim();
            try {
              message = (JSON.parse(message) as { message?: string }).message ?? message;
            } catch {
              // plain text answer
            }
            reject(new DockerApiError(message || `HTTP ${status}`, { statusCode: status }));
          }, reject);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(new DockerApiError(err.message, { code: err.code, cause: err })),
      );
      if (payload === undefined || Buffer.isBuffer(payload)) req.end(payload);
      else {
        payload.on('error', (err) => req.destroy(err));
        payload.pipe(req);
      }
    });
  }

  /** The whole answer parsed as JSON (undefined for an empty body such as 204). */
  async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const body = await readAll(await this.stream(method, path, opts));
    return (body.length ? JSON.parse(body.toString('utf8')) : undefined) as T;
  }

  /** The whole answer as bytes. */
  async buffer(method: string, path: string, opts: RequestOptions = {}): Promise<Buffer> {
    return readAll(await this.stream(method, path, opts));
  }

  /** The status code of a request whose body does not matter (e.g. 204, 304). */
  async status(method: string, path: string, opts: RequestOptions = {}): Promise<number> {
    const res = await this.stream(method, path, opts);
    res.resume();
    await new Promise((r) => res.on('end', r).on('close', r));
    return res.statusCode ?? 0;
  }
}

/**
 * Split the engine's multiplexed stream (non-TTY logs and exec: 8-byte headers
 * [stream, 0, 0, 0, size32be] then the payload) into stdout and stderr chunks, across reads.
 */
export function createDemuxer(onChunk: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): {
  write(data: Buffer): void;
} {
  let pending: Buffer = Buffer.alloc(0);
  return {
    write(data: Buffer) {
      pending = pending.length ? Buffer.concat([pending, data]) : data;
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        onChunk(pending[0] === 2 ? 'stderr' : 'stdout', pending.subarray(8, 8 + size));
        pending = pending.subarray(8 + size);
      }
    },
  };
}

/** `repo[:tag]` or `repo@digest` as the engine's pull wants it (`fromImage` and `tag`; latest when none). */
export function splitImageRef(ref: string): { fromImage: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { fromImage: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { fromImage: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { fromImage: ref, tag: 'latest' };
}
