/**
 * untilHealthy: Docker's verdict on the replicas' containers (inspected, as the engine gives it)
 * gating a wait. The engine below answers inspectContainer from a script of verdicts.
 * exitGuard: a replica that exits while a wait goes on, from the engine's events or as found.
 */
import { describe, expect, it, vi } from 'vitest';
import type {
  ContainerDetail,
  ContainerEvent,
  ContainerHealth,
  ContainerState,
  Engine,
  EventOptions,
  LogOptions,
} from '../../src/engine/engine.js';
import { InternalError, InterruptedError } from '../../src/errors.js';
import { exitGuard, untilHealthy } from '../../src/lb/health.js';

/** Each container's verdicts in turn (the last one stays); undefined: no health check. */
function healthEngine(script: Record<string, Array<ContainerHealth | undefined>>) {
  const asked: string[] = [];
  const engine = {
    async inspectContainer(name: string): Promise<ContainerDetail> {
      asked.push(name);
      const verdicts = script[name] ?? [undefined];
      const health = verdicts.length > 1 ? verdicts.shift() : verdicts[0];
      return {
        id: name,
        name,
        image: 'app:1',
        state: 'running',
        labels: {},
        created: 0,
        addresses: {},
        ports: [],
        exitCode: 0,
        error: '',
        startedAt: '',
        user: '',
        restartPolicy: 'unless-stopped',
        hasHealthCheck: name in script && script[name]?.[0] !== undefined,
        healthOutput: health === 'unhealthy' ? 'wget: server returned error: HTTP/1.1 503' : '',
        ...(health ? { health } : {}),
      };
    },
  } as unknown as Engine;
  return { engine, asked };
}

const opts = { timeoutMs: 5000 };

describe('untilHealthy', () => {
  it('passes at once for containers without a health check (one look each)', async () => {
    const { engine, asked } = healthEngine({});
    await untilHealthy(engine, ['a', 'b'], opts);
    expect(asked).toEqual(['a', 'b']);
  });

  it('waits while one is starting, asking only those with a health check again', async () => {
    const { engine, asked } = healthEngine({ a: ['starting', 'starting', 'healthy'] });
    const said: string[] = [];
    await untilHealthy(engine, ['a', 'b'], { ...opts, onProgress: (t) => said.push(t) });
    expect(asked).toEqual(['a', 'b', 'a', 'a']);
    expect(said).toEqual(['waiting for Docker health: 0/1 healthy']);
  });

  it('fails at once when one is unhealthy, saying what its check said', async () => {
    const { engine } = healthEngine({ a: ['starting', 'unhealthy'], b: ['starting'] });
    const err = await untilHealthy(engine, ['a', 'b'], opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalError);
    expect((err as Error).message).toBe(
      'a is unhealthy by its health check (HEALTHCHECK of app:1): its last check said "wget: server returned error: HTTP/1.1 503"',
    );
  });

  it('one that was healthy and turns unhealthy while another still starts fails the wait too', async () => {
    const { engine } = healthEngine({ a: ['healthy', 'unhealthy'], b: ['starting'] });
    await expect(untilHealthy(engine, ['a', 'b'], opts)).rejects.toThrow(/^a is unhealthy/);
  });

  it('times out naming those not healthy, and stops when interrupted', async () => {
    const { engine } = healthEngine({ a: ['starting'], b: ['healthy'] });
    await expect(untilHealthy(engine, ['a', 'b'], { timeoutMs: 300 })).rejects.toThrow(
      /^timed out after 0s waiting for replicas to be healthy: a starting$/,
    );
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    await expect(
      untilHealthy(engine, ['a'], { timeoutMs: 5000, signal: stop.signal }),
    ).rejects.toBeInstanceOf(InterruptedError);
  });
});

/**
 * An engine whose event stream stays open until aborted (`emit` sends into it), whose containers
 * are in `states` (running when not named; `restarts`: started again by their restart policy,
 * their current run begun at time 20) and whose logs are `output`. A stream with `until` sends
 * the `past` events between `since` and `until`, then ends.
 */
function eventEngine(
  states: Record<string, ContainerState> = {},
  output: string[] = [],
  more: { restarts?: Record<string, number>; past?: ContainerEvent[] } = {},
) {
  let send: ((e: ContainerEvent) => void) | undefined;
  let open = false;
  const asked = {
    logs: [] as Array<[string, LogOptions]>,
    inspected: [] as string[],
    replays: [] as Array<[number | undefined, number | undefined]>,
  };
  const engine = {
    async events(_labels: string[], opts: EventOptions, onEvent: (e: ContainerEvent) => void) {
      if (opts.until !== undefined) {
        asked.replays.push([opts.since, opts.until]);
        const { since = 0, until } = opts;
        for (const e of more.past ?? []) if (e.time >= since && e.time <= until) onEvent(e);
        return;
      }
      send = onEvent;
      open = true;
      opts.onOpen?.();
      await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve()));
      open = false;
    },
    async inspectContainer(name: string) {
      asked.inspected.push(name);
      const restartCount = more.restarts?.[name] ?? 0;
      return {
        id: `id-${name}`,
        name,
        state: states[name] ?? 'running',
        exitCode: states[name] ? 1 : 0,
        restartCount,
        created: 10,
        startedAt: new Date((restartCount > 0 ? 20 : 10) * 1000).toISOString(),
      };
    },
    async logs(name: string, opts: LogOptions, onLine: (l: { text: string }) => void) {
      asked.logs.push([name, opts]);
      for (const text of output) onLine({ text });
    },
  } as unknown as Engine;
  const emit = (action: string, name: string, exitCode?: number) =>
    send?.({ action, id: `id-${name}`, name, labels: {}, time: 0, exitCode });
  return { engine, emit, asked, isOpen: () => open };
}

/** The replicas watched were started by the command that watches them (create, scale, rolling-update). */
const STARTED_HERE = { startedHere: true };

const settled = (p: Promise<unknown>) =>
  Promise.race([
    p.then(
      () => 'resolved',
      (e: unknown) => e,
    ),
    new Promise((r) => setTimeout(() => r('pending'), 50)),
  ]);

describe('exitGuard', () => {
  it('a watched replica that dies fails it with its exit code and last output, and the stream closes', async () => {
    const { engine, emit, asked, isOpen } = eventEngine({}, ['starting', 'db connection refused']);
    const guard = exitGuard(engine, ['web-3', 'web-4'], STARTED_HERE);
    await vi.waitFor(() => expect(asked.inspected).toEqual(['web-3', 'web-4']));
    emit('die', 'other-1', 1);
    emit('start', 'web-3');
    expect(await settled(guard.exited)).toBe('pending');
    emit('die', 'web-4', 3);
    const err = await guard.exited.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalError);
    expect((err as Error).message).toBe(
      'web-4 exited with code 3 before it was ready; its last output: "starting\\ndb connection refused"',
    );
    expect(asked.logs).toEqual([['web-4', { tail: 5 }]]);
    expect(isOpen()).toBe(false);
    guard.stop();
  });

  it('one found exited (or restarting) once the events stream fails it as well', async () => {
    const { engine } = eventEngine({ 'web-2': 'restarting' });
    const guard = exitGuard(engine, ['web-1', 'web-2'], STARTED_HERE);
    await expect(guard.exited).rejects.toThrow(/^web-2 exited with code 1 before it was ready$/);
  });

  it('one its restart policy started again since it was started fails it, with the code of the run before', async () => {
    const die = (id: string, time: number, exitCode: number): ContainerEvent => ({
      action: 'die',
      id,
      name: id.slice(3),
      labels: {},
      time,
      exitCode,
    });
    const past = [die('id-web-2', 12, 4), die('id-web-1', 15, 9), die('id-web-2', 19, 3)];
    const { engine, asked } = eventEngine({}, ['no db'], { restarts: { 'web-2': 2 }, past });
    const guard = exitGuard(engine, ['web-1', 'web-2'], STARTED_HERE);
    await expect(guard.exited).rejects.toThrow(
      /^web-2 exited with code 3 before it was ready; its last output: "no db"$/,
    );
    // Its own die events, from its creation until its current run began.
    expect(asked.replays).toEqual([[10, 20]]);
  });

  it('a restart before the wait counts only for replicas this command started (not a FIP change waiting for old ones)', async () => {
    const { engine, emit, asked } = eventEngine({}, [], { restarts: { 'web-2': 4 } });
    const guard = exitGuard(engine, ['web-1', 'web-2'], { startedHere: false });
    await vi.waitFor(() => expect(asked.inspected).toEqual(['web-1', 'web-2']));
    expect(await settled(guard.exited)).toBe('pending');
    expect(asked.replays).toEqual([]);
    // A death while it waits still fails it.
    emit('die', 'web-2', 137);
    await expect(guard.exited).rejects.toThrow(/^web-2 exited with code 137 before it was ready$/);
  });

  it('the code is left out when the engine no longer has those events', async () => {
    const { engine } = eventEngine({}, [], { restarts: { 'web-1': 1 } });
    await expect(exitGuard(engine, ['web-1'], STARTED_HERE).exited).rejects.toThrow(
      /^web-1 exited before it was ready$/,
    );
  });

  it('explain: a wait that timed out says the exit the guard found instead; else its own error', async () => {
    const timedOut = new InternalError(
      'timed out after 0s waiting for replicas to be UP: r2 not checked yet',
    );
    const found = exitGuard(eventEngine({ 'web-2': 'restarting' }).engine, ['web-2'], STARTED_HERE);
    expect(((await found.explain(timedOut)) as Error).message).toBe(
      'web-2 exited with code 1 before it was ready',
    );
    // Interrupted stays interrupted.
    const interrupted = new InterruptedError('interrupted');
    expect(await found.explain(interrupted)).toBe(interrupted);
    const { engine, asked } = eventEngine();
    const fine = exitGuard(engine, ['web-1'], STARTED_HERE);
    expect(await fine.explain(timedOut)).toBe(timedOut);
    expect(asked.inspected).toEqual(['web-1']);
    fine.stop();
  });

  it('race: an exit ends the wait (aborts its signal) and is what it throws', async () => {
    const { engine, emit, asked } = eventEngine();
    const guard = exitGuard(engine, ['web-1'], STARTED_HERE);
    await vi.waitFor(() => expect(asked.inspected).toEqual(['web-1']));
    const stop = new AbortController();
    const wait = new Promise<string>((_, reject) =>
      stop.signal.addEventListener('abort', () => reject(new InterruptedError('ended'))),
    );
    const raced = guard.race(wait, stop);
    emit('die', 'web-1', 2);
    await expect(raced).rejects.toThrow(/^web-1 exited with code 2 before it was ready$/);
    expect(stop.signal.aborted).toBe(true);
    guard.stop();
  });

  it('stopped, it watches no more: a later death changes nothing', async () => {
    const { engine, emit, asked, isOpen } = eventEngine();
    const guard = exitGuard(engine, ['web-1'], STARTED_HERE);
    await vi.waitFor(() => expect(asked.inspected).toEqual(['web-1']));
    guard.stop();
    emit('die', 'web-1', 3);
    expect(await settled(guard.exited)).toBe('pending');
    expect(isOpen()).toBe(false);
    expect(asked.logs).toEqual([]);
  });
});
