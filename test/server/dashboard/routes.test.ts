/**
 * The dashboard's routes on a real ApiServer (fake engine): the sign-in (key form, one-time
 * token), the session cookie and what it opens (the page and its feed, never the API), the
 * Content-Security-Policy on every answer, logout, a removed key ending its sessions.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loginPage } from '../../../src/server/dashboard/assets.js';
import { CSP } from '../../../src/server/dashboard/routes.js';
import { KeyStore } from '../../../src/server/keys.js';
import { ApiServer } from '../../../src/server/server.js';
import { TENANT } from '../../support/containers.js';
import { FakeEngine, FakeWorld } from '../../support/fake-engine.js';

let api: ApiServer | undefined;
afterEach(async () => {
  api?.closeNow();
  await api?.close();
  api = undefined;
});

async function start() {
  const keys = new KeyStore(mkdtempSync(join(tmpdir(), 'svc-dash-')));
  const key = keys.create(TENANT);
  const engine = new FakeEngine(new FakeWorld());
  api = new ApiServer({ engine, keys, lbImage: 'lb', version: '0.0.0', log: () => undefined });
  const { port } = await api.listen(0, '127.0.0.1');
  return { port, key, keys, api };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request; `firstChunk` resolves a stream with what it sent first and closes it. */
function send(
  port: number,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string; firstChunk?: boolean } = {},
): Promise<Answer> {
  return new Promise((res, rej) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: opts.headers, agent: false },
      (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => {
          body += c;
          if (opts.firstChunk && body.includes('event: state')) {
            res({ status: r.statusCode ?? 0, headers: r.headers, body });
            r.destroy();
          }
        });
        r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body }));
      },
    );
    req.on('error', rej);
    req.end(opts.body);
  });
}

const form = (port: number, body: string, origin = `http://127.0.0.1:${port}`) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', origin, host: `127.0.0.1:${port}` },
  body,
});

/** The `name=value` of a Set-Cookie answer. */
const cookieOf = (a: Answer) => (a.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';

describe('the dashboard routes', () => {
  it('every answer carries the strict CSP; the pages hold no inline script or style', async () => {
    const { port } = await start();
    for (const path of [
      '/',
      '/ui/app.js',
      '/ui/view.js',
      '/ui/chart.js',
      '/ui/app.css',
      '/ui/favicon.svg',
      '/ui/nope',
      '/ui/events',
    ]) {
      const a = await send(port, 'GET', path);
      expect(a.headers['content-security-policy'], path).toBe(CSP);
      expect(a.headers['x-content-type-options'], path).toBe('nosniff');
    }
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toContain('unsafe');
    expect((await send(port, 'GET', '/ui/nope')).status).toBe(404);
    expect((await send(port, 'GET', '/ui/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
    const login = await send(port, 'GET', '/');
    expect(login.status).toBe(200);
    expect(login.body).toContain('action="/ui/login"');
    expect(login.body).not.toMatch(/<script(?![^>]*\bsrc=)|\sstyle=|\son\w+=/i);
  });

  it('a key in the form opens a session: HttpOnly, SameSite=Strict; a wrong key or another origin is refused', async () => {
    const { port, key } = await start();
    const wrong = await send(port, 'POST', '/ui/login', form(port, 'key=nope'));
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const forged = await send(
      port,
      'POST',
      '/ui/login',
      form(port, `key=${key.SecretKey}`, 'http://evil.example'),
    );
    expect(forged.status).toBe(403);
    expect(forged.headers['set-cookie']).toBeUndefined();
    const ok = await send(port, 'POST', '/ui/login', form(port, `key=${encodeURIComponent(key.SecretKey)}`));
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/');
    expect(ok.headers['set-cookie']?.[0]).toMatch(
      new RegExp(`^svc-session-${port}=[\\w-]{40,}; Path=/; HttpOnly; SameSite=Strict; Max-Age=\\d+$`),
    );
    const cookie = cookieOf(ok);
    const index = await send(port, 'GET', '/', { headers: { cookie } });
    expect(index.body).toContain('src="/ui/app.js"');
    const session = await send(port, 'GET', '/ui/session', { headers: { cookie } });
    expect(JSON.parse(session.body)).toEqual({ Tenant: TENANT });
    // The cookie opens the page and its feed only, never the API.
    expect((await send(port, 'GET', '/services', { headers: { cookie } })).status).toBe(401);
  });

  it('a one-time token opens one session, once; the feed streams the tenant’s state to its cookie only', async () => {
    const { port, api: server } = await start();
    const token = server.dashboard.sessions.oneTimeToken(TENANT);
    const first = await send(port, 'GET', `/?token=${token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const again = await send(port, 'GET', `/?token=${token}`);
    expect(again.status).toBe(401);
    expect(again.body).toContain('used already');
    expect((await send(port, 'GET', '/ui/events')).status).toBe(401);
    const feed = await send(port, 'GET', '/ui/events', {
      headers: { cookie: cookieOf(first) },
      firstChunk: true,
    });
    expect(feed.status).toBe(200);
    expect(feed.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const data = /event: state\ndata: (.*)\n\n/.exec(feed.body)?.[1];
    expect(JSON.parse(data ?? '{}')).toEqual({ Tenant: TENANT, Services: [] });
  });

  it('signing out, or removing the key, ends the session', async () => {
    const { port, key, keys } = await start();
    const login = () =>
      send(port, 'POST', '/ui/login', form(port, `key=${encodeURIComponent(key.SecretKey)}`));
    const cookie = cookieOf(await login());
    const out = await send(port, 'POST', '/ui/logout', {
      ...form(port, ''),
      headers: { ...form(port, '').headers, cookie },
    });
    expect(out.status).toBe(303);
    expect(out.headers['set-cookie']?.[0]).toMatch(/Max-Age=0/);
    expect((await send(port, 'GET', '/ui/session', { headers: { cookie } })).status).toBe(401);
    const second = cookieOf(await login());
    expect((await send(port, 'GET', '/ui/session', { headers: { cookie: second } })).status).toBe(200);
    keys.remove(key.AccessKey);
    expect((await send(port, 'GET', '/ui/session', { headers: { cookie: second } })).status).toBe(401);
  });

  it('the sign-in page escapes its message', () => {
    expect(loginPage('<b>"x"</b>')).toContain('&#60;b&#62;&#34;x&#34;&#60;/b&#62;');
  });
});
