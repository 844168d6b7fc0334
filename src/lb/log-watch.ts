/**
 * Following a load balancer's stderr through the engine's log stream: HAProxy's own account of
 * its reloads and of every replica's health (src/haproxy/lb-log.ts), as it happens. No process
 * runs in the container and nothing polls: each line moves the view on, and waits resolve on it.
 */
import type { Engine } from '../engine/engine.js';
import { InterruptedError, SvcError } from '../errors.js';
import { type LbLogEvent, LbLogFold, type LbView } from '../haproxy/lb-log.js';
import { BACKEND_NAME } from '../haproxy/render-config.js';

/** What a wait decides on each line: go on waiting (undefined), done (true), or fail (an Error). */
export type Verdict = boolean | Error | undefined;

export class LogWatch {
  readonly fold = new LbLogFold(BACKEND_NAME);
  /** The last lines, for error messages. */
  readonly tail: string[] = [];
  /** How many reloads the master has begun (`Reloading HAProxy`) since the watch opened. */
  reloads = 0;
  private ended: { error?: unknown } | undefined;
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;

  private constructor() {}

  /**
   * Start following container `id`'s stderr (`since` in Unix seconds: from then on, replayed
   * first; else only what comes next). Resolves once the engine streams.
   */
  static async open(engine: Engine, id: string, opts: { since?: number } = {}): Promise<LogWatch> {
    const w = new LogWatch();
    let opened!: () => void;
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const done = engine
      .logs(
        id,
        {
          follow: true,
          streams: 'stderr',
          since: opts.since,
          tail: opts.since === undefined ? 0 : undefined,
          signal: w.abort.signal,
          onOpen: opened,
        },
        (line) => w.line(line.text),
      )
      .then(
        () => w.end({}),
        (error: unknown) => w.end({ error }),
      );
    await Promise.race([open, done]);
    if (w.ended?.error) throw w.ended.error;
    return w;
  }

  private line(text: string): void {
    if (this.fold.push(text)?.kind === 'reloading') this.reloads += 1;
    this.tail.push(text);
    if (this.tail.length > 12) this.tail.shift();
    this.wake?.();
  }

  private end(how: { error?: unknown }): void {
    this.ended ??= how;
    this.wake?.();
  }

  /** Ask the waiting `until` again now (something it decides on, besides the log, changed). */
  poke(): void {
    this.wake?.();
  }

  get view(): LbView {
    return this.fold.current();
  }

  /** True once the stream ended (the container stopped, or the engine closed it). */
  get closed(): boolean {
    return this.ended !== undefined;
  }

  /**
   * Wait until `decide` (asked now and after every line) says done or fails. Rejects with
   * `onTimeout()` after `timeoutMs`, with `onEnd()` if the stream ends first, and with an
   * InterruptedError when `signal` aborts.
   */
  async until(
    decide: () => Verdict,
    opts: { timeoutMs: number; signal?: AbortSignal; onTimeout: () => Error; onEnd: () => Error },
  ): Promise<void> {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const verdict = decide();
      if (verdict instanceof Error) throw verdict;
      if (verdict === true) return;
      if (this.ended) throw this.ended.error instanceof SvcError ? this.ended.error : opts.onEnd();
      if (opts.signal?.aborted) throw new InterruptedError('interrupted');
      const left = deadline - Date.now();
      if (left <= 0) throw opts.onTimeout();
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 1000));
        opts.signal?.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  close(): void {
    this.abort.abort();
  }
}

/** One line of a followed load balancer's log. */
export interface LbLine {
  /** HAProxy's line, without the engine's timestamp. */
  text: string;
  /** When the engine took it (Unix seconds, with fractions). */
  time: number;
  /** What it says, if anything svc reads. */
  event: LbLogEvent | undefined;
  /** The load balancer as the log says, after this line. */
  view: LbView;
}

/**
 * Follow container `id`'s stderr from its start (replayed first, folded as `view` folds it) until
 * `signal` aborts or the container stops: every line, with the view after it.
 */
export async function followLog(
  engine: Engine,
  id: string,
  opts: { signal: AbortSignal; onOpen?: () => void },
  onLine: (line: LbLine) => void,
): Promise<void> {
  const detail = await engine.inspectContainer(id);
  const since = Math.floor(Date.parse(detail.startedAt) / 1000) || 0;
  const fold = new LbLogFold(BACKEND_NAME);
  await engine.logs(
    id,
    { follow: true, streams: 'stderr', since, timestamps: true, signal: opts.signal, onOpen: opts.onOpen },
    (l) => {
      const sp = l.text.indexOf(' ');
      const time = Date.parse(l.text.slice(0, sp)) / 1000;
      const text = Number.isNaN(time) ? l.text : l.text.slice(sp + 1);
      const event = fold.push(text);
      onLine({ text, time: Number.isNaN(time) ? Date.now() / 1000 : time, event, view: fold.current() });
    },
  );
}
