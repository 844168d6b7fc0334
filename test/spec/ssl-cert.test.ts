import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSslCert, describeCertificate, normaliseSslCert } from '../../src/spec/ssl-cert.js';
import { makeCerts, type TestCerts } from '../support/certs.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.cleanup());

describe('checkSslCert', () => {
  it('accepts a certificate and its key, in either order', () => {
    expect(checkSslCert(certs.leaf.cert + certs.leaf.key)).toEqual([]);
    expect(checkSslCert(certs.leaf.key + certs.leaf.cert)).toEqual([]);
  });
  it('accepts a chain whose first certificate matches the key', () => {
    expect(checkSslCert(certs.leaf.cert + certs.ca + certs.leaf.key)).toEqual([]);
  });
  it('wants the matching certificate first', () => {
    expect(checkSslCert(certs.other.cert + certs.leaf.cert + certs.leaf.key)).toEqual([
      'the certificate matching the private key (CN=svc.test) must come first in the PEM text',
    ]);
  });
  it('refuses a key that matches no certificate', () => {
    expect(checkSslCert(certs.leaf.cert + certs.other.key)).toEqual([
      'the private key does not match the certificate (CN=svc.test)',
    ]);
  });
  it('refuses text without PEM blocks, or without a certificate or a key', () => {
    expect(checkSslCert('hello')[0]).toMatch(/^expected PEM text holding a certificate and its private key/);
    expect(checkSslCert(certs.leaf.cert)).toEqual([
      'no private key (-----BEGIN PRIVATE KEY-----) in the PEM text',
    ]);
    expect(checkSslCert(certs.leaf.key)).toEqual([
      'no certificate (-----BEGIN CERTIFICATE-----) in the PEM text',
    ]);
  });
  it('refuses two keys, an encrypted key and an unparseable block', () => {
    expect(checkSslCert(certs.leaf.cert + certs.leaf.key + certs.other.key)).toEqual([
      '2 private keys in the PEM text; give exactly one',
    ]);
    expect(checkSslCert(certs.leaf.cert + certs.encryptedKey)).toEqual([
      'the private key is encrypted; HAProxy needs it unencrypted (e.g. `openssl pkey -in key.pem -out plain.pem`)',
    ]);
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(checkSslCert(broken + certs.leaf.key)).toEqual(['certificate 1 of 1 cannot be parsed']);
    const brokenKey = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    expect(checkSslCert(certs.leaf.cert + brokenKey)).toEqual(['the private key cannot be parsed']);
  });
  it('accepts CRLF line endings', () => {
    expect(checkSslCert((certs.leaf.cert + certs.leaf.key).replace(/\n/g, '\r\n'))).toEqual([]);
  });
});

describe('normaliseSslCert', () => {
  it('makes LF line endings, trims, ends with one newline', () => {
    expect(normaliseSslCert(`\r\n${certs.leaf.pem.replace(/\n/g, '\r\n')}\r\n\r\n`)).toBe(certs.leaf.pem);
  });
});

describe('describeCertificate', () => {
  it('gives subject, expiry and fingerprint, as openssl does', () => {
    const description = describeCertificate(certs.leaf.pem);
    const openssl = (...args: string[]) =>
      execFileSync('openssl', ['x509', '-noout', ...args, '-in', certs.leaf.certFile], {
        encoding: 'utf8',
      }).trim();
    const fingerprint = openssl('-fingerprint', '-sha256').replace(/^.*=/, '');
    const notAfter = new Date(openssl('-enddate').replace(/^notAfter=/, ''))
      .toISOString()
      .replace('.000Z', 'Z');
    expect(description).toBe(`subject=CN=svc.test; notAfter=${notAfter}; sha256=${fingerprint}`);
    expect(description).toMatch(
      /^subject=CN=svc\.test; notAfter=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; sha256=([0-9A-F]{2}:){31}[0-9A-F]{2}$/,
    );
  });
  it('describes the first certificate whatever the order, and never shows the key', () => {
    const description = describeCertificate(certs.leaf.key + certs.leaf.cert);
    expect(description).toBe(describeCertificate(certs.leaf.pem));
    for (const line of certs.leaf.key.split('\n').filter((l) => !l.startsWith('-----') && l.length > 8)) {
      expect(description).not.toContain(line.slice(0, 8));
    }
  });
  it('says so when there is no certificate', () => {
    expect(describeCertificate(certs.leaf.key)).toBe('no certificate');
    expect(describeCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toBe(
      'unparseable certificate',
    );
  });
});
