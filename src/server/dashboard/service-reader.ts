/**
 * The one reader of a service while any page of its tenant is open: it follows its load
 * balancer's log (one stream: reloads, every replica's state and last check, as they happen) and
 * reads its counters every few seconds (one exec of the one-shot client), keeping the charts'
 * points, the latest activity and the change in progress. The tenant's feed (feed.ts) hands it
 * each observation of the service and the engine's events of its containers.
 */
import type { Core, ObservedService } from '../../core/backend.js';
import type { ContainerEvent } from '../../engine/engine.js';
import type { LbView } from '../../haproxy/lb-log.js';
import type { LbLine } from '../../lb/driver.js';
import type { ServerCounters } from '../../lb/stats.js';
import { type ActivityLine, eventActivity, lbActivity } from './activity.js';
import { type ServiceBoard, serviceBoard } from './board.js';
import { ChangeTracker } from './progress.js';
import { type Reading, type Sample, SampleRing, sampleOf } from './samples.js';

export interface ReaderOptions {
  /** How often the counters are read (ms). */
  countersMs: number;
  /** How many points the charts keep. */
  points: number;
  /** How long before a log stream that ended is followed again (ms). */
  retryMs: number;
  now: () => number;
}

/** What a reader tells its feed: its board changed, or a new point of its charts. */
export type ReaderNews = { kind: 'state' } | { kind: 'sample'; sample: Sample };

/** How many lines of activity a service keeps. */
const ACTIVITY = 40;

export class ServiceReader {
  private service: ObservedService;
  private view: LbView | undefined;
  private counters: { lb: string; reading: Reading } | undefined;
  private countersError: string | undefined;
  private readonly ring: SampleRing;
  private readonly activity: ActivityLine[] = [];
  private readonly change = new ChangeTracker();
  private follow: { lb: string; abort: AbortController } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly core: Core,
    service: ObservedService,
    private readonly opts: ReaderOptions,
    private readonly news: (n: ReaderNews) => void,
  ) {
    this.service = service;
    this.ring = new SampleRing(opts.points);
    this.update(service);
  }

  get name(): string {
    return this.service.name;
  }

  /** A new observation of the service. */
  update(s: ObservedService): void {
    this.service = s;
    const lb = s.lbContainer;
    if (this.follow?.lb !== lb) {
      this.follow?.abort.abort();
      this.follow = undefined;
      this.view = undefined;
      if (lb) this.startFollow(lb);
    }
    if (lb && !this.timer) this.timer = setTimeout(() => void this.readCounters(), 0);
    this.change.observed(s, this.view, this.opts.now(), this.activity);
  }

  /** An engine event of one of its containers (or lines that came before the reader did). */
  engineEvent(e: ContainerEvent): void {
    const line = eventActivity(e);
    if (line) this.add(line);
  }

  add(line: ActivityLine): void {
    this.activity.push(line);
    if (this.activity.length > ACTIVITY) this.activity.shift();
    this.change.step(line);
    this.news({ kind: 'state' });
  }

  board(): ServiceBoard {
    return serviceBoard(this.service, {
      view: this.view,
      counters: this.counters?.reading.servers,
      countersError: this.countersError,
      change: this.change.board(),
      activity: [...this.activity],
    });
  }

  points(): Sample[] {
    return this.ring.all();
  }

  stop(): void {
    this.stopped = true;
    this.follow?.abort.abort();
    this.follow = undefined;
    clearTimeout(this.timer);
  }

  private startFollow(lb: string): void {
    const abort = new AbortController();
    this.follow = { lb, abort };
    const onLine = (line: LbLine) => {
      this.view = line.view;
      const said = lbActivity(line);
      if (said) this.add(said);
      else this.news({ kind: 'state' });
    };
    const ended = () => {
      if (abort.signal.aborted || this.stopped) return;
      // The stream ended (the load balancer stopped, or the engine closed it): follow it again
      // later, should it still be the service's running one.
      this.follow = undefined;
      setTimeout(() => {
        if (!this.stopped && !this.follow && this.service.lbContainer === lb) this.startFollow(lb);
      }, this.opts.retryMs).unref();
    };
    this.core.lb.follow(lb, { signal: abort.signal }, onLine).then(ended, ended);
  }

  /** One reading of the counters, and the next one scheduled. */
  private async readCounters(): Promise<void> {
    const lb = this.service.lbContainer;
    if (this.stopped || !lb) {
      this.timer = undefined;
      return;
    }
    try {
      const servers: ServerCounters[] = await this.core.lb.stats(lb);
      const reading = { t: this.opts.now(), servers };
      const before = this.counters?.lb === lb ? this.counters.reading : undefined;
      this.counters = { lb, reading };
      this.countersError = undefined;
      if (before) {
        const sample = sampleOf(before, reading);
        this.ring.push(sample);
        this.news({ kind: 'sample', sample });
      }
    } catch (err) {
      this.countersError = err instanceof Error ? err.message : String(err);
    }
    this.news({ kind: 'state' });
    if (!this.stopped) this.timer = setTimeout(() => void this.readCounters(), this.opts.countersMs);
  }
}
