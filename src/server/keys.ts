/**
 * The API's access keys: a JSON file, readable only by its owner (0600), in the config dir. Each
 * key belongs to one tenant. The secret is kept as is (an HMAC signature needs it) and shown once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkTenant } from '../core/tenant.js';
import { NotFoundError, UsageError } from '../errors.js';
import { AuthFailure, parseAuthorization, verifySignature } from './signing.js';

export interface AccessKey {
  AccessKey: string;
  SecretKey: string;
  Tenant: string;
  Created: string;
}

interface KeyFile {
  keys: AccessKey[];
}

export const KEY_FILE = 'api-keys.json';

export function keyStorePath(dir: string): string {
  return join(dir, KEY_FILE);
}

function newAccessKey(): string {
  // 20 characters of A-Z2-7, like the original's (and AWS's) access key IDs.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(20)].map((b) => alphabet[b & 31]).join('');
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class KeyStore {
  private cache: { mtimeMs: number; size: number; keys: AccessKey[] } | undefined;

  constructor(readonly dir: string) {}

  get path(): string {
    return keyStorePath(this.dir);
  }

  /** Every key, re-read when the file changed (keys made while the server runs work at once). */
  list(): AccessKey[] {
    let st: { mtimeMs: number; size: number };
    try {
      st = statSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    if (this.cache && this.cache.mtimeMs === st.mtimeMs && this.cache.size === st.size)
      return this.cache.keys;
    let parsed: KeyFile;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8')) as KeyFile;
    } catch (err) {
      throw new UsageError(`${this.path}: not a key store (${(err as Error).message}); fix or remove it`);
    }
    const keys = Array.isArray(parsed.keys) ? parsed.keys : [];
    this.cache = { mtimeMs: st.mtimeMs, size: st.size, keys };
    return keys;
  }

  private save(keys: AccessKey[]): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
    this.cache = undefined;
  }

  create(tenant: string): AccessKey {
    const key: AccessKey = {
      AccessKey: newAccessKey(),
      SecretKey: randomBytes(30).toString('base64url'),
      Tenant: checkTenant(tenant, '--tenant'),
      Created: new Date().toISOString(),
    };
    this.save([...this.list(), key]);
    return key;
  }

  remove(accessKey: string): void {
    const keys = this.list();
    if (!keys.some((k) => k.AccessKey === accessKey))
      throw new NotFoundError(`no such access key: ${accessKey}`);
    this.save(keys.filter((k) => k.AccessKey !== accessKey));
  }

  byAccessKey(accessKey: string): AccessKey | undefined {
    return this.list().find((k) => k.AccessKey === accessKey);
  }

  /** The key whose secret is this bearer token; every key is compared, in constant time. */
  byToken(token: string): AccessKey | undefined {
    const want = digest(token);
    let found: AccessKey | undefined;
    for (const k of this.list()) {
      if (timingSafeEqual(digest(k.SecretKey), want)) found = k;
    }
    return found;
  }
}

/** What of a request its authentication reads, besides its headers. */
export interface AuthRequest {
  method: string;
  path: string;
  query: string;
  body: Buffer;
  /** The clock, for the signature's date (ms). */
  now: number;
}

/**
 * The key (and so the tenant) of a request: a bearer token or a HYPER-HMAC-SHA256 signature
 * (signing.ts); otherwise an AuthFailure (401).
 */
export function authenticate(
  keys: KeyStore,
  header: (name: string) => string | undefined,
  request: AuthRequest,
): { accessKey: string; tenant: string } {
  const auth = header('authorization');
  if (!auth)
    throw new AuthFailure(
      'no credentials: send Authorization: Bearer SECRET or a HYPER-HMAC-SHA256 signature',
    );
  if (/^Bearer /i.test(auth)) {
    const key = keys.byToken(auth.slice(7).trim());
    if (!key) throw new AuthFailure('unknown bearer token');
    return { accessKey: key.AccessKey, tenant: key.Tenant };
  }
  const parsed = parseAuthorization(auth);
  if (typeof parsed === 'string') throw new AuthFailure(parsed);
  const headers: Record<string, string | undefined> = {};
  for (const name of parsed.signedHeaders) headers[name] = header(name);
  verifySignature(parsed, { ...request, headers }, (ak) => keys.byAccessKey(ak)?.SecretKey);
  const key = keys.byAccessKey(parsed.accessKey);
  if (!key) throw new AuthFailure('unknown access key');
  return { accessKey: key.AccessKey, tenant: key.Tenant };
}
