import { createHash } from 'node:crypto';
import type { ServiceSpec } from '../spec/types.js';
import { publicSpec } from './service-json.js';

/** A short hash of the normalised spec (without key material, with the certificate's fingerprint). */
export function specHash(spec: ServiceSpec): string {
  return createHash('sha256')
    .update(JSON.stringify(publicSpec(spec)))
    .digest('hex')
    .slice(0, 16);
}
