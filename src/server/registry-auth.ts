/**
 * The registry login of a request: its own X-Registry-Auth header (docker's AuthConfig, JSON in
 * base64), which the original client sends on every pull, or none. Never a login of the server's
 * host: `svc serve` serves many tenants, and the operator's login would let any of them pull (and
 * run, and read) the operator's private images. A login is for one registry, its `serveraddress`
 * (else the registry of the image the request names), and no other registry is ever sent it.
 */
import { parseReference } from '../engine/image-reference.js';
import { authOfEntry, type RegistryAuth } from '../engine/registry-credentials.js';
import { domainOfServer, type RegistryLogin } from '../engine/registry-login.js';

const HEADER = "the request's X-Registry-Auth header";
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The header's AuthConfig (base64url or base64 of JSON); undefined when it holds no login. */
export function decodeRegistryAuth(header: string): { auth: RegistryAuth; server?: string } | undefined {
  const text = Buffer.from(header.trim(), 'base64url').toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw)) return undefined;
  const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  const server = str('serveraddress') || undefined;
  const entry = {
    auth: str('auth'),
    username: str('username'),
    password: str('password'),
    identitytoken: str('identitytoken'),
    registrytoken: str('registrytoken'),
  };
  try {
    const auth = authOfEntry(entry, server ?? '');
    return auth ? { auth, server } : undefined;
  } catch {
    return undefined; // an `auth` that is not base64 of user:password
  }
}

/**
 * The login a request's pulls carry: its X-Registry-Auth (`header`), for the registry it names or
 * else that of `image` (the image the request names); none without one. As the original server, a
 * header that holds no login is the same as none.
 */
export function requestLogin(header: string | undefined, image?: string): RegistryLogin {
  if (!header) return { kind: 'none', from: `${HEADER} (svc serve never pulls with a login of its own)` };
  const decoded = decodeRegistryAuth(header);
  const domain = decoded?.server
    ? domainOfServer(decoded.server)
    : image
      ? parseReference(image).domain
      : undefined;
  if (!decoded || !domain) return { kind: 'none', from: `${HEADER} (no login in it)` };
  return { kind: 'given', domain, auth: decoded.auth, from: HEADER };
}
