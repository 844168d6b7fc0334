/**
 * `svc logs NAME`: the output of the service's replicas (and its load balancer's with `lb`),
 * line by line, each line tagged with where it came from. Without `follow` the lines of all
 * sources are merged in time order; with `follow` they come as they are written, until the
 * signal aborts or the service is gone, and a replica that restarts (crash, engine restart) or
 * appears (scale) is followed again without repeating a line. The engine is always asked for
 * timestamps, which order and de-duplicate lines; they are shown only when asked for.
 */
import type { Engine, LogLine } from '../engine/engine.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { findService, type ObservedService, observe } from './observe.js';

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

/** The containers whose logs are read: replicas by number, then the load balancer. */
export function logSources(s: ObservedService, withLb: boolean): LogSource[] {
  const sources: LogSource[] = s.replicas.map((r) => ({
    label: `${s.name}-${r.number}`,
    replica: r.number,
    id: r.id,
    running: r.state === 'running',
  }));
  if (withLb && s.lb)
    sources.push({ label: LB_SOURCE, replica: null, id: s.lb.id, running: s.lb.state === 'running' });
  return sources;
}

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

function toLine(src: LogSource, line: LogLine): ServiceLogLine {
  const { time, text } = splitTimestamp(line.text);
  return { source: src.label, replica: src.replica, stream: line.stream, time, text };
}

/** The service's logs; `onLine` gets each line (merged by time unless following). */
export async function serviceLogs(
  engine: Engine,
  tenant: string,
  name: string,
  opts: ServiceLogOptions,
  onLine: (line: ServiceLogLine) => void,
): Promise<void> {
  const service = findService(await observe(engine, tenant), name);
  if (service.backend === 'swarm')
    return (await import('../backends/swarm/logs.js')).swarmServiceLogs(engine, service, opts, onLine);
  const sources = logSources(service, opts.lb);
  opts.onSources?.(sources.map((s) => s.label));
  if (!opts.follow) {
    const lists = await Promise.all(
      sources.map(async (src) => {
        const lines: ServiceLogLine[] = [];
        await engine.logs(src.id, { timestamps: true, tail: opts.tail, since: opts.since }, (l) =>
          lines.push(toLine(src, l)),
        );
        return lines;
      }),
    );
    for (const line of mergeByTime(lists)) onLine(line);
    return;
  }
  await new LogFollower(engine, tenant, name, opts, onLine).run(sources);
}

interface Followed {
  src: LogSource;
  /** The time of the last line delivered: after a re-attach, older lines are repeats. */
  last: string;
  attached: boolean;
}

/**
 * `--follow`: a stream of each source's lines, attached again when the source restarts, and a
 * look at the service every `pollMs` for sources that appeared; until the caller's signal, or
 * the service is gone.
 */
class LogFollower {
  /** Aborted by the caller's signal, or here once the service is gone. */
  private readonly stop = new AbortController();
  private readonly startedAt = Math.floor(Date.now() / 1000);
  private readonly followed = new Map<string, Followed>();
  private readonly streams = new Set<Promise<void>>();

  constructor(
    private readonly engine: Engine,
    private readonly tenant: string,
    private readonly name: string,
    private readonly opts: ServiceLogOptions,
    private readonly onLine: (line: ServiceLogLine) => void,
  ) {}

  async run(initial: LogSource[]): Promise<void> {
    const { signal } = this.stop;
    const onAbort = () => this.stop.abort();
    if (this.opts.signal?.aborted) this.stop.abort();
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    for (const src of initial) this.attach(this.follow(src), true);
    const pollMs = this.opts.pollMs ?? 1000;
    while (!signal.aborted) {
      await sleep(pollMs, signal);
      if (signal.aborted) break;
      let s: ObservedService | undefined;
      try {
        s = (await observe(this.engine, this.tenant)).services.find((x) => x.name === this.name);
      } catch {
        continue; // the engine hiccupped; look again
      }
      if (!s) break; // the service is gone (svc rm)
      this.refresh(s);
    }
    this.stop.abort();
    this.opts.signal?.removeEventListener('abort', onAbort);
    await Promise.all(this.streams);
  }

  private follow(src: LogSource): Followed {
    const f: Followed = { src, last: '', attached: false };
    this.followed.set(src.id, f);
    return f;
  }

  /** Sources that appeared are followed from the start of this command; restarted ones again. */
  private refresh(s: ObservedService): void {
    for (const src of logSources(s, this.opts.lb)) {
      const known = this.followed.get(src.id);
      if (!known) {
        // A replica that appeared (scale, rolling update): from the start of this command.
        const f = this.follow(src);
        this.opts.onSources?.([...this.followed.values()].map((x) => x.src.label));
        if (src.running) this.attach(f, false);
      } else if (!known.attached && src.running) {
        this.attach(known, false); // it restarted: carry on after the last line seen
      }
    }
  }

  private attach(f: Followed, first: boolean): void {
    f.attached = true;
    const since = first
      ? this.opts.since
      : Math.floor(Date.parse(f.last || new Date(this.startedAt * 1000).toISOString()) / 1000);
    const options = {
      follow: true,
      timestamps: true,
      signal: this.stop.signal,
      ...(first ? { tail: this.opts.tail } : {}),
      since,
    };
    const p = this.engine
      .logs(f.src.id, options, (l) => {
        const line = toLine(f.src, l);
        if (!first && line.time !== '' && line.time <= f.last) return;
        if (line.time) f.last = line.time;
        this.onLine(line);
      })
      .catch(() => undefined) // gone meanwhile: the next look decides
      .finally(() => {
        f.attached = false;
        this.streams.delete(p);
      });
    this.streams.add(p);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
