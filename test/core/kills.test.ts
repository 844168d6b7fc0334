/**
 * Every operation on the local backend killed at each of its calls (a SIGKILL: nothing after it
 * happens, nothing is undone), then run again: the repair it begins with finishes or undoes what
 * the killed one left, and the world is what one successful run makes.
 */
import { afterAll } from 'vitest';
import { localBackend } from '../../src/backends/local/index.js';
import { makeCerts } from '../support/certs.js';
import { describeKills } from '../support/kills.js';
import { fakeWorld, operations } from '../support/rollback.js';

const certs = makeCerts();
afterAll(() => certs.cleanup());

describeKills(operations(localBackend, '127.0.0.1', certs), () => fakeWorld());
