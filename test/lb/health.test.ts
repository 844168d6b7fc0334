/**
 * untilHealthy: Docker's verdict on the replicas' containers (inspected, as the engine gives it)
 * gating a wait. The engine below answers inspectContainer from a script of verdicts.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerDetail, ContainerHealth, Engine } from '../../src/engine/engine.js';
import { InternalError, InterruptedError } from '../../src/errors.js';
import { untilHealthy } from '../../src/lb/health.js';

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
