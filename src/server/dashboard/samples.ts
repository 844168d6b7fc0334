/**
 * A service's traffic over the last minutes, from its load balancer's counters (`show stat`, as
 * `svc stats` reads them) read every few seconds: each reading against the one before gives a
 * point of the charts. Pure.
 */
import type { ServerCounters } from '../../lb/stats.js';

/** One point of a service's charts. */
export interface Sample {
  /** When the counters were read (ms since the epoch). */
  T: number;
  /** Requests (sessions, in TCP mode connections) a second since the reading before. */
  Rps: number;
  /** Errors a second since the reading before: connection and response errors, HTTP 5xx answers. */
  Eps: number;
  /**
   * HAProxy's average response time (its last 1024 requests), weighted by each replica's requests
   * since the reading before; null when there were none (or in TCP mode, where it is 0).
   */
  ResponseMs: number | null;
  /** Sessions open at the reading. */
  Sessions: number;
}

/** A reading of the counters. */
export interface Reading {
  t: number;
  servers: ServerCounters[];
}

/**
 * How much a counter grew: a server missing before counts from 0 (it joined since), and a counter
 * lower than before was reset (a reload starts a worker with fresh counters) and counts from 0.
 */
function grew(now: number, before: number | undefined): number {
  if (before === undefined || now < before) return now;
  return now - before;
}

/** The point between two readings of one load balancer. */
export function sampleOf(before: Reading, now: Reading): Sample {
  const seconds = Math.max((now.t - before.t) / 1000, 0.001);
  const prev = new Map(before.servers.map((s) => [s.server, s]));
  let requests = 0;
  let errors = 0;
  let weighted = 0;
  for (const s of now.servers) {
    const p = prev.get(s.server);
    const r = grew(s.total, p?.total);
    requests += r;
    errors += grew(s.errors, p?.errors);
    weighted += r * s.avgResponseMs;
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    T: now.t,
    Rps: round(requests / seconds),
    Eps: round(errors / seconds),
    ResponseMs: requests > 0 && weighted > 0 ? Math.round(weighted / requests) : null,
    Sessions: now.servers.reduce((n, s) => n + s.sessions, 0),
  };
}

/** The last `size` points, oldest first. */
export class SampleRing {
  private readonly points: Sample[] = [];

  constructor(private readonly size: number) {}

  push(s: Sample): void {
    this.points.push(s);
    if (this.points.length > this.size) this.points.shift();
  }

  all(): Sample[] {
    return [...this.points];
  }
}
