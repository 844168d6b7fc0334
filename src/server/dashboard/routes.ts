/**
 * The dashboard's routes on `svc serve`: the page at `/`, its files under `/ui/`, the sign-in
 * (a key in a form, or a one-time token in the URL) and the live feed (`/ui/events`, server-sent
 * events). Every answer carries a strict Content-Security-Policy: scripts, styles and
 * connections from this origin only, no inline script or style, no framing. The page only reads:
 * the session cookie opens nothing but these routes.
 */
import type http from 'node:http';
import type { Core } from '../../core/backend.js';
import { header, type Reply, readBody } from '../http.js';
import { authenticate, type KeyStore } from '../keys.js';
import { AuthFailure } from '../signing.js';
import { ASSETS, INDEX_HTML, loginPage } from './assets.js';
import { FEED_DEFAULTS, type FeedMessage, type FeedOptions, Feeds } from './feed.js';
import { SessionStore } from './sessions.js';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** On every answer of the dashboard's routes. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** How often an open feed says it is alive (and checks its session still holds). */
const PING_MS = 15_000;

export interface DashboardOptions {
  keys: KeyStore;
  /** The core for a tenant (the server's engine and load balancer driver). */
  coreOf: (tenant: string) => Core;
  /** HTTPS: the cookie is `Secure` and `__Host-` prefixed. */
  secure: boolean;
  feed?: Partial<FeedOptions>;
  sessions?: SessionStore;
  now?: () => number;
}

/** Whether a path is the dashboard's: `/` and `/ui/…` (the API's paths are never these). */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path.startsWith('/ui/');
}

function page(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return {
    status,
    body,
    type: 'text/html; charset=utf-8',
    headers: { ...PAGE_HEADERS, 'Cache-Control': 'no-store', ...headers },
  };
}

const redirect = (location: string, headers: Record<string, string> = {}): Reply => ({
  status: 303,
  headers: { ...PAGE_HEADERS, 'Cache-Control': 'no-store', Location: location, ...headers },
});

function cookies(req: http.IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header(req, 'cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

export class Dashboard {
  readonly sessions: SessionStore;
  readonly feeds: Feeds;
  private readonly streams = new Set<http.ServerResponse>();
  private port = 0;

  constructor(private readonly opts: DashboardOptions) {
    this.sessions = opts.sessions ?? new SessionStore();
    const now = opts.now ?? Date.now;
    this.feeds = new Feeds(opts.coreOf, { ...FEED_DEFAULTS, now, ...opts.feed });
  }

  /** The port the server listens on: cookies are per host, not per port, so the name carries it. */
  listening(port: number): void {
    this.port = port;
  }

  private get cookieName(): string {
    return `${this.opts.secure ? '__Host-' : ''}svc-session-${this.port}`;
  }

  private cookie(value: string, maxAgeSeconds: number): string {
    const secure = this.opts.secure ? '; Secure' : '';
    return `${this.cookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
  }

  /**
   * Who a request reads as: its session cookie, or the API's credentials; undefined without
   * either. `holds` says later whether that still stands (the session lasts, the key exists).
   */
  private reader(
    req: http.IncomingMessage,
    path: string,
    query: string,
  ): { tenant: string; holds: () => boolean } | undefined {
    const keyExists = (ak: string) => this.opts.keys.byAccessKey(ak) !== undefined;
    const value = cookies(req).get(this.cookieName);
    const s = this.sessions.find(value, keyExists);
    if (s) return { tenant: s.tenant, holds: () => this.sessions.find(value, keyExists) !== undefined };
    if (!header(req, 'authorization')) return undefined;
    try {
      const body = Buffer.alloc(0);
      const now = (this.opts.now ?? Date.now)();
      const request = { method: req.method ?? 'GET', path, query, body, now };
      const key = authenticate(this.opts.keys, (n) => header(req, n), request);
      return { tenant: key.tenant, holds: () => keyExists(key.accessKey) };
    } catch (err) {
      if (err instanceof AuthFailure) return undefined;
      throw err;
    }
  }

  /** The answer to a request for one of the dashboard's paths; undefined when it streams. */
  async handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    query: string,
  ): Promise<Reply | undefined> {
    const method = req.method ?? 'GET';
    const params = new URLSearchParams(query);
    const read = method === 'GET' || method === 'HEAD';
    if (path === '/' && read) return this.index(req, path, query, params.get('token'));
    if (path === '/ui/login' && method === 'POST') return this.login(req);
    if (path === '/ui/logout' && method === 'POST') return this.logout(req);
    if (path === '/ui/events' && method === 'GET') return this.events(req, res, path, query);
    if (path === '/ui/session' && read) {
      const who = this.reader(req, path, query);
      return who
        ? {
            status: 200,
            body: JSON.stringify({ Tenant: who.tenant }),
            type: 'application/json',
            headers: { ...PAGE_HEADERS, 'Cache-Control': 'no-store' },
          }
        : {
            status: 401,
            body: JSON.stringify({ message: 'unauthorized: sign in' }),
            type: 'application/json',
            headers: { ...PAGE_HEADERS },
          };
    }
    const asset = ASSETS[path.slice('/ui/'.length)];
    if (asset && read)
      return {
        status: 200,
        body: asset.body,
        type: asset.type,
        headers: { ...PAGE_HEADERS, 'Cache-Control': 'no-cache' },
      };
    req.resume();
    return {
      status: 404,
      body: 'not found',
      type: 'text/plain; charset=utf-8',
      headers: { ...PAGE_HEADERS },
    };
  }

  private index(req: http.IncomingMessage, path: string, query: string, token: string | null): Reply {
    if (token !== null) {
      const tenant = this.sessions.redeem(token);
      if (!tenant)
        return page(
          401,
          loginPage(
            'That link was used already or has expired: run svc dashboard again, or sign in with a key.',
          ),
        );
      const value = this.sessions.open(tenant, undefined);
      return redirect('/', { 'Set-Cookie': this.cookie(value, this.sessions.opts.ttlMs / 1000) });
    }
    if (this.reader(req, path, query)) return page(200, INDEX_HTML);
    return page(200, loginPage(''));
  }

  /** A form sent from another origin is refused (login CSRF); browsers send Origin with every POST. */
  private sameOrigin(req: http.IncomingMessage): boolean {
    const origin = header(req, 'origin');
    if (origin === undefined) return true;
    try {
      return new URL(origin).host === header(req, 'host');
    } catch {
      return false;
    }
  }

  private async login(req: http.IncomingMessage): Promise<Reply> {
    const body = (await readBody(req)).toString('utf8');
    if (!this.sameOrigin(req)) return page(403, loginPage('Sign in from this server’s own page.'));
    const secret = new URLSearchParams(body).get('key')?.trim() ?? '';
    const key = secret ? this.opts.keys.byToken(secret) : undefined;
    if (!key)
      return page(
        401,
        loginPage('Unknown key: give the SecretKey of an access key (svc serve keys create).'),
      );
    const value = this.sessions.open(key.Tenant, key.AccessKey);
    return redirect('/', { 'Set-Cookie': this.cookie(value, this.sessions.opts.ttlMs / 1000) });
  }

  private async logout(req: http.IncomingMessage): Promise<Reply> {
    await readBody(req);
    if (!this.sameOrigin(req)) return page(403, loginPage(''));
    this.sessions.close(cookies(req).get(this.cookieName));
    return redirect('/', { 'Set-Cookie': this.cookie('', 0) });
  }

  /** The live feed of the tenant's services, as server-sent events, until the page goes. */
  private events(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
    query: string,
  ): Reply | undefined {
    const who = this.reader(req, path, query);
    if (!who)
      return {
        status: 401,
        body: JSON.stringify({ message: 'unauthorized: sign in' }),
        type: 'application/json',
        headers: { ...PAGE_HEADERS },
      };
    res.writeHead(200, {
      ...PAGE_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const send = (m: FeedMessage) => res.write(`event: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`);
    const unsubscribe = this.feeds.subscribe(who.tenant, send);
    this.streams.add(res);
    const ping = setInterval(() => {
      // A session whose key was removed (or that expired) ends here.
      if (!who.holds()) res.end();
      else res.write(': ping\n\n');
    }, PING_MS);
    res.on('close', () => {
      clearInterval(ping);
      this.streams.delete(res);
      unsubscribe();
    });
    return undefined;
  }

  /** End every feed (the server shuts down). */
  close(): void {
    for (const res of this.streams) res.end();
    this.feeds.stop();
  }
}
