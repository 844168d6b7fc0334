/**
 * The waits around a reload that hands a stick table over (source affinity): until the first
 * worker counts its table complete, and until the old worker handed it to the new one.
 */
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '../../src/errors.js';
import { LogWatch } from '../../src/lb/log-watch.js';
import { untilHandedOver, untilTableSettles } from '../../src/lb/reload.js';
import { logEngine } from './log-engine.js';

const RELOADED = ['[NOTICE]   (1) : New worker (19) forked', '[NOTICE]   (1) : Loading success.'];
const exited = (pid: number) => `[WARNING]  (1) : Former worker (${pid}) exited with code 0 (Exit)`;

/** Whether `p` settled within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

describe('untilHandedOver', () => {
  it('waits for the worker from before the reload to exit: it exits once it pushed its table', async () => {
    const { engine, say } = logEngine();
    const watch = await LogWatch.open(engine, 'lb');
    say(...RELOADED);
    const done = untilHandedOver(watch, { timeoutMs: 10_000 });
    expect(await settlesWithin(done, 100)).toBe(false);
    say(exited(8));
    expect(await settlesWithin(done, 50)).toBe(true);
    watch.close();
  });

  it('goes on after a second when open connections keep the old worker (it pushed long before)', async () => {
    const { engine, say } = logEngine();
    const watch = await LogWatch.open(engine, 'lb');
    say(...RELOADED);
    const t0 = Date.now();
    await untilHandedOver(watch, { timeoutMs: 10_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    watch.close();
  });
});

describe('untilTableSettles', () => {
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

  it('does not wait once the first worker is 5.5 s old', async () => {
    const { engine } = logEngine(undefined, ago(6000));
    const said: string[] = [];
    await untilTableSettles(engine, 'lb', { timeoutMs: 10_000, onProgress: (t) => said.push(t) });
    expect(said).toEqual([]);
  });

  it('waits out the rest of the 5.5 s after the container started, and says so', async () => {
    const { engine } = logEngine(undefined, ago(5200));
    const said: string[] = [];
    const done = untilTableSettles(engine, 'lb', { timeoutMs: 10_000, onProgress: (t) => said.push(t) });
    expect(await settlesWithin(done, 100)).toBe(false);
    expect(said).toEqual(['waiting for the load balancer to settle its session-affinity table']);
    expect(await settlesWithin(done, 400)).toBe(true);
  });

  it('stops at an interrupt', async () => {
    const { engine } = logEngine(undefined, ago(0));
    const stop = new AbortController();
    const done = untilTableSettles(engine, 'lb', { timeoutMs: 10_000, signal: stop.signal });
    stop.abort();
    await expect(done).rejects.toBeInstanceOf(InterruptedError);
  });
});
