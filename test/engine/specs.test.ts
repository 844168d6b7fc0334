/** Docker's health verdict, read from a container list entry and from an inspect. */
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { containerBody, healthInStatus, healthOf } from '../../src/engine/specs.js';

describe('container health', () => {
  it('from the status text of a list entry', () => {
    expect(healthInStatus('Up 3 seconds (health: starting)')).toBe('starting');
    expect(healthInStatus('Up 2 minutes (healthy)')).toBe('healthy');
    expect(healthInStatus('Up 5 seconds (unhealthy)')).toBe('unhealthy');
    expect(healthInStatus('Up 5 seconds')).toBeUndefined();
    expect(healthInStatus('Exited (0) 3 seconds ago')).toBeUndefined();
    expect(healthInStatus(undefined)).toBeUndefined();
  });

  it('from an inspect: whether it has a check (not NONE), the verdict, the last output', () => {
    const inspect = (Healthcheck: unknown, Health: unknown) =>
      ({ Config: { Healthcheck }, State: { Health } }) as unknown as Dockerode.ContainerInspectInfo;
    expect(healthOf(inspect(undefined, undefined))).toEqual({ hasHealthCheck: false, healthOutput: '' });
    expect(healthOf(inspect({ Test: ['NONE'] }, undefined))).toEqual({
      hasHealthCheck: false,
      healthOutput: '',
    });
    expect(
      healthOf(
        inspect(
          { Test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1/'] },
          {
            Status: 'unhealthy',
            Log: [{ Output: 'ok\n' }, { Output: 'wget: server returned error: HTTP/1.1 503\n' }],
          },
        ),
      ),
    ).toEqual({
      hasHealthCheck: true,
      health: 'unhealthy',
      healthOutput: 'wget: server returned error: HTTP/1.1 503',
    });
  });

  it('StopTimeout goes into the create body when set', () => {
    const spec = { name: 'a', image: 'i', labels: {}, network: 'n' };
    expect(containerBody({ ...spec, stopTimeout: 0 }).StopTimeout).toBe(0);
    expect(containerBody({ ...spec, stopTimeout: 42 }).StopTimeout).toBe(42);
    expect(containerBody(spec).StopTimeout).toBeUndefined();
  });
});
