/**
 * `svc update-cert`: swap the certificate of an `httpsTerm` service without dropping a
 * connection. The new PEM is checked (parses, key matches, not expired), written into the load
 * balancer container through the Docker API (mode 0600, HAProxy's user; never a host file), and
 * the load balancer reloads hitlessly: established connections stay on the old worker with the
 * old certificate until they end, new ones get the new certificate. HAProxy checks the config
 * with the new certificate before the reload; if it refuses, the old certificate is put back.
 * A new record revision makes `SSLCert` (subject, notAfter, fingerprint) show the new one.
 */
import type { Engine } from '../engine/engine.js';
import { InternalError, UsageError } from '../errors.js';
import { HAPROXY_CERT_PATH, HAPROXY_CONFIG_PATH } from '../haproxy/render-config.js';
import { resolveField } from '../spec/resolve-spec.js';
import { describeCertificate } from '../spec/ssl-cert.js';
import { changeable } from './change-replicas.js';
import { certFiles, HAPROXY_DIR } from './create-plan.js';
import { reloadLb } from './lb-control.js';
import { observeService } from './observe.js';
import { writeRecord } from './records.js';

export interface UpdateCertResult {
  name: string;
  /** Descriptions (subject, notAfter, sha256), never key material. */
  from: string;
  to: string;
}

const BACKUP = `${HAPROXY_CERT_PATH}.prev`;

export async function updateCert(
  engine: Engine,
  tenant: string,
  name: string,
  pem: { text: string; location: string },
  opts: { allowExpired?: boolean; onProgress?: (text: string) => void } = {},
): Promise<UpdateCertResult> {
  const sslCert = resolveField(
    'SSLCert',
    { flag: '--ssl-cert', value: pem.text, location: pem.location },
    { allowExpired: opts.allowExpired ?? false },
  );
  if (sslCert === '') throw new UsageError('--ssl-cert: the file is empty');
  const s = await observeService(engine, tenant, name);
  const { spec, lbId, revision, created } = changeable(s);
  if (spec.Protocol !== 'httpsTerm') {
    throw new UsageError(
      `service "${name}" has Protocol ${spec.Protocol}; only httpsTerm services have a certificate`,
    );
  }
  const config = await engine.exec(lbId, ['cat', HAPROXY_CONFIG_PATH]);
  if (config.exitCode !== 0)
    throw new InternalError(`cannot read the load balancer config: ${config.stderr.trim()}`);

  opts.onProgress?.('installing the certificate');
  const keep = await engine.exec(lbId, ['cp', '-p', HAPROXY_CERT_PATH, BACKUP]);
  if (keep.exitCode !== 0)
    throw new InternalError(`cannot keep the current certificate aside: ${keep.stderr.trim()}`);
  await engine.writeFiles(lbId, HAPROXY_DIR, certFiles(sslCert));
  try {
    opts.onProgress?.('reloading the load balancer');
    await reloadLb(engine, lbId, config.stdout);
  } catch (err) {
    await engine.exec(lbId, ['mv', BACKUP, HAPROXY_CERT_PATH]);
    throw err;
  }
  await engine.exec(lbId, ['rm', '-f', BACKUP]);
  await writeRecord(
    engine,
    {
      tenant,
      spec: { ...spec, SSLCert: sslCert },
      revision: revision + 1,
      created,
      image: s.lb?.image as string,
      previousImage: s.records.at(-1)?.previousImage,
    },
    s.records.map((r) => ({ id: r.id, revision: r.revision })),
  );
  return { name, from: spec.SSLCert, to: describeCertificate(sslCert) };
}
