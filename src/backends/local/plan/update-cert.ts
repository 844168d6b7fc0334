/**
 * Planning `svc update-cert`: install an `httpsTerm` service's new certificate (already checked:
 * it parses, the key matches, not expired) with a hitless reload. HAProxy checks the config with
 * the new certificate first; established connections stay on the old worker with the old
 * certificate until they end, new ones get the new one. The records make `SSLCert` (subject,
 * notAfter, fingerprint) show the new one. Pure.
 */

import type { Plan } from '../../../core/steps.js';
import { type Changeable, recordSteps } from './change.js';

export function planUpdateCert(c: Changeable, pem: string): Plan {
  const next = { ...c.spec, SSLCert: pem };
  const records = recordSteps(c, 'update-cert', next, c.servers);
  return {
    phases: [
      [records.lock],
      [
        {
          op: 'lb-apply',
          lb: c.lb,
          target: { spec: next, servers: c.servers, cert: pem, allow: c.allow },
          up: [],
          drain: false,
        },
      ],
      [records.outcome],
    ],
    cleanup: [records.cleanup],
    notes: [],
  };
}
