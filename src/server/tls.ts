/**
 * The server's TLS certificate: the files given, or a self-signed one made once with the
 * `openssl` binary (Node has no API that creates X.509 certificates) and kept in the config dir.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** Where they came from, for the log. */
  certPath: string;
  generated: boolean;
}

function read(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: cannot read it: ${(err as Error).message}`);
  }
}

export function loadTls(
  certPath: string | undefined,
  keyPath: string | undefined,
  configDir: string,
): TlsFiles {
  if (certPath || keyPath) {
    if (!certPath || !keyPath) throw new UsageError('give both --tls-cert FILE and --tls-key FILE');
    return {
      cert: read(certPath, '--tls-cert'),
      key: read(keyPath, '--tls-key'),
      certPath,
      generated: false,
    };
  }
  const cert = join(configDir, 'serve-cert.pem');
  const key = join(configDir, 'serve-key.pem');
  let generated = false;
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '825',
          '-subj',
          '/CN=svc serve',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
          '-keyout',
          key,
          '-out',
          cert,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
      const why =
        e.code === 'ENOENT' ? 'the openssl command is not installed' : String(e.stderr ?? e.message);
      throw new UsageError(
        `cannot make a self-signed certificate (${why.trim()}); give --tls-cert FILE --tls-key FILE`,
      );
    }
    chmodSync(key, 0o600);
    chmodSync(cert, 0o600);
    generated = true;
  }
  return { cert: readFileSync(cert), key: readFileSync(key), certPath: cert, generated };
}
