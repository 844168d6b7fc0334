/**
 * What the `svc serve` integration tests share: a real server process, and a client that signs
 * requests in the original's HYPER-HMAC-SHA256 scheme, written here from its description in docs/api.md
 * (not imported from src/server, so the two are checked against each other).
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSvc, svc } from '../support/cli.js';

export interface Key {
  AccessKey: string;
  SecretKey: string;
  Tenant: string;
  Created: string;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test answers are checked field by field
  json: any;
}

export interface Server {
  port: number;
  configDir: string;
  child: ChildProcess;
  /** The server's stderr lines so far (access log and messages). */
  lines: string[];
  exited: Promise<number | null>;
}

export function newConfigDir(): string {
  return mkdtempSync(join(tmpdir(), 'svc-serve-'));
}

export async function createKey(configDir: string, tenant: string): Promise<Key> {
  const r = await svc(['serve', 'keys', 'create', '--tenant', tenant], {
    env: { SVC_CONFIG_DIR: configDir },
  });
  if (r.code !== 0) throw new Error(`keys create failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Key;
}

/** Start `svc serve ARGS…` (with `env` added to its environment) and wait for its "listening" line. */
export function startServer(configDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const { child, ended } = startSvc(['serve', ...args], { env: { ...env, SVC_CONFIG_DIR: configDir } });
  const lines: string[] = [];
  const exited = ended.then(({ code }) => code);
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`svc serve did not start: ${lines.join('\n')}`)), 15_000);
    child.stderr.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (line.includes('"msg":"listening"')) {
          clearTimeout(timer);
          const url = new URL((JSON.parse(line) as { url: string }).url);
          res({ port: Number(url.port), configDir, child, lines, exited });
        }
        nl = buf.indexOf('\n');
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`svc serve exited with ${code}: ${lines.join('\n')}${buf}`));
    });
  });
}

export async function stopServer(s: Server | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  s.child.kill('SIGTERM');
  await s.exited;
}

// --- the signer, from its description in docs/api.md -------------------------------------------

const hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const pct = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SignOptions {
  method: string;
  path: string;
  /** Raw query (no `?`). */
  query: string;
  host: string;
  body: Buffer;
  contentType?: string;
  key: Key;
  /** Defaults to now. */
  date?: Date;
  region?: string;
}

/** The headers of a signed request: Authorization, X-Hyper-Date, X-Hyper-Content-Sha256, Host (, Content-Type). */
export function sign(o: SignOptions): Record<string, string> {
  const iso = (o.date ?? new Date())
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = iso.slice(0, 8);
  const region = o.region ?? 'us-west-1';
  const headers: Record<string, string> = {
    host: o.host,
    'x-hyper-content-sha256': hex(o.body),
    'x-hyper-date': iso,
  };
  if (o.contentType) headers['content-type'] = o.contentType;
  const names = Object.keys(headers).sort();
  const segments = o.path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => pct(decodeURIComponent(s)));
  const query = o.query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const [k = '', v = ''] = p.split('=');
      return [pct(decodeURIComponent(k)), pct(decodeURIComponent(v))] as [string, string];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonical = [
    o.method,
    segments.join('/'),
    query,
    names.map((n) => `${n}:${n === 'host' ? o.host.replace(/:(80|443)$/, '') : headers[n]}\n`).join(''),
    names.join(';'),
    hex(o.body),
  ].join('\n');
  const scope = `${day}/${region}/hyper/hyper_request`;
  const toSign = ['HYPER-HMAC-SHA256', iso, scope, hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`HYPER${o.key.SecretKey}`, day), region), 'hyper'), 'hyper_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    authorization: `HYPER-HMAC-SHA256 Credential=${o.key.AccessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

export interface RequestOptions {
  /** An object is sent as JSON (Content-Type: application/json); a string as is. */
  body?: unknown;
  /** Sign with this key (default), or a bearer token, or no credentials. */
  auth?: { key: Key } | { bearer: string } | 'none';
  headers?: Record<string, string>;
  /** Change the request after signing it (tampering tests). */
  tamper?: { path?: string; body?: string; headers?: Record<string, string> };
  date?: Date;
  /** Send the body chunked (no Content-Length), in two pieces. */
  chunked?: boolean;
}

export function request(
  port: number,
  method: string,
  pathAndQuery: string,
  o: RequestOptions = {},
): Promise<Answer> {
  const text = o.body === undefined ? '' : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const body = Buffer.from(text);
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q < 0 ? '' : pathAndQuery.slice(q + 1);
  const host = `127.0.0.1:${port}`;
  const contentType = o.body === undefined ? undefined : (o.headers?.['content-type'] ?? 'application/json');
  let headers: Record<string, string> = { host, ...(contentType ? { 'content-type': contentType } : {}) };
  const auth = o.auth ?? 'none';
  if (auth !== 'none' && 'key' in auth)
    headers = sign({ method, path, query, host, body, contentType, key: auth.key, date: o.date });
  else if (auth !== 'none') headers.authorization = `Bearer ${auth.bearer}`;
  headers = { ...headers, ...o.headers, ...o.tamper?.headers };
  const sent = o.tamper?.body !== undefined ? Buffer.from(o.tamper.body) : body;
  const target = o.tamper?.path ?? pathAndQuery;
  return new Promise((res, rej) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: target,
        headers: o.chunked
          ? { ...headers, 'transfer-encoding': 'chunked' }
          : { ...headers, 'content-length': String(sent.length) },
        agent: false,
      },
      (r) => {
        let t = '';
        r.setEncoding('utf8');
        r.on('data', (c) => {
          t += c;
        });
        r.on('end', () => {
          let json: unknown;
          try {
            json = t === '' ? undefined : JSON.parse(t);
          } catch {
            json = undefined;
          }
          res({ status: r.statusCode ?? 0, headers: r.headers, text: t, json });
        });
      },
    );
    req.on('error', rej);
    if (o.chunked) {
      const half = Math.floor(sent.length / 2);
      req.write(sent.subarray(0, half));
      setTimeout(() => req.end(sent.subarray(half)), 50);
    } else {
      req.end(sent);
    }
  });
}
