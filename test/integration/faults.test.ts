/**
 * The fault suite: svc SIGKILLed before each phase of each command's plan (the test hook
 * SVC_TEST_KILL_BEFORE_STEP, src/core/test-hook.ts: a real SIGKILL, nothing undone), then the
 * next command run on the service, with a client loop counting failed requests throughout. The
 * next command must converge: the service as one successful run makes it, nothing left over (no
 * container, record or staged certificate), its load balancer running with the restart policy
 * that brings it back after an engine restart. The kill points are read from the command's own
 * `--dry-run` (the first step of each phase: the steps of a phase run at once), so a plan that
 * grows is covered too. Prints the table: fault, step, requests sent, requests failed, state
 * after the next command.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, LB_DIR, LB_STAGING, labelFilter, names } from '../../src/model/naming.js';
import { makeCerts } from '../support/certs.js';
import { startSvc, svc } from '../support/cli.js';
import {
  createArgs,
  engine,
  freePort,
  groupFile,
  HTTP_IMAGE,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
  waitFor,
} from './support/harness.js';
import { type CaseLoad, faultTable, hostLoad, killer } from './support/kills.js';
import { lbAddresses, splitNetworkFailures, startNetworkLoad } from './support/network-client.js';

const tenant = newTenant();
const sv = (args: string[]) => svc(args, { tenant });
const ok = mustSucceed(sv);
const certs = makeCerts();
const { killPoints, killedAt, planSteps } = killer(sv, { tenant });
/** A second tag of the test image: what the rolling updates go to and back from. */
const HTTP_V2 = 'svc-test/http:faults-v2';
/**
 * Two replicas, checked every second, stopped with SIGKILL: busybox httpd runs as PID 1 and
 * ignores SIGTERM, so each stop would wait its whole grace period; a replica leaves the load
 * balancer (drained) before it is stopped, so no request is cut by that.
 */
const TWO = ['--replicas', '2', '--health-check-interval', '1', '--stop-signal', 'SIGKILL'];
const rows: string[][] = [];
/** Each test kills one command at every phase of its plan, with a next command after each. */
const LONG = 300_000;

beforeAll(() => run('docker', ['tag', HTTP_IMAGE, HTTP_V2]));
afterAll(async () => {
  console.log(faultTable(rows));
  await removeTenant(tenant);
  await run('docker', ['rmi', HTTP_V2]).catch(() => undefined);
  certs.cleanup();
}, 120_000);

interface Settled {
  replicas: number;
  image?: string;
  fip?: string;
  /** The CN of the certificate it serves. */
  cert?: string;
}

/** The service as one successful run leaves it, and nothing else of it; its state for the table. */
async function expectSettled(name: string, want: Settled): Promise<string> {
  const [s] = JSON.parse((await ok(['inspect', name])).stdout);
  expect([s.Status, s.Message]).toEqual(['active', 'Scaling complete']);
  expect(s.Replicas).toBe(want.replicas);
  expect(s.ReplicaDetail).toHaveLength(want.replicas);
  if (want.image) for (const r of s.ReplicaDetail) expect(r.Image).toBe(want.image);
  if (want.fip !== undefined) expect(s.FIP).toBe(want.fip);
  if (want.cert) expect(s.SSLCert).toContain(`subject=CN=${want.cert};`);
  const objects = await engine.listContainers(labelFilter(tenant, name));
  const roles = objects.map((c) => c.labels[LABEL.role]).sort();
  expect(roles).toEqual(['lb', 'record', ...Array(want.replicas).fill('replica')].sort());
  const lb = await engine.inspectContainer(names.lb(tenant, name));
  expect([lb.state, lb.restartPolicy]).toEqual(['running', 'always']);
  // No key material left staged by a command killed between its check and its install.
  const staged = await engine.readFiles(lb.id, `${LB_DIR}/${LB_STAGING}/certs/service.pem`);
  expect(staged.map((f) => String(f.content ?? ''))).toEqual(staged.length ? [''] : []);
  return `${s.Status}, ${s.Replicas} replicas${want.fip ? `, FIP ${s.FIP}` : ''}`;
}

/**
 * `cuts`: how many load balancers holding the service's alias leave the network in the case (the
 * one client's request in flight at that instant, if any, gets no answer; at most one each). The
 * load balancers' addresses are read once the command was killed: those whose container is gone
 * by the end had left the network (splitNetworkFailures: an address the engine gave again).
 */
async function networkLoad(target: string, cuts: number): Promise<CaseLoad> {
  const service = target.split(':')[0] as string;
  const load = await startNetworkLoad(tenant, target, { maxSeconds: 90 });
  let killedWith = new Map<string, string>();
  return {
    async afterKill() {
      killedWith = await lbAddresses(tenant, service);
    },
    async stop() {
      const r = await load.stop();
      const now = await lbAddresses(tenant, service);
      const gone = new Set([...killedWith].filter(([id]) => !now.has(id)).map(([, ip]) => ip));
      const { cut, lost } = splitNetworkFailures(r.failures, gone);
      expect(cut.length).toBeLessThanOrEqual(cuts);
      return { requests: r.requests, failed: r.failures.length, lost };
    },
  };
}

/** A command killed (at each kill point of its plan), then run again. */
interface Move {
  /** For the table. */
  fault: string;
  args: string[];
  settled: Settled;
  /** Exit codes the next command may have (default 0). */
  nextCodes?: number[];
}

/**
 * Moves that take the service back and forth (each case starts where the one before ended);
 * `shared`: their plans have the same phases, so the kill points go on from one to the other.
 */
async function everyPhase(
  name: string,
  moves: Move[],
  /** The load for the case in which the command is killed before `step`. */
  load: (step: number) => CaseLoad | Promise<CaseLoad>,
  shared = false,
) {
  const points: Array<number[] | undefined> = moves.map(() => undefined);
  const done = moves.map(() => 0);
  const left = (m: number) => points[m] === undefined || (done[m] as number) < (points[m]?.length ?? 0);
  for (let i = 0; moves.some((_, m) => left(shared ? 0 : m)); i++) {
    const m = i % moves.length;
    const move = moves[m] as Move;
    const p = shared ? 0 : m;
    points[p] ??= await killPoints(move.args);
    const step = points[p]?.[done[p] as number];
    if (step === undefined) {
      await ok(move.args); // this one is done: only on to where the other starts
      continue;
    }
    done[p] = (done[p] as number) + 1;
    const traffic = await load(step);
    const did = await killedAt(move.args, step);
    await traffic.afterKill?.();
    const next = await sv(move.args);
    const counts = await traffic.stop();
    expect(move.nextCodes ?? [0], `after a kill before step ${did}: ${next.stderr}`).toContain(next.code);
    const state = await expectSettled(name, move.settled);
    rows.push([move.fault, did, String(counts.requests), String(counts.failed), state]);
    expect(counts.lost, `requests lost around a kill before step ${did}`).toEqual([]);
    expect(counts.requests).toBeGreaterThan(0);
  }
}

describe('svc killed at each phase, then the next command', () => {
  it(
    'scale up and down: the next scale converges; no request lost',
    async () => {
      const port = await freePort();
      await ok(createArgs('sc', port, '127.0.0.1', ['--protocol', 'http', ...TWO]));
      await everyPhase(
        'sc',
        [
          { fault: 'scale 2→3', args: ['scale', 'sc=3'], settled: { replicas: 3 } },
          { fault: 'scale 3→2', args: ['scale', 'sc=2'], settled: { replicas: 2 } },
        ],
        () => hostLoad(`http://127.0.0.1:${port}/`),
      );
    },
    LONG,
  );

  it(
    'rolling-update: the next rolling-update finishes it; no request lost',
    async () => {
      const port = await freePort();
      await ok(createArgs('ru', port, '127.0.0.1', ['--protocol', 'http', ...TWO]));
      const to = (image: string): Move => ({
        fault: 'rolling-update',
        args: ['rolling-update', '--image', image, 'ru'],
        settled: { replicas: 2, image },
      });
      await everyPhase(
        'ru',
        [to(HTTP_V2), to(HTTP_IMAGE)],
        () => hostLoad(`http://127.0.0.1:${port}/`),
        true,
      );
    },
    LONG,
  );

  it(
    'update-cert: the next update-cert finishes it; no request lost, no key left staged',
    async () => {
      const port = await freePort();
      const tls = ['--protocol', 'httpsTerm', '--ssl-cert', certs.leaf.pemFile, ...TWO];
      await ok(createArgs('tls', port, '127.0.0.1', tls));
      const to = (pemFile: string, cn: string): Move => ({
        fault: 'update-cert',
        args: ['update-cert', '--ssl-cert', pemFile, 'tls'],
        settled: { replicas: 2, cert: cn },
      });
      await everyPhase(
        'tls',
        [to(certs.renewed.pemFile, 'svc-renewed.test'), to(certs.leaf.pemFile, 'svc.test')],
        () => hostLoad(`https://127.0.0.1:${port}/`),
        true,
      );
    },
    LONG,
  );

  it(
    'sg update: the next sg update finishes it; no request lost',
    async () => {
      const port = await freePort();
      await ok(['sg', 'create', '-f', groupFile(tenant, '0.0.0.0/0')]);
      await ok(createArgs('guarded', port, '127.0.0.1', ['--protocol', 'http', '--sg', 'office', ...TWO]));
      // Two allow lists that both let every source in (a host client reaches HAProxy from a
      // bridge's address): traffic must flow throughout.
      const halves = join(tmpdir(), `svc-faults-${tenant.slice(0, 8)}-halves.yaml`);
      const rule = (p: string) => `  - direction: ingress\n    protocol: tcp\n    remote_ip_prefix: ${p}`;
      writeFileSync(
        halves,
        ['name: office', 'rules:', rule('0.0.0.0/1'), rule('128.0.0.0/1'), ''].join('\n'),
      );
      const to = (file: string): Move => ({
        fault: 'sg update',
        args: ['sg', 'update', '-f', file],
        settled: { replicas: 2 },
      });
      await everyPhase(
        'guarded',
        [to(halves), to(groupFile(tenant, '0.0.0.0/0'))],
        () => hostLoad(`http://127.0.0.1:${port}/`),
        true,
      );
    },
    LONG,
  );

  it(
    'attach-fip and detach-fip: the next one finishes or undoes it; no request lost on the network',
    async () => {
      const port = await freePort();
      await ok([
        ...['create', '--name', 'pub', '--service-port', String(port), '--container-port', '80'],
        ...['--protocol', 'http', ...TWO, '--wait', HTTP_IMAGE],
      ]);
      // Killed after the step that gives the new load balancer the alias and before the outcome
      // record (the commit: the last step before the cleanup), the change is undone: the next
      // command's repair takes that one off the network, then its own change's old load balancer
      // leaves: two leave. (The same step numbers in both plans.)
      const steps = await planSteps(['attach-fip', '--fip', '127.0.0.1', 'pub']);
      const joinStep = steps.findIndex((l) => /^\d+\. join \S+ to \S+ as pub$/.test(l)) + 1;
      const commitStep = steps.filter((l) => /^\d/.test(l)).length;
      expect([joinStep > 0, commitStep > joinStep]).toEqual([true, true]);
      await everyPhase(
        'pub',
        [
          // Once it had committed, attaching again is a conflict (exit 4): the FIP is there.
          {
            fault: 'attach-fip',
            args: ['attach-fip', '--fip', '127.0.0.1', 'pub'],
            settled: { replicas: 2, fip: '127.0.0.1' },
            nextCodes: [0, 4],
          },
          { fault: 'detach-fip', args: ['detach-fip', 'pub'], settled: { replicas: 2, fip: '' } },
        ],
        (step) => networkLoad(`pub:${port}`, step > joinStep && step <= commitStep ? 2 : 1),
        true,
      );
    },
    LONG,
  );

  it(
    'create: the next create makes the service (a killed one had not finished) or says it exists',
    async () => {
      const port = await freePort();
      const args = createArgs('mk', port, '127.0.0.1', ['--protocol', 'http', ...TWO]);
      const points = await killPoints(args);
      for (const step of points) {
        const did = await killedAt(args, step);
        const next = await sv(args);
        // Killed in its wait (the last point), the service was complete: it exists (exit 4).
        expect(next.code, next.stderr).toBe(step === points.at(-1) ? 4 : 0);
        const state = await expectSettled('mk', { replicas: 2 });
        rows.push(['create', did, '-', '-', `exit ${next.code}; ${state}`]);
        await ok(['rm', 'mk']);
      }
    },
    LONG,
  );

  it(
    'two commands on one service at once: the second is refused (exit 4) throughout, the first finishes',
    async () => {
      const port = await freePort();
      await ok(createArgs('both', port, '127.0.0.1', ['--protocol', 'http', ...TWO]));
      // A rolling update: long enough (two replicas, each started, checked, drained) to be caught.
      const first = startSvc(['rolling-update', '--image', HTTP_V2, 'both'], { tenant });
      let done = false;
      void first.ended.then(() => {
        done = true;
      });
      await waitFor('the rolling update to be under way', 30_000, async () => {
        const [s] = JSON.parse((await ok(['inspect', 'both'])).stdout);
        return s.Status === 'updating' ? true : undefined;
      });
      // Refused from its lock to its cleanup's end (bounded: the update ends).
      let refused = 0;
      for (let i = 0; i < 30 && !done; i++) {
        const second = await sv(['scale', 'both=1']);
        if (done && second.code === 0) break; // the update had ended: this one ran after it
        expect([second.code, second.stderr], `attempt ${i + 1}`).toEqual([
          4,
          expect.stringMatching(
            /service "both" is being changed \(rolling-update\); try again when it is done/,
          ),
        ]);
        refused += 1;
      }
      expect((await first.ended).code, first.stderr).toBe(0);
      expect(refused).toBeGreaterThan(0);
      const [s] = JSON.parse((await ok(['inspect', 'both'])).stdout);
      const state = `${s.Status}, ${s.Replicas} replicas`;
      rows.push([
        'scale during a rolling-update',
        '-',
        '-',
        '-',
        `refused ${refused}× (exit 4); then ${state}`,
      ]);
      await ok(['rm', 'both']);
    },
    LONG,
  );

  it(
    'rm: the next rm removes what is left',
    async () => {
      const port = await freePort();
      const args = createArgs('gone', port, '127.0.0.1', ['--protocol', 'http', ...TWO]);
      await ok(args);
      // Its plan (rm has no --dry-run): stop the load balancer (1), remove it (2), stop the
      // replicas (3, 4), remove them (5, 6), remove the record (7).
      const points = [1, 2, 3, 5, 7];
      for (const step of points) {
        const did = await killedAt(['rm', 'gone'], step);
        const next = await sv(['rm', 'gone']);
        expect(next.code, next.stderr).toBe(0);
        expect(await engine.listContainers(labelFilter(tenant, 'gone'))).toEqual([]);
        rows.push(['rm', did, '-', '-', 'removed: nothing of it left']);
        await ok(args);
      }
    },
    LONG,
  );
});
