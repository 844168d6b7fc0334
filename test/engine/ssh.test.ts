import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkHostKey,
  defaultIdentity,
  hostKeyVerifier,
  isEncryptedKey,
  knownHostName,
  lastHostKeyRefusal,
} from '../../src/engine/ssh.js';

/** An OpenSSH-format private key file whose cipher is `cipher` (the rest is not a real key). */
function opensshKey(cipher: string): string {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(cipher.length);
  const blob = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    len,
    Buffer.from(cipher),
    Buffer.alloc(40),
  ]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${blob.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

const KEY = Buffer.from('\0\0\0\x0bssh-ed25519 the host key', 'latin1');
const OTHER = Buffer.from('\0\0\0\x0bssh-ed25519 another key', 'latin1');
const line = (hosts: string, key: Buffer) => `${hosts} ssh-ed25519 ${key.toString('base64')}`;

describe('identities', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'svc-ssh-'));
    mkdirSync(join(home, '.ssh'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('tells encrypted private keys (OpenSSH and PEM) from plain ones', () => {
    expect(isEncryptedKey(opensshKey('none'))).toBe(false);
    expect(isEncryptedKey(opensshKey('aes256-ctr'))).toBe(true);
    expect(isEncryptedKey('-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n')).toBe(true);
    expect(isEncryptedKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\n')).toBe(true);
    expect(isEncryptedKey('-----BEGIN RSA PRIVATE KEY-----\nMIIE\n')).toBe(false);
  });

  it('takes the first default identity that needs no passphrase, in ssh’s order', () => {
    expect(defaultIdentity(home)).toBeUndefined();
    writeFileSync(join(home, '.ssh', 'id_rsa'), opensshKey('none'));
    writeFileSync(join(home, '.ssh', 'id_ed25519'), opensshKey('aes256-ctr'));
    expect(defaultIdentity(home)?.toString()).toBe(opensshKey('none'));
    writeFileSync(join(home, '.ssh', 'id_ecdsa'), `${opensshKey('none')}#ecdsa`);
    expect(defaultIdentity(home)?.toString()).toMatch(/#ecdsa$/);
  });
});

describe('known_hosts', () => {
  it('names a host as ssh does: host on port 22, else [host]:port', () => {
    expect(knownHostName('box', 22)).toBe('box');
    expect(knownHostName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('knows a host by name, pattern or hashed name, and sees a changed or revoked key', () => {
    expect(checkHostKey([line('box,10.0.0.5', KEY)], 'box', KEY)).toBe('known');
    expect(checkHostKey([line('*.example.com,!bad.example.com', KEY)], 'a.example.com', KEY)).toBe('known');
    expect(checkHostKey([line('*.example.com,!bad.example.com', KEY)], 'bad.example.com', KEY)).toBe(
      'unknown',
    );
    const salt = Buffer.from('0123456789abcdefghij');
    const hash = createHmac('sha1', salt).update('[127.0.0.1]:2222').digest('base64');
    expect(checkHostKey([line(`|1|${salt.toString('base64')}|${hash}`, KEY)], '[127.0.0.1]:2222', KEY)).toBe(
      'known',
    );
    expect(checkHostKey(['# comment', '', line('box', KEY)], 'other', KEY)).toBe('unknown');
    expect(checkHostKey([line('box', OTHER)], 'box', KEY)).toBe('changed');
    expect(checkHostKey([line('box', OTHER), line('box', KEY)], 'box', KEY)).toBe('known');
    expect(checkHostKey([`@revoked ${line('*', KEY)}`, line('box', KEY)], 'box', KEY)).toBe('revoked');
    expect(checkHostKey([`@cert-authority ${line('box', KEY)}`], 'box', KEY)).toBe('unknown');
  });

  it('verifies a host key against ~/.ssh/known_hosts, saying why it refused one', () => {
    const home = mkdtempSync(join(tmpdir(), 'svc-ssh-'));
    try {
      mkdirSync(join(home, '.ssh'));
      writeFileSync(join(home, '.ssh', 'known_hosts'), `${line('[127.0.0.1]:2222', KEY)}\n`);
      expect(hostKeyVerifier(home, '127.0.0.1', 2222)(KEY)).toBe(true);
      expect(hostKeyVerifier(home, '127.0.0.1', 2222)(OTHER)).toBe(false);
      expect(lastHostKeyRefusal()).toMatch(/host key of \[127.0.0.1\]:2222 is not the one .* \(it changed\)/);
      expect(hostKeyVerifier(home, '127.0.0.1', 22)(KEY)).toBe(false);
      expect(lastHostKeyRefusal()).toMatch(
        /host key of 127.0.0.1 is not in ~\/.ssh\/known_hosts: .*ssh-keyscan 127.0.0.1 >> ~\/.ssh\/known_hosts/,
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
