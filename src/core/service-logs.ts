/**
 * `svc logs NAME`: the output of the service's replicas (and its load balancer's with `lb`),
 * line by line, each line tagged with where it came from (log-lines.ts), as its backend reads
 * them. Without `follow` the lines of all sources are merged in time order; with `follow` they
 * come as they are written, until the signal aborts or the service is gone.
 */
import { UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import type { Core } from './backend.js';
import type { ServiceLogLine, ServiceLogOptions } from './log-lines.js';
import { findService, observe } from './observe.js';

/**
 * `--since`: a duration back from now (`10m`, `1h30m`, `90s`) or a date and time (RFC 3339,
 * e.g. `2024-05-01T10:00:00Z`), as Unix seconds.
 */
export function parseSince(text: string, now: number = Date.now()): number {
  const t = text.trim();
  if (/^\d{4}-\d\d-\d\d/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) {
      throw new UsageError(`--since: "${text}" is not a date and time such as 2024-05-01T10:00:00Z`);
    }
    return Math.floor(ms / 1000);
  }
  try {
    return Math.floor((now - parseDuration(t, '--since')) / 1000);
  } catch {
    throw new UsageError(
      `--since: expected a duration (10m, 1h30m) or a date and time (2024-05-01T10:00:00Z), got "${text}"`,
    );
  }
}

/** The service's logs; `onLine` gets each line (merged by time unless following). */
export async function serviceLogs(
  core: Core,
  name: string,
  opts: ServiceLogOptions,
  onLine: (line: ServiceLogLine) => void,
): Promise<void> {
  const service = findService(await observe(core), name);
  return service.owner.logs(core, service, opts, onLine);
}
