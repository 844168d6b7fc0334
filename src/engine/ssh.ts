/**
 * What an ssh:// engine needs that ssh(1) would take from ~/.ssh and docker-modem's ssh client
 * (ssh2) does not read by itself: the ssh agent, a default identity file, and the host key
 * check against known_hosts (ssh2 accepts any host key unless told otherwise; svc refuses an
 * unknown or changed key, as ssh does without a terminal to ask on). Pure: reads files only.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The identity files ssh tries by default, in its order. */
const IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** Whether a private key file needs a passphrase (OpenSSH's own format, or PEM). */
export function isEncryptedKey(pem: string): boolean {
  if (/ENCRYPTED/.test(pem)) return true;
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(pem);
  if (!m) return false;
  const blob = Buffer.from(m[1] ?? '', 'base64');
  const magic = 'openssh-key-v1\0';
  if (blob.subarray(0, magic.length).toString('latin1') !== magic) return false;
  const len = blob.readUInt32BE(magic.length);
  const cipher = blob.subarray(magic.length + 4, magic.length + 4 + len).toString('latin1');
  return cipher !== 'none';
}

/** The first default identity (~/.ssh/id_*) that exists and needs no passphrase. */
export function defaultIdentity(home: string): Buffer | undefined {
  for (const name of IDENTITIES) {
    try {
      const key = readFileSync(join(home, '.ssh', name));
      if (!isEncryptedKey(key.toString('latin1'))) return key;
    } catch {
      // absent or unreadable: ssh tries the next one
    }
  }
  return undefined;
}

/** `host` for port 22, else `[host]:port`: how known_hosts names a host. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** Whether a known_hosts host field (patterns, `!negations`, or one `|1|salt|hash`) names `name`. */
function hostsMatch(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = field.split('|');
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globMatch(pattern.slice(1), name)) return false;
    } else if (globMatch(pattern, name)) matched = true;
  }
  return matched;
}

export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

/** The verdict of known_hosts files (their text) on the host key `key` (its wire form) of `name`. */
export function checkHostKey(knownHosts: string[], name: string, key: Buffer): HostKeyVerdict {
  let verdict: HostKeyVerdict = 'unknown';
  for (const line of knownHosts.flatMap((text) => text.split('\n'))) {
    const fields = line.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) continue;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    const [hosts = '', , blob = ''] = fields;
    if (marker === '@cert-authority' || !hostsMatch(hosts, name)) continue;
    const same = Buffer.from(blob, 'base64').equals(key);
    if (marker === '@revoked') {
      if (same) return 'revoked';
    } else if (same) verdict = 'known';
    else if (verdict === 'unknown') verdict = 'changed';
  }
  return verdict;
}

/** The known_hosts files ssh reads: the user's, then the system's. */
export function readKnownHosts(home: string): string[] {
  const texts: string[] = [];
  for (const file of [join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts']) {
    try {
      texts.push(readFileSync(file, 'utf8'));
    } catch {
      // absent
    }
  }
  return texts;
}

let refusal: string | undefined;

/** Why the last host key was refused (the ssh client itself only says "verification failed"). */
export function lastHostKeyRefusal(): string | undefined {
  return refusal;
}

/** ssh2's hostVerifier for `host:port`: true only for a key known_hosts lists for it. */
export function hostKeyVerifier(home: string, host: string, port: number): (key: Buffer) => boolean {
  return (key) => {
    const name = knownHostName(host, port);
    const verdict = checkHostKey(readKnownHosts(home), name, key);
    if (verdict === 'known') return true;
    refusal =
      verdict === 'unknown'
        ? `the host key of ${name} is not in ~/.ssh/known_hosts: connect once with ssh, or add it with ssh-keyscan${port === 22 ? '' : ` -p ${port}`} ${host} >> ~/.ssh/known_hosts`
        : `the host key of ${name} is ${verdict === 'revoked' ? 'revoked' : 'not the one ~/.ssh/known_hosts has for it (it changed)'}`;
    return false;
  };
}
