import { describe, expect, it } from 'vitest';
import { SessionStore } from '../../../src/server/dashboard/sessions.js';

function store() {
  const clock = { now: 1_000_000 };
  const s = new SessionStore({ ttlMs: 60_000, tokenTtlMs: 10_000, now: () => clock.now });
  return { s, clock };
}

describe('SessionStore', () => {
  it('a one-time token is redeemed once, and not after it expired', () => {
    const { s, clock } = store();
    const a = s.oneTimeToken('t1');
    const b = s.oneTimeToken('t2');
    expect(s.redeem('nope')).toBeUndefined();
    expect(s.redeem(a)).toBe('t1');
    expect(s.redeem(a)).toBeUndefined();
    clock.now += 10_000;
    expect(s.redeem(b)).toBeUndefined();
  });

  it('a session lasts ttlMs, while its key is valid; closing ends it', () => {
    const { s, clock } = store();
    let valid = true;
    const keyValid = () => valid;
    const v = s.open('t1', 'AK');
    expect(s.find(v, keyValid)?.tenant).toBe('t1');
    expect(s.find(`${v}x`, keyValid)).toBeUndefined();
    valid = false;
    expect(s.find(v, keyValid)).toBeUndefined();
    valid = true;
    expect(s.find(v, keyValid)).toBeUndefined(); // gone for good
    const token = s.open('t1', undefined);
    clock.now += 59_999;
    expect(s.find(token, keyValid)).toBeDefined();
    s.close(token);
    expect(s.find(token, keyValid)).toBeUndefined();
    const late = s.open('t1', undefined);
    clock.now += 60_000;
    expect(s.find(late, keyValid)).toBeUndefined();
  });
});
