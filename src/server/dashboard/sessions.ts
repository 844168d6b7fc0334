/**
 * The dashboard's browser sessions. A browser shows a key once (the login form) or a one-time
 * token (the URL `svc dashboard` prints, as Jupyter does) and gets a session cookie: random, kept
 * in this process's memory only, HttpOnly, SameSite=Strict, bound to one tenant. A session made
 * with a key ends when the key is removed (`svc serve keys rm`); every session ends after
 * `ttlMs` and with the server. The cookie only ever reads: the API's routes never look at it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  tenant: string;
  /** The access key it was made with; undefined for a one-time token's. */
  accessKey: string | undefined;
  expires: number;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export class SessionStore {
  /** By the sha256 of the cookie's value (the value itself is kept nowhere). */
  private readonly sessions = new Map<string, Session>();
  private readonly tokens: Array<{ token: string; tenant: string; expires: number }> = [];

  constructor(
    readonly opts: { ttlMs: number; tokenTtlMs: number; now: () => number } = {
      ttlMs: 12 * 3600_000,
      tokenTtlMs: 3600_000,
      now: Date.now,
    },
  ) {}

  /** A token that opens one session of `tenant`, once, within tokenTtlMs. */
  oneTimeToken(tenant: string): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.push({ token, tenant, expires: this.opts.now() + this.opts.tokenTtlMs });
    return token;
  }

  /** The tenant of `token`, used up now; undefined when it is unknown, used or expired. */
  redeem(token: string): string | undefined {
    const now = this.opts.now();
    let found: string | undefined;
    for (let i = this.tokens.length - 1; i >= 0; i--) {
      const t = this.tokens[i] as (typeof this.tokens)[number];
      const match = sameSecret(t.token, token);
      if (match || t.expires <= now) this.tokens.splice(i, 1);
      if (match && t.expires > now) found = t.tenant;
    }
    return found;
  }

  /** A new session; its cookie value. */
  open(tenant: string, accessKey: string | undefined): string {
    const value = randomBytes(32).toString('base64url');
    this.prune();
    this.sessions.set(digest(value).toString('hex'), {
      tenant,
      accessKey,
      expires: this.opts.now() + this.opts.ttlMs,
    });
    return value;
  }

  /** The session of a cookie's value, while it lasts and its key (if any) is still valid. */
  find(value: string | undefined, keyValid: (accessKey: string) => boolean): Session | undefined {
    if (!value) return undefined;
    const id = digest(value).toString('hex');
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (s.expires <= this.opts.now() || (s.accessKey !== undefined && !keyValid(s.accessKey))) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  close(value: string | undefined): void {
    if (value) this.sessions.delete(digest(value).toString('hex'));
  }

  private prune(): void {
    const now = this.opts.now();
    for (const [id, s] of this.sessions) if (s.expires <= now) this.sessions.delete(id);
  }
}
