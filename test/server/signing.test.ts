import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AuthFailure,
  canonicalHost,
  canonicalPath,
  canonicalQuery,
  canonicalRequest,
  parseAuthorization,
  parseHyperDate,
  signature,
  stringToSign,
  verifySignature,
} from '../../src/server/signing.js';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const SECRET = 'sekrit';
const AK = 'AKIDEXAMPLE0000000000';
const NOW = Date.UTC(2026, 10, 27, 4, 0, 0);
const DATE = '20261127T040000Z';

describe('canonical parts', () => {
  it('path: no leading slash, empty segments dropped, each segment escaped', () => {
    expect(canonicalPath('/v1.23/services/create')).toBe('v1.23/services/create');
    expect(canonicalPath('//services//web/')).toBe('services/web');
    expect(canonicalPath('/images/a%20b/json')).toBe('images/a%20b/json');
    expect(canonicalPath("/x/a:b@c!'()*~._-")).toBe('x/a%3Ab%40c%21%27%28%29%2A~._-');
  });

  it('query: sorted by key, escaped', () => {
    expect(canonicalQuery('')).toBe('');
    expect(canonicalQuery('tag=1.0&fromImage=svc-test/http')).toBe('fromImage=svc-test%2Fhttp&tag=1.0');
    expect(canonicalQuery('filters=%7B%22name%22%3A%5B%22web%22%5D%7D')).toBe(
      'filters=%7B%22name%22%3A%5B%22web%22%5D%7D',
    );
    expect(canonicalQuery('keep')).toBe('keep=');
  });

  it('host keeps its port unless 80 or 443', () => {
    expect(canonicalHost('127.0.0.1:8443')).toBe('127.0.0.1:8443');
    expect(canonicalHost('example.com:443')).toBe('example.com');
    expect(canonicalHost('example.com:80')).toBe('example.com');
  });

  it('canonical request: method, path, query, header lines, signed headers, payload hash', () => {
    const text = canonicalRequest({
      method: 'post',
      path: '/v1.23/services/create',
      query: '',
      headers: {
        'content-type': 'application/json',
        host: '127.0.0.1:8443',
        'x-hyper-content-sha256': 'abc',
        'x-hyper-date': DATE,
      },
      signedHeaders: ['content-type', 'host', 'x-hyper-content-sha256', 'x-hyper-date'],
      payloadHash: 'abc',
    });
    expect(text).toBe(
      [
        'POST',
        'v1.23/services/create',
        '',
        `content-type:application/json\nhost:127.0.0.1:8443\nx-hyper-content-sha256:abc\nx-hyper-date:${DATE}\n`,
        'content-type;host;x-hyper-content-sha256;x-hyper-date',
        'abc',
      ].join('\n'),
    );
  });

  it('signature: the HMAC chain from "HYPER" + secret over day, region, hyper, hyper_request', () => {
    const h = (k: string | Buffer, d: string) => createHmac('sha256', k).update(d).digest();
    const key = h(h(h(h(`HYPER${SECRET}`, '20261127'), 'us-west-1'), 'hyper'), 'hyper_request');
    const toSign = stringToSign(DATE, '20261127/us-west-1/hyper/hyper_request', 'CANONICAL');
    expect(toSign).toBe(
      `HYPER-HMAC-SHA256\n${DATE}\n20261127/us-west-1/hyper/hyper_request\n${sha('CANONICAL')}`,
    );
    expect(signature(SECRET, '20261127', 'us-west-1', toSign)).toBe(
      createHmac('sha256', key).update(toSign).digest('hex'),
    );
  });

  it('dates', () => {
    expect(parseHyperDate(DATE)).toBe(NOW);
    expect(parseHyperDate('2026-11-27T04:00:00Z')).toBeUndefined();
  });
});

describe('parseAuthorization', () => {
  it('reads Credential, SignedHeaders and Signature', () => {
    const sig = 'a'.repeat(64);
    expect(
      parseAuthorization(
        `HYPER-HMAC-SHA256 Credential=${AK}/20261127/us-west-1/hyper/hyper_request, SignedHeaders=content-type;host;x-hyper-content-sha256;x-hyper-date, Signature=${sig}`,
      ),
    ).toEqual({
      accessKey: AK,
      day: '20261127',
      region: 'us-west-1',
      signedHeaders: ['content-type', 'host', 'x-hyper-content-sha256', 'x-hyper-date'],
      signature: sig,
    });
  });

  it('says what is wrong', () => {
    expect(parseAuthorization('Basic abc')).toMatch(/expected HYPER-HMAC-SHA256 or Bearer/);
    expect(parseAuthorization('HYPER-HMAC-SHA256 Credential=a/b')).toMatch(/lacks/);
    expect(
      parseAuthorization(
        `HYPER-HMAC-SHA256 Credential=a/2026/r/hyper/hyper_request, SignedHeaders=host, Signature=ab`,
      ),
    ).toMatch(/YYYYMMDD/);
  });
});

describe('verifySignature', () => {
  const body = Buffer.from('{"Name":"web"}');
  function signed(over: { secret?: string; date?: string; body?: Buffer; path?: string } = {}) {
    const date = over.date ?? DATE;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      host: '127.0.0.1:8443',
      'x-hyper-content-sha256': sha(over.body ?? body),
      'x-hyper-date': date,
    };
    const signedHeaders = Object.keys(headers).sort();
    const canonical = canonicalRequest({
      method: 'POST',
      path: over.path ?? '/v1.23/services/create',
      query: '',
      headers,
      signedHeaders,
      payloadHash: headers['x-hyper-content-sha256'] as string,
    });
    const day = date.slice(0, 8);
    const sig = signature(
      over.secret ?? SECRET,
      day,
      'us-west-1',
      stringToSign(date, `${day}/us-west-1/hyper/hyper_request`, canonical),
    );
    const auth = parseAuthorization(
      `HYPER-HMAC-SHA256 Credential=${AK}/${day}/us-west-1/hyper/hyper_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`,
    );
    if (typeof auth === 'string') throw new Error(auth);
    return { auth, headers };
  }
  const secretOf = (ak: string) => (ak === AK ? SECRET : undefined);
  const input = (
    headers: Record<string, string>,
    over: { body?: Buffer; path?: string; now?: number } = {},
  ) => ({
    method: 'POST',
    path: over.path ?? '/v1.23/services/create',
    query: '',
    headers,
    body: over.body ?? body,
    now: over.now ?? NOW,
  });

  it('accepts a good signature', () => {
    const { auth, headers } = signed();
    expect(() => verifySignature(auth, input(headers), secretOf)).not.toThrow();
    // 4 minutes off is fine
    expect(() => verifySignature(auth, input(headers, { now: NOW + 4 * 60_000 }), secretOf)).not.toThrow();
  });

  it('refuses a wrong secret, an unknown key, a stale date, a tampered body or path', () => {
    const bad = (f: () => void, why: RegExp) => {
      expect(f).toThrow(AuthFailure);
      expect(f).toThrow(why);
    };
    const wrong = signed({ secret: 'other' });
    bad(() => verifySignature(wrong.auth, input(wrong.headers), secretOf), /signature does not match/);
    const ok = signed();
    bad(() => verifySignature(ok.auth, input(ok.headers), () => undefined), /signature does not match/);
    bad(() => verifySignature(ok.auth, input(ok.headers, { now: NOW + 6 * 60_000 }), secretOf), /5 minutes/);
    bad(
      () => verifySignature(ok.auth, input(ok.headers, { body: Buffer.from('{"Name":"evil"}') }), secretOf),
      /does not match the body/,
    );
    bad(
      () => verifySignature(ok.auth, input(ok.headers, { path: '/v1.23/services/other/update' }), secretOf),
      /signature does not match/,
    );
  });

  it('requires host, x-hyper-date and x-hyper-content-sha256 to be signed', () => {
    const { auth, headers } = signed();
    const fewer = { ...auth, signedHeaders: ['host', 'x-hyper-date'] };
    expect(() => verifySignature(fewer, input(headers), secretOf)).toThrow(/x-hyper-content-sha256/);
  });
});
