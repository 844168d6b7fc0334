/**
 * SSLCert: one PEM text holding the certificate (chain) and its private key, as HAProxy's
 * `crt` wants it (`cat fullchain.pem privkey.pem`). Checks it and describes it without ever
 * showing key material. Pure (node:crypto only).
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

interface PemBlock {
  label: string;
  text: string;
}

function pemBlocks(pem: string): PemBlock[] {
  return [...pem.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] as string, text: `${m[0]}\n` }));
}

const isKeyLabel = (label: string) => label.endsWith('PRIVATE KEY');

/** Line endings made `\n`, surrounding blank space removed, one final newline. */
export function normaliseSslCert(pem: string): string {
  return `${pem.replace(/\r\n?/g, '\n').trim()}\n`;
}

function subjectOf(cert: X509Certificate): string {
  return cert.subject.split('\n').join(', ');
}

export interface CheckSslCertOptions {
  /** Accept a first certificate whose notAfter has passed (`svc create --allow-expired`). */
  allowExpired?: boolean;
  /** The time to check expiry against (tests); default now. */
  now?: Date;
}

/**
 * What is wrong with an SSLCert PEM text, one message a problem; [] when it holds parseable
 * certificates and one unencrypted private key matching the first certificate, which has not
 * expired (unless `allowExpired`). Messages never quote the text.
 */
export function checkSslCert(pem: string, options: CheckSslCertOptions = {}): string[] {
  const blocks = pemBlocks(pem.replace(/\r\n?/g, '\n'));
  if (blocks.length === 0) {
    return [
      'expected PEM text holding a certificate and its private key (e.g. the output of `cat fullchain.pem privkey.pem`)',
    ];
  }
  const problems: string[] = [];
  const certBlocks = blocks.filter((b) => b.label === 'CERTIFICATE');
  const keyBlocks = blocks.filter((b) => isKeyLabel(b.label));
  if (certBlocks.length === 0) problems.push('no certificate (-----BEGIN CERTIFICATE-----) in the PEM text');
  if (keyBlocks.length === 0) problems.push('no private key (-----BEGIN PRIVATE KEY-----) in the PEM text');
  if (keyBlocks.length > 1)
    problems.push(`${keyBlocks.length} private keys in the PEM text; give exactly one`);

  const certs: X509Certificate[] = [];
  certBlocks.forEach((block, i) => {
    try {
      certs.push(new X509Certificate(block.text));
    } catch {
      problems.push(`certificate ${i + 1} of ${certBlocks.length} cannot be parsed`);
    }
  });

  let key: KeyObject | undefined;
  const keyBlock = keyBlocks.length === 1 ? keyBlocks[0] : undefined;
  if (keyBlock) {
    if (keyBlock.label === 'ENCRYPTED PRIVATE KEY' || keyBlock.text.includes('Proc-Type: 4,ENCRYPTED')) {
      problems.push(
        'the private key is encrypted; HAProxy needs it unencrypted (e.g. `openssl pkey -in key.pem -out plain.pem`)',
      );
    } else {
      try {
        key = createPrivateKey(keyBlock.text);
      } catch {
        problems.push('the private key cannot be parsed');
      }
    }
  }

  const first = certs[0];
  if (key && first && certs.length === certBlocks.length && !first.checkPrivateKey(key)) {
    const matching = certs.find((c) => c.checkPrivateKey(key));
    problems.push(
      matching
        ? `the certificate matching the private key (${subjectOf(matching)}) must come first in the PEM text`
        : `the private key does not match the certificate (${subjectOf(first)})`,
    );
  }
  if (first && !options.allowExpired) {
    const notAfter = new Date(first.validTo);
    const now = options.now ?? new Date();
    if (!Number.isNaN(notAfter.getTime()) && notAfter.getTime() < now.getTime()) {
      problems.push(
        `the certificate (${subjectOf(first)}) expired on ${isoSeconds(first.validTo)}; renew it, or pass --allow-expired to use it anyway`,
      );
    }
  }
  return problems;
}

function isoSeconds(date: string): string {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? date : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A one-line description of the PEM's first certificate, safe to print and store:
 * `subject=CN=example.com; notAfter=2027-01-01T00:00:00Z; sha256=AB:CD:…`. Never any key material.
 */
export function describeCertificate(pem: string): string {
  const block = pemBlocks(pem.replace(/\r\n?/g, '\n')).find((b) => b.label === 'CERTIFICATE');
  if (!block) return 'no certificate';
  try {
    const cert = new X509Certificate(block.text);
    return `subject=${subjectOf(cert)}; notAfter=${isoSeconds(cert.validTo)}; sha256=${cert.fingerprint256}`;
  } catch {
    return 'unparseable certificate';
  }
}
