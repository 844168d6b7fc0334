/**
 * `svc logs` of a local service: each replica container's log (and its load balancer's with
 * `lb`). With `follow`, a replica that restarts (crash, engine restart) or appears (scale) is
 * followed again without repeating a line.
 */
import type { Core, ObservedService } from '../../core/backend.js';
import {
  LB_SOURCE,
  type LogSource,
  mergeByTime,
  type ServiceLogLine,
  type ServiceLogOptions,
  splitTimestamp,
} from '../../core/log-lines.js';
import { observe } from '../../core/observe.js';
import type { LogLine } from '../../engine/engine.js';

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

function toLine(src: LogSource, line: LogLine): ServiceLogLine {
  const { time, text } = splitTimestamp(line.text);
  return { source: src.label, replica: src.replica, stream: line.stream, time, text };
}

/** The service's logs; `onLine` gets each line (merged by time unless following). */
export async function localLogs(
  core: Core,
  service: ObservedService,
  opts: ServiceLogOptions,
  onLine: (line: ServiceLogLine) => void,
): Promise<void> {
  const sources = logSources(service, opts.lb);
  opts.onSources?.(sources.map((s) => s.label));
  if (!opts.follow) {
    const lists = await Promise.all(
      sources.map(async (src) => {
        const lines: ServiceLogLine[] = [];
        await core.engine.logs(src.id, { timestamps: true, tail: opts.tail, since: opts.since }, (l) =>
          lines.push(toLine(src, l)),
        );
        return lines;
      }),
    );
    for (const line of mergeByTime(lists)) onLine(line);
    return;
  }
  await new LogFollower(core, service.name, opts, onLine).run(sources);
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
    private readonly core: Core,
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
        s = (await observe(this.core)).services.find((x) => x.name === this.name);
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
    const p = this.core.engine
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
