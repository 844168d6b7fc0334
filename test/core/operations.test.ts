/**
 * Every operation's apply and rollback, driven through the fake engine and load balancer: a
 * successful run, then the same run with a failure injected at each of its steps in turn. A
 * failure before the commit must leave the world exactly as it was; one in the cleanup after
 * it leaves the change done and says what was left behind.
 */
import { afterAll } from 'vitest';
import { localBackend } from '../../src/backends/local/index.js';
import { makeCerts } from '../support/certs.js';
import type { Call } from '../support/fake-engine.js';
import { describeRollbacks, fakeWorld, operations } from '../support/rollback.js';

const certs = makeCerts();
afterAll(() => certs.cleanup());

/** How many of a successful run's calls come before the commit (the last record written). */
function phaseCalls(calls: Call[]): number {
  let last = 0;
  calls.forEach((c, i) => {
    if (c.what === 'create' && (/-rev\d+-/.test(c.target) || c.target.startsWith('svc-sg_'))) last = i + 1;
  });
  return last || calls.length;
}

describeRollbacks(operations(localBackend, '127.0.0.1', certs), () => fakeWorld(), phaseCalls);
