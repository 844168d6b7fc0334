/**
 * A service's log lines, as every backend gives them: each tagged with where it came from. The
 * engine is always asked for timestamps, which order and de-duplicate lines; they are shown only
 * when asked for. Pure.
 */
import type { LogLine } from '../engine/engine.js';

export interface LogSource {
  /** What prefixes its lines: `NAME-N` for replica N, `lb` for the load balancer. */
  label: string;
  /** Replica number; null for the load balancer. */
  replica: number | null;
  id: string;
  running: boolean;
}

export interface ServiceLogLine {
  source: string;
  replica: number | null;
  stream: LogLine['stream'];
  /** RFC 3339 with nanoseconds, as the engine wrote it; "" if it gave none. */
  time: string;
  text: string;
}

export interface ServiceLogOptions {
  follow: boolean;
  /** Last N lines of each container. */
  tail?: number;
  /** Unix seconds. */
  since?: number;
  /** Include the load balancer's log. */
  lb: boolean;
  signal?: AbortSignal;
  /** How often `follow` looks for replicas that restarted or appeared (ms). */
  pollMs?: number;
  /** Told the labels of every source so far, before their lines (and again when one appears). */
  onSources?: (labels: string[]) => void;
}

export const LB_SOURCE = 'lb';

const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/s;

/** Splits a line the engine timestamped (`2024-05-01T10:00:00.123456789Z text`). */
export function splitTimestamp(line: string): { time: string; text: string } {
  const m = TIMESTAMPED.exec(line);
  const text = (m ? (m[2] as string) : line).replace(/\r$/, '');
  return { time: m ? (m[1] as string) : '', text };
}

/**
 * Merge per-source line lists into one, oldest first. The engine writes timestamps in a fixed
 * width, so text order is time order; equal times keep their source's order.
 */
export function mergeByTime(lists: ServiceLogLine[][]): ServiceLogLine[] {
  return lists
    .flatMap((lines, source) => lines.map((line, index) => ({ line, source, index })))
    .sort((a, b) =>
      a.line.time < b.line.time
        ? -1
        : a.line.time > b.line.time
          ? 1
          : a.source - b.source || a.index - b.index,
    )
    .map((x) => x.line);
}
