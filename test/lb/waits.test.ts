/**
 * untilUpCount and the driver's probe client against a log the test writes line by line (the
 * stream stays open, as a running load balancer's does). The engine below answers only what
 * these paths ask: logs, writeFiles, exec.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ExecResult } from '../../src/engine/engine.js';
import { LbDriver } from '../../src/lb/driver.js';
import { LogWatch } from '../../src/lb/log-watch.js';
import type { ServerCounters } from '../../src/lb/stats.js';
import { untilUpCount } from '../../src/lb/waits.js';
import { logEngine as openLogEngine } from './log-engine.js';

const SHOW_STAT = readFileSync(new URL('./fixtures/show-stat-http.csv', import.meta.url), 'utf8');
const logEngine = (
  exec: () => Promise<ExecResult> = async () => ({ exitCode: 0, stdout: SHOW_STAT, stderr: '' }),
) => openLogEngine(exec);

const LOADED = ['[NOTICE]   (1) : New worker (8) forked', '[NOTICE]   (1) : Loading success.'];
const filled = (s: string) =>
  `[WARNING]  (8) : Server svc_replicas/${s} ('tasks.web') is UP/READY (resolves again).`;
const checked = (s: string) =>
  `[WARNING]  (8) : Health check for server svc_replicas/${s} succeeded, reason: Layer4 check passed, check duration: 0ms, status: 3/3 UP.`;

const server = (name: string, reachable: boolean): ServerCounters =>
  ({ backend: 'svc_replicas', server: name, status: 'UP', check: '', reachable }) as ServerCounters;

afterEach(() => {
  vi.useRealTimers();
});

describe('untilUpCount', () => {
  it('counts the slots the probe finds UP and reachable, before HAProxy checked them', async () => {
    const { engine, say } = logEngine();
    const watch = await LogWatch.open(engine, 'lb');
    const probes: number[] = [];
    const probe = async () => {
      probes.push(probes.length + 1);
      return [server('r1', true), server('r2', probes.length > 1)];
    };
    say(...LOADED, filled('r1'), filled('r2'));
    await untilUpCount(watch, 2, { timeoutMs: 10_000 }, probe);
    watch.close();
    expect(probes).toEqual([1, 2]); // the first probe found r2 not yet reachable
  });

  it('does not probe before DNS filled enough slots', async () => {
    const { engine, say } = logEngine();
    const watch = await LogWatch.open(engine, 'lb');
    const probe = vi.fn(async () => [server('r1', true), server('r2', true)]);
    say(...LOADED, filled('r1'));
    const done = untilUpCount(watch, 2, { timeoutMs: 10_000 }, probe);
    await new Promise((r) => setTimeout(r, 50));
    expect(probe).not.toHaveBeenCalled();
    say(filled('r2'));
    await done;
    watch.close();
    expect(probe).toHaveBeenCalled();
  });

  it('returns as soon as the checks decide, without sitting out the pause between probes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { engine, say } = logEngine();
    const watch = await LogWatch.open(engine, 'lb');
    let probed!: () => void;
    const firstProbe = new Promise<void>((r) => {
      probed = r;
    });
    const probe = async () => {
      probed();
      return [server('r1', false), server('r2', false)];
    };
    say(...LOADED, filled('r1'), filled('r2'));
    const done = untilUpCount(watch, 2, { timeoutMs: 10_000 }, probe);
    await firstProbe; // the probe loop now pauses on a timer this test never advances
    say(checked('r1'), checked('r2'));
    await done;
    watch.close();
  });
});

describe("the driver's probe client", () => {
  it('writes its files into a load balancer once, and again only after a failed write', async () => {
    const { engine, writes } = logEngine();
    const driver = new LbDriver(engine);
    await driver.stats('lb1', 'probe');
    await driver.stats('lb1', 'probe');
    await driver.stats('lb2', 'probe');
    expect(writes).toEqual(['lb1', 'lb2']);
    expect(engine.exec).toHaveBeenCalledTimes(3);

    let fail = true;
    const flaky = logEngine();
    const write = flaky.engine.writeFiles.bind(flaky.engine);
    flaky.engine.writeFiles = async (id, dir, entries) => {
      if (fail) {
        fail = false;
        throw new Error('engine busy');
      }
      return write(id, dir, entries);
    };
    const again = new LbDriver(flaky.engine);
    await expect(again.stats('lb1', 'probe')).rejects.toThrow('engine busy');
    await again.stats('lb1', 'probe');
    expect(flaky.writes).toEqual(['lb1']);
  });
});
