/**
 * The HTTP plumbing of `svc serve`: routing a request, replies, error answers (`{"message"}`
 * with the status the error carries), bodies read within a limit, and request headers.
 */
import type http from 'node:http';
import { SpecError, SvcError } from '../errors.js';
import { formatJson } from '../output/format.js';
import { type Route, route } from './router.js';
import { AuthFailure } from './signing.js';

export const BODY_LIMIT = 1024 * 1024;

export interface Reply {
  status: number;
  body?: string;
  type?: string;
  headers?: Record<string, string>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const json = (status: number, value: unknown): Reply => ({
  status,
  body: formatJson(value),
  type: 'application/json',
});

export function errorReply(err: unknown): Reply {
  if (err instanceof HttpError) {
    // A policy refusal (403) lists its fields as spec validation does.
    const issues = (err as { issues?: unknown }).issues;
    return {
      ...json(err.status, { message: err.message, ...(issues ? { issues } : {}) }),
      headers: err.headers,
    };
  }
  if (err instanceof AuthFailure)
    return {
      ...json(401, { message: `unauthorized: ${err.message}` }),
      headers: { 'WWW-Authenticate': 'Bearer, HYPER-HMAC-SHA256' },
    };
  if (err instanceof SpecError)
    return json(400, { message: err.message, issues: err.issues.map((i) => ({ ...i })) });
  if (err instanceof SvcError) return json(err.status, { message: err.message });
  return json(500, { message: `unexpected failure: ${err instanceof Error ? err.message : String(err)}` });
}

/** The `message` of a JSON reply, if it has one. */
export function replyMessage(reply: Reply): string | undefined {
  return (JSON.parse(reply.body ?? '{}') as { message?: string }).message;
}

/**
 * Writes `reply` with `headers` added. When a streamed answer already started, a failure can only
 * be said in the stream, as docker does.
 */
export function writeReply(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  reply: Reply,
  headers: Record<string, string>,
): void {
  if (res.headersSent) {
    if (reply.status >= 400 && !res.writableEnded) {
      const message = replyMessage(reply) ?? 'failed';
      res.end(`${JSON.stringify({ error: message, errorDetail: { message } })}\n`);
    }
    return;
  }
  const all: Record<string, string> = { ...reply.headers, ...headers };
  if (reply.type) all['Content-Type'] = reply.type;
  res.writeHead(reply.status, all);
  res.end(req.method === 'HEAD' ? undefined : reply.body);
}

/** The request's route, path and query string; 404 or 405 (the body left unread) when none. */
export function routeRequest(req: http.IncomingMessage): { route: Route; path: string; query: string } {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  const r = route(req.method ?? 'GET', path);
  if (!('error' in r)) return { route: r, path, query };
  req.resume();
  if (r.error === 405)
    throw new HttpError(405, `method ${req.method} not allowed on ${path}`, {
      Allow: (r.allow ?? []).join(', '),
    });
  throw new HttpError(404, `page not found: ${req.method} ${path}`);
}

/** Read and drop the rest of a request (bounded in time), so its client can read the answer. */
export function drain(req: http.IncomingMessage, ms: number): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    req.once('end', done);
    req.once('close', done);
    req.resume();
  });
}

/** The body, up to BODY_LIMIT bytes (413 beyond); chunked bodies too. */
export function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT)
    return Promise.reject(new HttpError(413, `request body larger than ${BODY_LIMIT} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > BODY_LIMIT) {
        failed = true;
        reject(new HttpError(413, `request body larger than ${BODY_LIMIT} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

export function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

export function requireJson(req: http.IncomingMessage): void {
  const type = (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json')
    throw new HttpError(415, `expected Content-Type: application/json, got ${type ? `"${type}"` : 'none'}`);
}
