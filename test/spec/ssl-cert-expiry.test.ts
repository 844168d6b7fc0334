/** SSLCert expiry: an expired certificate is refused, naming its date, unless allowExpired. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSslCert } from '../../src/spec/ssl-cert.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { BASE, issuesOf, resolveText } from './helpers.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.cleanup());

const specWith = (pem: string) =>
  `${BASE}Protocol: httpsTerm\nSSLCert: |\n${pem
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;

describe('SSLCert expiry', () => {
  it('refuses an expired certificate, naming the date', () => {
    expect(checkSslCert(certs.expired.pem)).toEqual([
      'the certificate (CN=expired.test) expired on 2020-01-02T00:00:00Z; renew it, or pass --allow-expired to use it anyway',
    ]);
  });
  it('accepts it with allowExpired', () => {
    expect(checkSslCert(certs.expired.pem, { allowExpired: true })).toEqual([]);
  });
  it('checks against `now`', () => {
    expect(checkSslCert(certs.leaf.pem)).toEqual([]);
    const later = new Date(Date.now() + 10 * 86_400_000);
    expect(checkSslCert(certs.leaf.pem, { now: later })[0]).toMatch(
      /^the certificate \(CN=svc\.test\) expired on \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ; /,
    );
  });
  it('reports both a mismatched key and an expiry', () => {
    expect(checkSslCert(certs.expired.cert + certs.leaf.key)).toHaveLength(2);
  });
  it('resolveSpec refuses it at the SSLCert field, and allowExpired lets it through', () => {
    const issues = issuesOf(() => resolveText(specWith(certs.expired.pem)));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('SSLCert');
    expect(issues[0]?.message).toMatch(/expired on 2020-01-02T00:00:00Z/);
    expect(JSON.stringify(issues)).not.toContain('PRIVATE KEY');
    const spec = resolveText(specWith(certs.expired.pem), { allowExpired: true });
    expect(spec.SSLCert).toContain('BEGIN CERTIFICATE');
  });
});
