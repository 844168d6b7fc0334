/**
 * `svc logs` against the real engine: every replica's lines prefixed by replica, --tail, --since,
 * the load balancer's request log with --lb, JSON lines, and --follow (bounded, ended by SIGINT).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names } from '../../src/model/naming.js';
import { startSvc, svc } from '../support/cli.js';
import {
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  newTenant,
  removeTenant,
  replicaHostnames,
  run,
  waitFor,
} from './support/harness.js';

const tenant = newTenant();
afterAll(() => removeTenant(tenant));

let port: number;
/** Replica number → its hostname (short container ID), which it prints at start. */
let hostOf: Map<number, string>;

beforeAll(async () => {
  port = await freePort();
  const r = await svc(
    [
      'create',
      '--name',
      'talk',
      '--replicas',
      '2',
      '--protocol',
      'http',
      '--service-port',
      String(port),
      '--container-port',
      '80',
      '--fip',
      '127.0.0.1',
      '--health-check-interval',
      '1',
      '--health-check-rise',
      '1',
      '--entrypoint',
      'sh -c',
      '--wait',
      '--timeout',
      '60s',
      HTTP_IMAGE,
      // The second line goes to stderr a moment later: the two streams are not ordered otherwise.
      'echo started $(hostname); sleep 1; echo ready >&2; exec /bin/serve-http',
    ],
    { tenant },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  hostOf = new Map([...(await replicaHostnames(tenant, 'talk'))].map(([host, n]) => [n, host]));
  const { failures } = await httpGetMany(`http://127.0.0.1:${port}/`, 4);
  expect(failures).toEqual([]);
});

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('svc logs', () => {
  it('prints every replica’s lines (stdout and stderr), each prefixed with its replica', async () => {
    const r = await svc(['logs', 'talk'], { tenant });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout).sort()).toEqual(
      [
        `talk-1 | started ${hostOf.get(1)}`,
        'talk-1 | ready',
        `talk-2 | started ${hostOf.get(2)}`,
        'talk-2 | ready',
      ].sort(),
    );
    // Each replica's own lines keep their order.
    const one = lines(r.stdout).filter((l) => l.startsWith('talk-1'));
    expect(one).toEqual([`talk-1 | started ${hostOf.get(1)}`, 'talk-1 | ready']);
  });

  it('--tail N takes the last N lines of each replica', async () => {
    const r = await svc(['logs', 'talk', '--tail', '1'], { tenant });
    expect(r.code).toBe(0);
    expect(lines(r.stdout).sort()).toEqual(['talk-1 | ready', 'talk-2 | ready']);
    const none = await svc(['logs', 'talk', '--tail', '0'], { tenant });
    expect(none).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--since keeps the lines written since then', async () => {
    const all = await svc(['logs', 'talk', '--since', '1h'], { tenant });
    expect(lines(all.stdout)).toHaveLength(4);
    const future = await svc(['logs', 'talk', '--since', '2099-01-01T00:00:00Z'], { tenant });
    expect(future).toEqual({ code: 0, stdout: '', stderr: '' });
    const bad = await svc(['logs', 'talk', '--since', 'last tuesday'], { tenant });
    expect(bad.code).toBe(2);
  });

  it('--lb adds the load balancer’s log: HAProxy’s request lines, prefixed lb', async () => {
    const r = await svc(['logs', 'talk', '--lb'], { tenant });
    expect(r.code).toBe(0);
    const lb = lines(r.stdout).filter((l) => l.startsWith('lb '));
    expect(lb.length).toBeGreaterThan(0);
    expect(lb.filter((l) => l.includes('"GET / HTTP/1.1"')).length).toBeGreaterThanOrEqual(4);
    for (const l of lb) expect(l).toMatch(/^lb {5}\| /); // padded to "talk-1"
    expect(lines(r.stdout).filter((l) => l.startsWith('talk-')).length).toBe(4);
  });

  it('--timestamps shows the engine’s time of each line; -q drops the prefix; -o json gives JSON lines', async () => {
    const ts = await svc(['logs', 'talk', '--timestamps', '--tail', '1'], { tenant });
    for (const l of lines(ts.stdout)) expect(l).toMatch(/^talk-\d \| \d{4}-\d\d-\d\dT[\d:.]+Z ready$/);
    const q = await svc(['logs', 'talk', '-q', '--tail', '1'], { tenant });
    expect(q.stdout).toBe('ready\nready\n');
    const json = await svc(['logs', 'talk', '-o', 'json', '--tail', '1'], { tenant });
    const entries = lines(json.stdout).map((l) => JSON.parse(l));
    expect(entries.map((e) => [e.Source, e.Replica, e.Stream, e.Line]).sort()).toEqual([
      ['talk-1', 1, 'stderr', 'ready'],
      ['talk-2', 2, 'stderr', 'ready'],
    ]);
    expect(entries[0].Time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('exits 3 for a service that does not exist', async () => {
    const r = await svc(['logs', 'nope'], { tenant });
    expect(r).toEqual({ code: 3, stdout: '', stderr: 'Error: no such service: nope\n' });
  });

  it('--follow prints new lines as they come (a restarted replica too) and stops on SIGINT', async () => {
    const follow = startSvc(['logs', 'talk', '--follow', '--tail', '0', '--lb'], { tenant });
    try {
      // Requests through the load balancer show up as they are made.
      await waitFor('a request line from the load balancer', 30_000, async () => {
        await httpGetMany(`http://127.0.0.1:${port}/`, 1);
        return follow.stdout.includes('"GET / HTTP/1.1"') ? true : undefined;
      });
      expect(follow.stdout).not.toContain('started'); // --tail 0: nothing from before
      // A replica that restarts is followed again: its new start line appears, once.
      await run('docker', ['restart', '-t', '0', names.replica(tenant, 'talk', 2)]);
      await waitFor('the restarted replica’s start line', 30_000, async () =>
        follow.stdout.includes(`talk-2 | started ${hostOf.get(2)}`) ? true : undefined,
      );
    } finally {
      follow.child.kill('SIGINT');
    }
    expect((await follow.ended).code).toBe(0);
    expect(follow.stderr).toBe('');
    expect(lines(follow.stdout).filter((l) => l === `talk-2 | started ${hostOf.get(2)}`)).toHaveLength(1);
  });
});
