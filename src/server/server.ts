/**
 * `svc serve`: the original Service API over HTTP(S) on the same core as the CLI. A small layer on
 * node:http: routing (router.ts), bodies (bodies.ts), authentication (signing.ts, keys.ts), and
 * handlers (handlers.ts) that call the very functions the commands call. Here: the server's
 * life (listen, shut down), and each request from its access-log line to its answer.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Dashboard, type DashboardOptions, isDashboardPath } from './dashboard/routes.js';
import { type HandlerOptions, RouteHandlers } from './handlers.js';
import {
  drain,
  errorReply,
  HttpError,
  header,
  type Reply,
  readBody,
  replyMessage,
  routeRequest,
  writeReply,
} from './http.js';
import { authenticate, type KeyStore } from './keys.js';
import { PUBLIC_ROUTES } from './router.js';
import { API_VERSION } from './system.js';

export interface ServerOptions extends HandlerOptions {
  keys: KeyStore;
  /** Given: HTTPS with these; absent: plain HTTP. */
  tls?: { cert: Buffer; key: Buffer };
  /** One access-log line (an object, written as JSON) per request. */
  log: (entry: Record<string, unknown>) => void;
  /** The clock, for signature dates (tests). */
  now?: () => number;
  /** The dashboard's feed and sessions (defaults otherwise). */
  dashboard?: Pick<DashboardOptions, 'feed' | 'sessions'>;
}

/** The path and query of a request for the dashboard (`/`, `/ui/…`); undefined for the API's. */
function dashboardRequest(req: http.IncomingMessage): { path: string; query: string } | undefined {
  const [path = '/', query = ''] = (req.url ?? '/').split(/\?(.*)/s, 2);
  return isDashboardPath(path) ? { path, query } : undefined;
}

export class ApiServer {
  readonly server: http.Server;
  private readonly handlers: RouteHandlers;
  /** The page at `/` and its routes (src/server/dashboard/). */
  readonly dashboard: Dashboard;
  private shuttingDown = false;
  private readonly inFlight = new Set<http.ServerResponse>();

  constructor(private readonly opts: ServerOptions) {
    this.handlers = new RouteHandlers(opts);
    this.dashboard = new Dashboard({
      keys: opts.keys,
      coreOf: (tenant) => this.handlers.core(tenant),
      secure: opts.tls !== undefined,
      now: opts.now,
      ...opts.dashboard,
    });
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        // Only writing the answer can fail here (the client went away): drop the connection.
        res.destroy(err instanceof Error ? err : undefined);
      });
    };
    this.server = opts.tls
      ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
      : http.createServer(handler);
    // Against slow clients: the headers within 10 s, the whole request within 60 s; idle
    // keep-alive connections closed after 5 s. (Slow answers, e.g. a create, are not limited.)
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 60_000;
    this.server.keepAliveTimeout = 5_000;
    this.server.timeout = 0;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        this.dashboard.listening(address.port);
        resolve(address);
      });
    });
  }

  /** Stop taking connections and requests; resolves once those in flight are answered. */
  close(): Promise<void> {
    this.shuttingDown = true;
    // The dashboard's live feeds would never end by themselves.
    this.dashboard.close();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** Drop every connection now (a second signal). */
  closeNow(): void {
    this.server.closeAllConnections();
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const entry = this.track(req, res);
    if (this.shuttingDown) res.setHeader('Connection', 'close');
    const reply = await this.answer(req, res, entry);
    if (!reply) return; // streamed
    // Shutting down since the request came: its connection ends with this answer.
    writeReply(req, res, reply, {
      'Api-Version': API_VERSION,
      ...(this.shuttingDown ? { Connection: 'close' } : {}),
    });
  }

  /**
   * The request's access-log entry, filled in as it goes and logged when its connection closes;
   * until then the request counts as in flight.
   */
  private track(req: http.IncomingMessage, res: http.ServerResponse): Record<string, unknown> {
    const started = process.hrtime.bigint();
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      remote: (req.socket as Socket).remoteAddress,
      method: req.method,
      url: req.url ?? '/',
    };
    this.inFlight.add(res);
    res.on('close', () => {
      this.inFlight.delete(res);
      entry.status = res.statusCode;
      entry.ms = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
      if (!res.writableFinished) entry.aborted = true;
      this.opts.log(entry);
      if (this.shuttingDown) this.server.closeIdleConnections();
    });
    return entry;
  }

  /** The reply to a request, or undefined when it was streamed; a failure becomes its answer. */
  private async answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: Record<string, unknown>,
  ): Promise<Reply | undefined> {
    try {
      if (this.shuttingDown) throw new HttpError(503, 'the server is shutting down');
      const page = dashboardRequest(req);
      if (page) {
        entry.route = 'dashboard';
        return await this.dashboard.handle(req, res, page.path, page.query);
      }
      const { route: r, path, query } = routeRequest(req);
      entry.route = r.name;
      const body = await readBody(req);
      if (!PUBLIC_ROUTES.has(r.name)) {
        const key = authenticate(this.opts.keys, (n) => header(req, n), {
          method: req.method ?? 'GET',
          path,
          query,
          body,
          now: (this.opts.now ?? Date.now)(),
        });
        entry.accessKey = key.accessKey;
        entry.tenant = key.tenant;
      }
      return await this.handlers.dispatch(
        r,
        req,
        res,
        new URLSearchParams(query),
        body,
        entry.tenant as string,
      );
    } catch (err) {
      const reply = errorReply(err);
      // The rest of a too-large body is read and dropped (within requestTimeout), so that the
      // client, still sending, gets the 413 rather than a broken pipe.
      if (reply.status === 413) await drain(req, 10_000);
      if (reply.status >= 500 || reply.status === 400) entry.error = replyMessage(reply);
      return reply;
    }
  }
}
