import { describe, expect, it } from 'vitest';
import type { ServerCounters } from '../../../src/lb/stats.js';
import { SampleRing, sampleOf } from '../../../src/server/dashboard/samples.js';

const server = (
  name: string,
  total: number,
  errors: number,
  avgResponseMs = 10,
  sessions = 0,
): ServerCounters => ({
  backend: 'b',
  server: name,
  status: 'UP',
  check: 'L7OK',
  sessions,
  total,
  errors,
  retried: 0,
  avgResponseMs,
  address: '10.0.0.2:80',
});

describe('sampleOf', () => {
  it('rates per second between two readings, the response time weighted by requests', () => {
    const before = { t: 0, servers: [server('r1', 100, 0), server('r2', 50, 1)] };
    const now = { t: 5000, servers: [server('r1', 130, 0, 10, 2), server('r2', 60, 6, 40, 1)] };
    expect(sampleOf(before, now)).toEqual({ T: 5000, Rps: 8, Eps: 1, ResponseMs: 18, Sessions: 3 });
  });

  it('a counter that went down was reset (a reload), a new server counts from 0; no requests: no response time', () => {
    const before = { t: 0, servers: [server('r1', 100, 3)] };
    const now = { t: 2000, servers: [server('r1', 4, 0), server('r3', 2, 0)] };
    expect(sampleOf(before, now)).toMatchObject({ Rps: 3, Eps: 0 });
    expect(sampleOf(now, { t: 4000, servers: now.servers }).ResponseMs).toBeNull();
  });
});

describe('SampleRing', () => {
  it('keeps the last points, oldest first', () => {
    const ring = new SampleRing(2);
    for (const T of [1, 2, 3]) ring.push({ T, Rps: 0, Eps: 0, ResponseMs: null, Sessions: 0 });
    expect(ring.all().map((p) => p.T)).toEqual([2, 3]);
  });
});
