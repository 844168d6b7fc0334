/**
 * What the readiness suites share: a warming service's create argv (svc-test/warming answers 503
 * for WARM_SECONDS after each start) and fresh-connection traffic against it.
 */
import { createArgs } from './harness.js';
import { startLoad } from './load.js';

/** A warming http service of 2 replicas published on `fip`, checked every second: `warm` s of 503 after each start. */
export function warmingArgs(
  name: string,
  port: number,
  fip: string,
  image: string,
  more: string[] = [],
  warm = 2,
): string[] {
  const flags = ['--protocol', 'http', '--replicas', '2', '--health-check-interval', '1'];
  return createArgs(name, port, fip, [...flags, '-e', `WARM_SECONDS=${warm}`, ...more], image);
}

/** Only fresh connections (busybox httpd closes each anyway), 4 at a time, for at most 3 minutes. */
export const freshLoad = (port: number) =>
  startLoad(`http://127.0.0.1:${port}/`, { keepAliveWorkers: 0, freshWorkers: 4, maxMs: 180_000 });

/** A short burst of fresh-connection traffic right after a command returned. */
export async function burst(port: number, ms = 1500) {
  const load = freshLoad(port);
  await new Promise((r) => setTimeout(r, ms));
  return load.stop();
}
