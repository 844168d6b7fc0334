/**
 * The tenant: a stable 32-hex id per installation, kept in the user's config dir, overridable
 * with --tenant or SVC_TENANT. Names are unique per tenant; tenants never see each other.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

const TENANT_RE = /^[0-9a-f]{32}$/;

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SVC_CONFIG_DIR) return env.SVC_CONFIG_DIR;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'svc');
}

export function checkTenant(id: string, source: string): string {
  const t = id.trim().toLowerCase();
  if (!TENANT_RE.test(t))
    throw new UsageError(`${source}: a tenant is 32 hexadecimal characters, got "${id}"`);
  return t;
}

/** The tenant from --tenant, else SVC_TENANT, else the installation's (created on first use). */
export function resolveTenant(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return checkTenant(flag, '--tenant');
  if (env.SVC_TENANT) return checkTenant(env.SVC_TENANT, 'SVC_TENANT');
  const dir = configDir(env);
  const file = join(dir, 'tenant');
  try {
    return checkTenant(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const id = randomBytes(16).toString('hex');
  try {
    writeFileSync(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
    return id;
  } catch (err) {
    // Another svc wrote it first: theirs is the installation's id.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return checkTenant(readFileSync(file, 'utf8'), file);
    throw err;
  }
}
