/**
 * What the core asks of a load balancer: the interface driver.ts implements (tests fake it).
 */
import type { LbView } from '../haproxy/lb-log.js';
import type { LbState, LiveFiles } from './files.js';
import type { LbLine } from './log-watch.js';
import type { ClientKind, ServerCounters } from './stats.js';
import type { WaitOptions } from './waits.js';

/** Undo a change: put the files back as they were and reload. */
export type Undo = () => Promise<void>;

export interface LoadBalancerDriver {
  /**
   * Write a new load balancer's files. With `joining`, every server is checked every 25 ms (an
   * HTTP check: 50 ms) until UP (and until the next reload): one started beside its replicas may
   * check one before it listens.
   */
  configure(id: string, state: LbState, opts?: { certFrom?: string; joining?: boolean }): Promise<void>;
  start(id: string, opts: WaitOptions): Promise<void>;
  /** Bring back a load balancer that stopped (an engine restart, a `docker stop`): its restart policy, a start, its config loaded. */
  revive(id: string, opts: WaitOptions): Promise<void>;
  /** Wait until a running load balancer (started by someone else: Swarm) has loaded its config. */
  waitLoaded(id: string, opts: WaitOptions): Promise<void>;
  /** Wait until `count` of its servers (any: Swarm's DNS-filled slots) passed a check. */
  waitUpCount(id: string, count: number, opts: WaitOptions): Promise<void>;
  apply(id: string, state: LbState, opts: WaitOptions & { up?: string[]; drain?: boolean }): Promise<Undo>;
  /**
   * Wait until each of `servers` passed a check (and its HEALTHCHECK says healthy); one whose
   * replica exits fails it (`startedHere`: this command started them, see exitGuard).
   */
  waitUp(id: string, servers: string[], opts: WaitOptions & { startedHere?: boolean }): Promise<void>;
  view(id: string): Promise<LbView>;
  /** Its log from its start, each line with the view after it, until `signal` aborts or it stops. */
  follow(id: string, opts: { signal: AbortSignal }, onLine: (line: LbLine) => void): Promise<void>;
  /** What its files hold that no record does (the certificate, the allow list, a staged certificate). */
  readLive(id: string): Promise<LiveFiles>;
  /** HAProxy's own counters per server; `probe` adds whether each one accepts a connection (src/lb/stats.ts). */
  stats(id: string, kind?: ClientKind): Promise<ServerCounters[]>;
}
