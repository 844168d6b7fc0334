import { describe, expect, it } from 'vitest';
import { logSources } from '../../src/backends/local/logs.js';
import { mergeByTime, type ServiceLogLine, splitTimestamp } from '../../src/core/log-lines.js';
import { parseSince, serviceLogs } from '../../src/core/service-logs.js';
import type { ContainerSummary } from '../../src/engine/engine.js';
import { lbOf, readSnapshot, serviceOf, specNamed, TENANT } from '../support/containers.js';
import { FakeWorld, fakeCore } from '../support/fake-engine.js';

const line = (source: string, time: string, text = `${source}@${time}`): ServiceLogLine => ({
  source,
  replica: null,
  stream: 'stdout',
  time,
  text,
});

describe('splitTimestamp', () => {
  it('splits the engine timestamp from the text (and a TTY’s carriage return)', () => {
    expect(splitTimestamp('2024-05-01T10:00:00.123456789Z GET / 200\r')).toEqual({
      time: '2024-05-01T10:00:00.123456789Z',
      text: 'GET / 200',
    });
    expect(splitTimestamp('2024-05-01T10:00:00.123456789Z ')).toEqual({
      time: '2024-05-01T10:00:00.123456789Z',
      text: '',
    });
    expect(splitTimestamp('no time here')).toEqual({ time: '', text: 'no time here' });
  });
});

describe('mergeByTime', () => {
  it('orders all sources by time, keeping each source’s order on ties', () => {
    const a = [line('a', '2024-05-01T10:00:01.000000000Z'), line('a', '2024-05-01T10:00:03.000000000Z')];
    const b = [
      line('b', '2024-05-01T10:00:00.000000000Z'),
      line('b', '2024-05-01T10:00:03.000000000Z', 'b1'),
      line('b', '2024-05-01T10:00:03.000000000Z', 'b2'),
    ];
    expect(mergeByTime([a, b]).map((l) => l.text)).toEqual([
      'b@2024-05-01T10:00:00.000000000Z',
      'a@2024-05-01T10:00:01.000000000Z',
      'a@2024-05-01T10:00:03.000000000Z',
      'b1',
      'b2',
    ]);
  });
});

describe('parseSince', () => {
  const now = Date.parse('2024-05-01T10:00:00Z');
  it('takes a duration back from now, or a date and time', () => {
    expect(parseSince('10m', now)).toBe(now / 1000 - 600);
    expect(parseSince('1h30m', now)).toBe(now / 1000 - 5400);
    expect(parseSince('2024-05-01T09:00:00Z', now)).toBe(now / 1000 - 3600);
    expect(parseSince('2024-05-01T11:00:00+02:00', now)).toBe(now / 1000 - 3600);
  });
  it('refuses anything else', () => {
    expect(() => parseSince('yesterday', now)).toThrow(/--since: expected a duration/);
    expect(() => parseSince('2024-13-45T00:00:00Z', now)).toThrow(/not a date and time/);
  });
});

describe('logSources', () => {
  it('names replicas NAME-N and the load balancer lb (only when asked for)', () => {
    const [s] = readSnapshot(TENANT, serviceOf(specNamed('web', { Replicas: 2 }))).services;
    const svc = s as NonNullable<typeof s>;
    expect(logSources(svc, false).map((x) => x.label)).toEqual(['web-1', 'web-2']);
    expect(logSources(svc, true).map((x) => [x.label, x.replica])).toEqual([
      ['web-1', 1],
      ['web-2', 2],
      ['lb', null],
    ]);
  });
});

/** Logs per container (the fake engine's): each attach gets the lines after `since`, then ends. */
function logEngine(containers: ContainerSummary[], lines: Map<string, string[]>) {
  const world = new FakeWorld().adopt(containers);
  for (const [id, l] of lines) world.logLines.set(id, l);
  return {
    core: fakeCore(world, TENANT),
    attaches: world.logRequests,
    setLive(c: ContainerSummary[]) {
      world.drop(() => false);
      world.adopt(c);
    },
    setLines(id: string, l: string[]) {
      world.logLines.set(id, l);
    },
  };
}

describe('serviceLogs', () => {
  const containers = serviceOf(specNamed('web', { Replicas: 2 }));
  const [, , r1, r2] = containers as [ContainerSummary, ContainerSummary, ContainerSummary, ContainerSummary];
  const t = (s: number) => `2024-05-01T10:00:0${s}.000000000Z`;

  it('merges the replicas’ lines by time, the tail of each', async () => {
    const lines = new Map([
      [r1.id, [`${t(1)} one-a`, `${t(3)} one-b`, `${t(5)} one-c`]],
      [r2.id, [`${t(2)} two-a`, `${t(4)} two-b`]],
    ]);
    const { core } = logEngine(containers, lines);
    const got: ServiceLogLine[] = [];
    await serviceLogs(core, 'web', { follow: false, lb: false, tail: 2 }, (l) => got.push(l));
    expect(got.map((l) => `${l.source} ${l.text}`)).toEqual([
      'web-2 two-a',
      'web-1 one-b',
      'web-2 two-b',
      'web-1 one-c',
    ]);
    expect(got[1]).toMatchObject({ replica: 1, time: t(3), stream: 'stdout' });
  });

  it('follows a replica that restarts without repeating a line, and ends when the service is gone', async () => {
    const lines = new Map([
      [r1.id, [`${t(1)} one-a`]],
      [r2.id, [`${t(1)} two-a`]],
    ]);
    const { core, attaches, setLive, setLines } = logEngine(containers, lines);
    const got: string[] = [];
    const done = serviceLogs(core, 'web', { follow: true, lb: false, pollMs: 5 }, (l) =>
      got.push(`${l.source} ${l.text}`),
    );
    await new Promise((r) => setTimeout(r, 30));
    // Replica 1 crashed and came back, and wrote more; the engine repeats the second it resumes in.
    setLines(r1.id, [`${t(1)} one-a`, `${t(1)} one-a`, `${t(2)} one-b`]);
    await new Promise((r) => setTimeout(r, 30));
    setLive([lbOf('unrelated')]);
    await done;
    expect(got.filter((g) => g.startsWith('web-1'))).toEqual(['web-1 one-a', 'web-1 one-b']);
    expect(got.filter((g) => g.startsWith('web-2'))).toEqual(['web-2 two-a']);
    expect(attaches.filter((a) => a.id === r1.id).length).toBeGreaterThan(1);
    expect(attaches.every((a) => a.opts.follow && a.opts.timestamps)).toBe(true);
  });

  it('stops following when aborted', async () => {
    const { core } = logEngine(containers, new Map());
    const abort = new AbortController();
    const done = serviceLogs(
      core,
      'web',
      { follow: true, lb: true, signal: abort.signal, pollMs: 5 },
      () => {},
    );
    setTimeout(() => abort.abort(), 20);
    await expect(done).resolves.toBeUndefined();
  });
});
