/**
 * The one certificate maker of the tests: certificates made at test time with openssl (nothing is
 * checked in). A self-signed CA and leaves it signs: valid ones, one that expired in 2020, one
 * whose key matches none of the others; a key encrypted with a pass phrase, and a PEM file of a
 * certificate with another's key. EC P-256 keys: quick to make.
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

export interface TestCerts {
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
  /** CN=other.test: a valid leaf, for a key that matches no other certificate. */
  other: Leaf;
  /** `leaf`'s key, encrypted with the pass phrase `secret`. */
  encryptedKey: string;
  /** `leaf`'s certificate with `other`'s key. */
  mismatchedPemFile: string;
  /** Every private key's PEM body (the base64 lines), to grep outputs for. */
  keyMarkers: string[];
  cleanup(): void;
}

const openssl = (dir: string, args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** A self-signed CA (ca.crt, ca.key) and the files `openssl ca` signs with. */
function makeCa(dir: string): void {
  openssl(dir, [
    'req',
    '-x509',
    ...EC,
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
}

/** A key and a certificate for `cn` signed by the CA, valid for `dates` (2 days from now). */
function makeLeaf(dir: string, name: string, cn: string, dates: string[] = ['-days', '2']): Leaf {
  openssl(dir, [
    'req',
    ...EC,
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
}

/** The base64 lines of each key alone (line-wrapped outputs) and each whole body (JSON-escaped ones). */
function keyMarkersOf(leaves: Leaf[]): string[] {
  return leaves.flatMap((x) => {
    const lines = x.key.split('\n').filter((line) => line && !line.startsWith('-----'));
    return [...lines.filter((line) => line.length >= 40), lines.join('')];
  });
}

export function makeCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'svc-certs-'));
  makeCa(dir);
  const leaf = makeLeaf(dir, 'leaf', 'svc.test');
  const renewed = makeLeaf(dir, 'renewed', 'svc-renewed.test');
  const replica = makeLeaf(dir, 'replica', 'replica.test');
  const expired = makeLeaf(dir, 'expired', 'expired.test', [
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200102000000Z',
  ]);
  const other = makeLeaf(dir, 'other', 'other.test');
  const mismatchedPemFile = join(dir, 'mismatched.pem');
  writeFileSync(mismatchedPemFile, leaf.cert + other.key);
  openssl(dir, ['pkey', '-in', 'leaf.key', '-aes256', '-passout', 'pass:secret', '-out', 'encrypted.key']);
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    leaf,
    renewed,
    replica,
    expired,
    other,
    encryptedKey: readFileSync(join(dir, 'encrypted.key'), 'utf8'),
    mismatchedPemFile,
    keyMarkers: keyMarkersOf([leaf, renewed, replica, expired, other]),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The private-key fragments found in `text` (none, we hope), and whether a PEM key header is. */
export function keyLeaks(certs: TestCerts, text: string): string[] {
  const flat = text.replace(/\\n|\s/g, '');
  const found = certs.keyMarkers.filter((m) => flat.includes(m.replace(/\s/g, '')));
  if (/PRIVATE KEY-----/.test(text)) found.push('a PEM private key header');
  return found;
}
