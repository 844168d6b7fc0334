/**
 * Certificates made at test time with openssl: a self-signed CA, leaves it signs (valid, and one
 * that expired in 2020), and a key matching none of them. Nothing is checked in.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Leaf {
  cert: string;
  key: string;
  /** cert + key, as SSLCert / HAProxy's `crt` want them. */
  pem: string;
  /** A file holding `pem`. */
  pemFile: string;
  certFile: string;
  keyFile: string;
}

export interface TlsCerts {
  dir: string;
  caFile: string;
  ca: string;
  /** CN=svc.test, signed by the CA. Every leaf has SAN DNS:svc.test and IP:127.0.0.1. */
  leaf: Leaf;
  /** A second valid leaf (CN=svc-renewed.test), for certificate swaps. */
  renewed: Leaf;
  /** CN=replica.test: what the replicas of an `https` (passthrough) service present. */
  replica: Leaf;
  /** CN=expired.test, notAfter 2020-01-02T00:00:00Z. */
  expired: Leaf;
  /** `leaf`'s certificate with another key. */
  mismatchedPemFile: string;
  /** Every private key's PEM body (the base64 lines), to grep outputs for. */
  keyMarkers: string[];
  cleanup(): void;
}

const openssl = (dir: string, args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

export function makeTlsCerts(): TlsCerts {
  const dir = mkdtempSync(join(tmpdir(), 'svc-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-subj',
    '/CN=svc test CA',
    '-days',
    '2',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  ]);
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = d',
      '[d]',
      'database = index.txt',
      'new_certs_dir = .',
      'serial = serial',
      'default_md = sha256',
      'policy = p',
      'unique_subject = no',
      'copy_extensions = copy',
      '[p]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');

  const leaf = (name: string, cn: string, dates: string[] = ['-days', '2']): Leaf => {
    openssl(dir, [
      'req',
      ...ec,
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=DNS:${cn},DNS:svc.test,IP:127.0.0.1`,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ]);
    openssl(dir, [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.crt',
      '-keyfile',
      'ca.key',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      '-notext',
      ...dates,
    ]);
    const cert = readFileSync(join(dir, `${name}.crt`), 'utf8');
    const key = readFileSync(join(dir, `${name}.key`), 'utf8');
    const pemFile = join(dir, `${name}.pem`);
    writeFileSync(pemFile, cert + key);
    return {
      cert,
      key,
      pem: cert + key,
      pemFile,
      certFile: join(dir, `${name}.crt`),
      keyFile: join(dir, `${name}.key`),
    };
  };

  const l = leaf('leaf', 'svc.test');
  const renewed = leaf('renewed', 'svc-renewed.test');
  const replica = leaf('replica', 'replica.test');
  const expired = leaf('expired', 'expired.test', [
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
  ]);
  const other = leaf('other', 'other.test');
  const mismatchedPemFile = join(dir, 'mismatched.pem');
  writeFileSync(mismatchedPemFile, l.cert + other.key);

  const body = (pem: string) =>
    pem
      .split('\n')
      .filter((line) => line && !line.startsWith('-----'))
      .join('');
  const keyMarkers = [l, renewed, replica, expired, other].flatMap((x) => {
    const lines = x.key.split('\n').filter((line) => line && !line.startsWith('-----'));
    // Each base64 line alone (line-wrapped outputs) and the whole body (JSON-escaped outputs).
    return [...lines.filter((line) => line.length >= 40), body(x.key)];
  });
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    leaf: l,
    renewed,
    replica,
    expired,
    mismatchedPemFile,
    keyMarkers,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The private-key fragments found in `text` (none, we hope), and whether a PEM key header is. */
export function keyLeaks(certs: TlsCerts, text: string): string[] {
  const flat = text.replace(/\\n|\s/g, '');
  const found = certs.keyMarkers.filter((m) => flat.includes(m.replace(/\s/g, '')));
  if (/PRIVATE KEY-----/.test(text)) found.push('a PEM private key header');
  return found;
}
