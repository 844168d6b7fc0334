/**
 * A change in progress, step by step, whichever process runs it (svc serve itself, a `svc scale`
 * in a terminal, a deploy script on another host): from what the engine shows. Its lock record
 * (revision K+1, labelled with the operation and its owner) says that it runs, from when, and
 * what it aims at (the spec and the replicas the load balancer will list); the engine's events of
 * the service's containers and the load balancer's log lines since then are its steps; its end is
 * the record's going: K+2 written is done, K again is undone (a failure rolled back), and an owner
 * that died leaves it interrupted. No step is guessed: what is shown happened. Pure.
 */
import type { ObservedService } from '../../core/backend.js';
import type { ObservedRecord, Operation } from '../../core/records.js';
import { replicaImage } from '../../core/status.js';
import type { LbView } from '../../haproxy/lb-log.js';
import { serverName } from '../../model/naming.js';
import { type ActivityLine, isoOf } from './activity.js';

export type Outcome = 'running' | 'done' | 'undone' | 'interrupted';

export interface ChangeBoard {
  Operation: Operation;
  /** What it changes, e.g. `2 → 4 replicas (adds 3, 4)`. */
  Summary: string;
  /** Who runs it: `host/pid`. */
  Owner: string;
  /** RFC 3339: when its lock record was written. */
  Since: string;
  /** RFC 3339: when it was seen to end; null while it runs. */
  Ended: string | null;
  Outcome: Outcome;
  /** Replicas of the target state that run its image and are UP in the load balancer. */
  Done: number;
  /** Replicas the target state has. */
  Total: number;
  Steps: ActivityLine[];
}

/** How many steps one change keeps (a rolling update of many replicas has many). */
const MAX_STEPS = 200;

function list(ns: number[]): string {
  return ns.join(', ');
}

/** What the change aims at, against the desired state before it. */
export function summarize(op: ObservedRecord, before: ObservedRecord | undefined): string {
  const to = op.spec;
  const from = before?.spec;
  switch (op.operation) {
    case 'scale': {
      const now = before?.servers ?? [];
      const next = op.servers ?? [];
      const added = next.filter((n) => !now.includes(n));
      const removed = now.filter((n) => !next.includes(n));
      const parts = [
        added.length ? `adds ${list(added)}` : '',
        removed.length ? `removes ${list(removed)}` : '',
      ];
      const detail = parts.filter(Boolean).join('; ');
      return `${from?.Replicas ?? now.length} → ${to?.Replicas ?? next.length} replicas${detail ? ` (${detail})` : ''}`;
    }
    case 'rolling-update':
      return `image ${from?.Image ?? '?'} → ${to?.Image ?? '?'}`;
    case 'fip':
      return `FIP ${from?.FIP || 'none'} → ${to?.FIP || 'none'}`;
    case 'update-cert':
      return 'a new certificate';
    case 'security-groups':
      return 'its security groups applied again';
    default:
      return String(op.operation);
  }
}

/** Replicas of the target state that run its image and that the load balancer has UP. */
function doneCount(s: ObservedService, op: ObservedRecord, view: LbView | undefined): number {
  const image = op.spec?.Image;
  return (op.servers ?? []).filter((n) => {
    const r = s.replicas.find((x) => x.number === n);
    if (r?.state !== 'running' || (image && replicaImage(r) !== image)) return false;
    // Slots filled by DNS (no view): running is all that is known.
    return !view || view.servers.get(serverName(n))?.status === 'UP';
  }).length;
}

export class ChangeTracker {
  private change: { board: ChangeBoard; revision: number; since: number; ended?: number } | undefined;

  /** `keepMs`: how long a change that ended stays shown. */
  constructor(private readonly keepMs = 60_000) {}

  /**
   * After each observation of the service (`now` in ms); `recent`: what happened lately, oldest
   * first (a change is observed after its first steps: its record's event asked for the look).
   */
  observed(s: ObservedService, view: LbView | undefined, now: number, recent: ActivityLine[] = []): void {
    // Its lock record, while it is the newest (a change in its cleanup has committed: it is done here).
    const op = s.operation && s.current?.operation ? s.current : undefined;
    if (op && op.revision !== this.change?.revision) {
      this.begin(s, op);
      for (const line of recent) this.step(line);
    }
    const c = this.change;
    if (!c) return;
    if (c.board.Outcome === 'running') {
      if (op && op.revision === c.revision) {
        c.board.Done = doneCount(s, op, view);
        return;
      }
      this.end(s, now);
    }
    if (c.ended !== undefined && now - c.ended > this.keepMs) this.change = undefined;
  }

  private begin(s: ObservedService, op: ObservedRecord): void {
    const before = [...s.records].reverse().find((r) => r.revision < op.revision && !r.operation);
    this.change = {
      revision: op.revision,
      since: op.written,
      board: {
        Operation: op.operation as Operation,
        Summary: summarize(op, before),
        Owner: op.owner ?? '',
        Since: isoOf(op.written),
        Ended: null,
        Outcome: 'running',
        Done: 0,
        Total: op.servers?.length ?? 0,
        Steps: [],
      },
    };
  }

  private end(s: ObservedService, now: number): void {
    const c = this.change as NonNullable<ChangeTracker['change']>;
    const outcome: Outcome =
      s.interrupted?.record?.revision === c.revision
        ? 'interrupted'
        : (s.current?.revision ?? 0) > c.revision
          ? 'done'
          : 'undone';
    c.board.Outcome = outcome;
    // Its end record is written once the load balancer has every replica of the target UP.
    if (outcome === 'done') c.board.Done = c.board.Total;
    c.board.Ended = new Date(now).toISOString();
    c.ended = now;
    const said = {
      done: 'done',
      undone: 'failed, and undone: the service is as before it',
      interrupted: 'interrupted',
    };
    c.board.Steps.push({
      Time: c.board.Ended,
      Source: 'engine',
      Text: `the ${c.board.Operation} is ${said[outcome as keyof typeof said]}`,
      Tone: outcome === 'done' ? 'good' : 'bad',
    });
  }

  /** A step, if a change runs and it happened since it began (its record's time is in whole seconds). */
  step(line: ActivityLine): void {
    const c = this.change;
    if (c?.board.Outcome !== 'running' || Date.parse(line.Time) / 1000 < c.since - 1) return;
    c.board.Steps.push(line);
    if (c.board.Steps.length > MAX_STEPS) c.board.Steps.splice(0, c.board.Steps.length - MAX_STEPS);
  }

  board(): ChangeBoard | null {
    return this.change ? { ...this.change.board, Steps: [...this.change.board.Steps] } : null;
  }
}
