/**
 * The dashboard's feeds on the fake engine: one set of readers per tenant however many pages
 * are open, each tenant fed only its own services, an engine event bringing a new state, the
 * readers gone after the last page.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Core } from '../../../src/core/backend.js';
import {
  type BoardState,
  FEED_DEFAULTS,
  type FeedMessage,
  Feeds,
} from '../../../src/server/dashboard/feed.js';
import { OTHER_TENANT, replicaOf, serviceOf, specNamed, TENANT } from '../../support/containers.js';
import { FakeWorld, fakeCore } from '../../support/fake-engine.js';

const OPTS = { ...FEED_DEFAULTS, now: Date.now, settleMs: 5, lingerMs: 30, refreshMs: 60_000 };

let feeds: Feeds | undefined;
afterEach(() => feeds?.stop());

/** A world with web (tenant A, labelled with HTML) and db (tenant B); its cores count their reads. */
function setUp() {
  const world = new FakeWorld().adopt([
    ...serviceOf(specNamed('web', { Replicas: 2, Labels: { note: '<script>x</script>"' } })),
    ...serviceOf(specNamed('db', { Replicas: 1 }), OTHER_TENANT),
  ]);
  const reads = { list: 0, follow: 0, stats: 0, events: 0 };
  const coreOf = (tenant: string): Core => {
    const core = fakeCore(world, tenant);
    const count = <T extends object>(o: T, method: keyof T & string, key: keyof typeof reads) => {
      const f = (o[method] as (...a: unknown[]) => unknown).bind(o);
      (o as Record<string, unknown>)[method] = (...a: unknown[]) => {
        reads[key]++;
        return f(...a);
      };
    };
    count(core.engine, 'listContainers', 'list');
    count(core.engine, 'events', 'events');
    count(core.lb, 'follow', 'follow');
    count(core.lb, 'stats', 'stats');
    return core;
  };
  feeds = new Feeds(coreOf, OPTS);
  return { world, reads, feeds };
}

/** A page: what it was sent, and the services of the latest state. */
function page(f: Feeds, tenant: string) {
  const got: FeedMessage[] = [];
  const leave = f.subscribe(tenant, (m) => got.push(m));
  const latest = () => [...got].reverse().find((m) => m.event === 'state')?.data as BoardState | undefined;
  return { got, leave, names: () => latest()?.Services.map((s) => s.Name), latest };
}

describe('Feeds', () => {
  it('ten pages of a tenant share one events stream, one log follow and one counter reader per service', async () => {
    const { reads, feeds: f, world } = setUp();
    const pages = Array.from({ length: 10 }, () => page(f, TENANT));
    await vi.waitFor(() => expect(pages.every((p) => p.names()?.join() === 'web')).toBe(true));
    expect(reads.events).toBe(1);
    expect(reads.follow).toBe(1);
    expect(world.eventFollowers.size).toBe(1);
    // One observation at the start, not one a page.
    expect(reads.list).toBeLessThanOrEqual(2);
    expect(f.running).toEqual([TENANT]);
  });

  it('a tenant sees only its own services; labels reach the page as data, unchanged', async () => {
    const { feeds: f } = setUp();
    const a = page(f, TENANT);
    const b = page(f, OTHER_TENANT);
    await vi.waitFor(() => expect(a.names()).toEqual(['web']));
    await vi.waitFor(() => expect(b.names()).toEqual(['db']));
    expect(a.latest()?.Tenant).toBe(TENANT);
    expect(JSON.stringify(b.got)).not.toContain('web');
    expect(a.latest()?.Services[0]?.Labels).toEqual({ note: '<script>x</script>"' });
  });

  it('an engine event of the tenant brings the new state; the readers stop after the last page left', async () => {
    const { feeds: f, world, reads } = setUp();
    const p = page(f, TENANT);
    await vi.waitFor(() => expect(p.latest()?.Services[0]?.ReplicaDetail).toHaveLength(2));
    const third = replicaOf('web', 3);
    world.adopt([third]);
    world.emit({
      action: 'start',
      id: third.id,
      name: third.name,
      labels: third.labels,
      time: Date.now() / 1000,
    });
    await vi.waitFor(() => expect(p.latest()?.Services[0]?.ReplicaDetail).toHaveLength(3));
    const activity = p.latest()?.Services[0]?.Activity.map((l) => l.Text);
    expect(activity).toContain(`replica 3 (${third.name}) started`);
    // A second page meanwhile gets the state at once, without another observation.
    const before = reads.list;
    const q = page(f, TENANT);
    expect(q.names()).toEqual(['web']);
    expect(reads.list).toBe(before);
    p.leave();
    q.leave();
    expect(f.running).toEqual([TENANT]);
    await vi.waitFor(() => expect(f.running).toEqual([]));
    expect(world.eventFollowers.size).toBe(0);
  });
});
