/**
 * What the open pages of a tenant are fed, from one set of readers however many pages are open:
 * the engine's events of the tenant's containers (one stream), an observation of the tenant (one
 * list call) when they say something changed and every `refreshMs` besides (a command killed
 * outright sends no event), and one reader per service (service-reader.ts: its load balancer's
 * log, its counters). The readers start with the tenant's first page and stop `lingerMs` after
 * its last one left (a page reloading keeps its charts).
 */
import type { Core } from '../../core/backend.js';
import { observe } from '../../core/observe.js';
import type { ContainerEvent, EngineInfo } from '../../engine/engine.js';
import { LABEL, labelFilter } from '../../model/naming.js';
import { eventActivity } from './activity.js';
import type { ServiceBoard } from './board.js';
import type { Sample } from './samples.js';
import { type ReaderNews, type ReaderOptions, ServiceReader } from './service-reader.js';

export interface FeedOptions extends ReaderOptions {
  /** How often the tenant is observed without an event asking for it (ms). */
  refreshMs: number;
  /** How long the readers go on after the last page left (ms). */
  lingerMs: number;
  /** How long news gathers before the pages get the new state (ms). */
  settleMs: number;
}

export const FEED_DEFAULTS: Omit<FeedOptions, 'now'> = {
  countersMs: 5_000,
  points: 120,
  retryMs: 2_000,
  refreshMs: 15_000,
  lingerMs: 10_000,
  settleMs: 250,
};

/** Every service of the tenant, as the pages show them. */
export interface BoardState {
  Tenant: string;
  Services: ServiceBoard[];
}

export type FeedMessage =
  | { event: 'state'; data: BoardState }
  | { event: 'samples'; data: { Service: string; Points: Sample[] } }
  | { event: 'problem'; data: { Message: string } };

export type Listener = (m: FeedMessage) => void;

export class TenantFeed {
  private readonly listeners = new Set<Listener>();
  private readonly readers = new Map<string, ServiceReader>();
  /** Events of services not observed yet (just created): given to their reader once it exists. */
  private readonly early = new Map<string, ContainerEvent[]>();
  private run: { abort: AbortController; refresh: NodeJS.Timeout; info?: EngineInfo } | undefined;
  private linger: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private observing: Promise<void> | undefined;
  private again = false;
  private sent: string | undefined;
  private problem: string | undefined;

  constructor(
    private readonly core: Core,
    private readonly opts: FeedOptions,
    /** Called once the readers stopped (the last page left). */
    private readonly onIdle: () => void = () => undefined,
  ) {}

  get pages(): number {
    return this.listeners.size;
  }

  /** A page: it gets the state and the charts' points so far at once, then every change. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    clearTimeout(this.linger);
    this.linger = undefined;
    if (!this.run) this.start();
    else this.greet(listener);
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size > 0) return;
      this.linger = setTimeout(() => this.stop(), this.opts.lingerMs);
    };
  }

  /** Stop every reader now. */
  stop(): void {
    clearTimeout(this.linger);
    clearTimeout(this.settle);
    this.linger = undefined;
    this.settle = undefined;
    if (!this.run) return;
    this.run.abort.abort();
    clearInterval(this.run.refresh);
    this.run = undefined;
    for (const r of this.readers.values()) r.stop();
    this.readers.clear();
    this.early.clear();
    this.sent = undefined;
    this.onIdle();
  }

  private greet(listener: Listener): void {
    if (this.sent) listener({ event: 'state', data: JSON.parse(this.sent) as BoardState });
    if (this.problem) listener({ event: 'problem', data: { Message: this.problem } });
    for (const r of this.readers.values()) {
      const points = r.points();
      if (points.length > 0) listener({ event: 'samples', data: { Service: r.name, Points: points } });
    }
  }

  private send(m: FeedMessage): void {
    for (const l of this.listeners) l(m);
  }

  private start(): void {
    const abort = new AbortController();
    const refresh = setInterval(() => this.look(), this.opts.refreshMs);
    this.run = { abort, refresh };
    this.follow(abort.signal);
    this.look();
  }

  /** The engine's events of the tenant's containers, followed again should the stream end. */
  private follow(signal: AbortSignal): void {
    const again = (err?: unknown) => {
      if (signal.aborted) return;
      if (err) this.say(`cannot follow the engine's events: ${err instanceof Error ? err.message : err}`);
      setTimeout(() => {
        if (!signal.aborted) this.follow(signal);
      }, this.opts.retryMs).unref();
    };
    this.core.engine
      .events(labelFilter(this.core.tenant), { signal }, (e) => this.onEvent(e))
      .then(() => again(), again);
  }

  private onEvent(e: ContainerEvent): void {
    const name = e.labels[LABEL.service];
    const reader = name ? this.readers.get(name) : undefined;
    if (reader) reader.engineEvent(e);
    else if (name) this.early.set(name, [...(this.early.get(name) ?? []), e].slice(-20));
    this.look();
  }

  /** Observe the tenant (once at a time; a call meanwhile makes one more after it). */
  private look(): void {
    if (!this.run) return;
    if (this.observing) {
      this.again = true;
      return;
    }
    this.observing = this.observeOnce().finally(() => {
      this.observing = undefined;
      if (this.again && this.run) {
        this.again = false;
        this.look();
      }
    });
  }

  private async observeOnce(): Promise<void> {
    const run = this.run;
    if (!run) return;
    try {
      run.info ??= await this.core.engine.info();
      const { services } = await observe(this.core, run.info);
      if (this.run !== run) return;
      this.say(undefined);
      const seen = new Set<string>();
      for (const s of services) {
        seen.add(s.name);
        const reader = this.readers.get(s.name);
        if (reader) reader.update(s);
        else this.readers.set(s.name, this.newReader(s));
      }
      for (const [name, r] of this.readers) {
        if (seen.has(name)) continue;
        r.stop();
        this.readers.delete(name);
      }
      this.early.clear();
      this.changed();
    } catch (err) {
      if (this.run === run)
        this.say(`cannot observe the services: ${err instanceof Error ? err.message : err}`);
    }
  }

  private newReader(s: Parameters<ServiceReader['update']>[0]): ServiceReader {
    const reader = new ServiceReader(this.core, s, this.opts, (n: ReaderNews) => {
      if (n.kind === 'sample')
        this.send({ event: 'samples', data: { Service: reader.name, Points: [n.sample] } });
      else this.changed();
    });
    for (const e of this.early.get(s.name) ?? []) {
      const line = eventActivity(e);
      if (line) reader.add(line);
    }
    return reader;
  }

  private say(problem: string | undefined): void {
    if (problem === this.problem) return;
    this.problem = problem;
    this.send({ event: 'problem', data: { Message: problem ?? '' } });
  }

  /** Something changed: the pages get the new state once news settled (unless it is the same). */
  private changed(): void {
    if (this.settle || !this.run) return;
    this.settle = setTimeout(() => {
      this.settle = undefined;
      if (!this.run) return;
      const state: BoardState = {
        Tenant: this.core.tenant,
        Services: [...this.readers.values()]
          .map((r) => r.board())
          .sort((a, b) => a.Name.localeCompare(b.Name)),
      };
      const text = JSON.stringify(state);
      if (text === this.sent) return;
      this.sent = text;
      this.send({ event: 'state', data: state });
    }, this.opts.settleMs);
  }
}

/** The feeds of every tenant with a page open: one each, made with its first page, gone after its last. */
export class Feeds {
  private readonly feeds = new Map<string, TenantFeed>();

  constructor(
    private readonly coreOf: (tenant: string) => Core,
    private readonly opts: FeedOptions,
  ) {}

  subscribe(tenant: string, listener: Listener): () => void {
    let feed = this.feeds.get(tenant);
    if (!feed) {
      const made = new TenantFeed(this.coreOf(tenant), this.opts, () => {
        if (this.feeds.get(tenant) === made) this.feeds.delete(tenant);
      });
      this.feeds.set(tenant, made);
      feed = made;
    }
    return feed.subscribe(listener);
  }

  /** Tenants whose readers run now. */
  get running(): string[] {
    return [...this.feeds.keys()];
  }

  stop(): void {
    for (const f of [...this.feeds.values()]) f.stop();
    this.feeds.clear();
  }
}
