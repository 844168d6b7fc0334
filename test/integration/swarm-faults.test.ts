/**
 * The fault suite on a one-node swarm (initialised here when the engine is in none): svc
 * SIGKILLed before each phase of create, scale, rolling-update, update-cert and rm (support/
 * kills.ts), and while Swarm rolls an update, then the next command run, with a client loop
 * counting failed requests. `inspect` must tell the truth in between; after the next command the
 * service is what one successful run makes, with nothing of it left over. Then an engine restart
 * with Swarm services in each state (support/engine-node.ts). Prints the fault table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { makeCerts } from '../support/certs.js';
import { LB_IMAGE, startSvc, svc } from '../support/cli.js';
import { startEngineNode } from './support/engine-node.js';
import {
  createArgs,
  engine,
  ensureSwarm,
  freePort,
  HTTP_IMAGE,
  httpGetMany,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
  waitFor,
} from './support/harness.js';
import { faultTable, hostLoad, killer } from './support/kills.js';
import { swarmChecks } from './support/swarm-checks.js';

const tenant = newTenant();
const env = { SVC_BACKEND: 'swarm', SVC_LB_IMAGE: LB_IMAGE };
const sv = (args: string[]) => svc(args, { tenant, env });
const ok = mustSucceed(sv);
const { killPoints, killedAt } = killer(sv, { tenant, env });
const HTTP_V2 = 'svc-test/http:swarm-faults-v2';
const TWO = ['--protocol', 'http', '--replicas', '2', '--health-check-interval', '1'];
const rows: string[][] = [];
const certs = makeCerts();
const LONG = 300_000;
/** Swarm in a container is slow to start tasks on a shared machine (a create took ~40 s there). */
const NESTED = 600_000;
let leaveSwarm: (() => Promise<void>) | undefined;

beforeAll(async () => {
  leaveSwarm = await ensureSwarm();
  await run('docker', ['tag', HTTP_IMAGE, HTTP_V2]);
}, 60_000);

afterAll(async () => {
  console.log(faultTable(rows));
  await removeTenant(tenant);
  certs.cleanup();
  await run('docker', ['rmi', HTTP_V2]).catch(() => undefined);
  await leaveSwarm?.();
}, 120_000);

const { inspect, truthful, expectSettled, expectGone } = swarmChecks(tenant, ok);

interface Move {
  fault: string;
  args: string[];
  replicas: number;
  image?: string;
  /** The CN of the certificate it must serve after; its load balancer's task is replaced (a gap, docs/swarm.md). */
  cert?: string;
}

/** `moves` killed at each of their kill points in turn (each case starts where the one before ended), under load. */
async function everyPhase(name: string, url: string, moves: Move[]): Promise<void> {
  // Each move's kill points, read when it is first reached (from where the move before left it).
  const points: Array<number[] | undefined> = moves.map(() => undefined);
  for (let i = 0; points.some((p) => p === undefined || i < p.length); i++) {
    for (const [m, move] of moves.entries()) {
      points[m] ??= await killPoints(move.args);
      const step = points[m]?.[i];
      if (step === undefined) {
        await ok(move.args); // only on to where the next move starts
        continue;
      }
      const load = hostLoad(url);
      const did = await killedAt(move.args, step);
      const between = await truthful(name);
      const next = await sv(move.args);
      const counts = await load.stop();
      expect([next.code, next.stderr], `after a kill before step ${did}`).toEqual([0, expect.any(String)]);
      const state = await expectSettled(name, move.replicas, move.image);
      if (move.cert) expect((await inspect(name)).SSLCert).toContain(`subject=CN=${move.cert};`);
      rows.push([move.fault, did, String(counts.requests), String(counts.failed), `${between} → ${state}`]);
      if (!move.cert) expect(counts.lost, `requests lost around a kill before step ${did}`).toEqual([]);
    }
  }
}

describe('svc killed on Swarm, then the next command', () => {
  it(
    'create: the next create makes the service (the killed one had not made both Swarm services) or says it exists',
    async () => {
      const port = await freePort();
      const args = createArgs('mk', port, '0.0.0.0', TWO);
      for (const step of await killPoints(args)) {
        const did = await killedAt(args, step);
        const between = (await sv(['ls'])).stdout.split('\n').find((l) => l.startsWith('mk '));
        const next = await sv(args);
        // Killed in a wait, both Swarm services were made and Swarm brings them up: it exists (exit 4).
        const made = /^\d+: wait until/.test(did);
        expect([next.code, next.stderr], did).toEqual([made ? 4 : 0, expect.any(String)]);
        await waitFor('mk up', 60_000, async () =>
          (await inspect('mk')).Status === 'active' ? true : undefined,
        );
        const state = await expectSettled('mk', 2);
        const said = between?.split(/\s{2,}/).at(-2) ?? 'not listed';
        rows.push(['create', did, '-', '-', `${said} → exit ${next.code}; ${state}`]);
        await ok(['rm', 'mk']);
        await expectGone('mk');
      }
    },
    LONG,
  );

  it(
    'scale up and down: the next scale converges; no request lost',
    async () => {
      const port = await freePort();
      await ok(createArgs('sc', port, '0.0.0.0', TWO));
      await everyPhase('sc', `http://127.0.0.1:${port}/`, [
        { fault: 'scale 2→3', args: ['scale', 'sc=3'], replicas: 3 },
        { fault: 'scale 3→2', args: ['scale', 'sc=2'], replicas: 2 },
      ]);
    },
    LONG,
  );

  it(
    'rolling-update: the next rolling-update converges; no request lost',
    async () => {
      const port = await freePort();
      await ok(createArgs('ru', port, '0.0.0.0', TWO));
      const to = (image: string): Move => ({
        fault: 'rolling-update',
        args: ['rolling-update', '--image', image, 'ru'],
        replicas: 2,
        image,
      });
      await everyPhase('ru', `http://127.0.0.1:${port}/`, [to(HTTP_V2), to(HTTP_IMAGE)]);
    },
    LONG,
  );

  it(
    'rolling-update killed while Swarm rolls: inspect says updating, the next change waits for Swarm and converges',
    async () => {
      const port = await freePort();
      await ok(createArgs('roll', port, '0.0.0.0', TWO));
      for (const image of [HTTP_V2, HTTP_IMAGE]) {
        const load = hostLoad(`http://127.0.0.1:${port}/`);
        const p = startSvc(['rolling-update', '--image', image, 'roll'], { tenant, env });
        const filter = [...labelFilter(tenant, 'roll'), `${LABEL.role}=replica`];
        await waitFor('Swarm rolling the update', 60_000, async () => {
          const [replicas] = await engine.swarm.listServices(filter);
          return replicas?.updateState === 'updating' ? true : undefined;
        });
        p.child.kill('SIGKILL');
        expect((await p.ended).signal).toBe('SIGKILL');
        const between = await inspect('roll');
        expect([between.Status, between.Message]).toEqual([
          'updating',
          expect.stringMatching(/a rolling-update was interrupted/),
        ]);
        // The same command again: before, refused (exit 4) until Swarm ended the update.
        const next = await sv(['rolling-update', '--image', image, 'roll']);
        expect([next.code, next.stderr]).toEqual([
          0,
          expect.stringMatching(/repaired roll first: waited until Swarm ended the rolling update/),
        ]);
        const counts = await load.stop();
        const state = await expectSettled('roll', 2, image);
        rows.push([
          'rolling-update',
          'while Swarm rolls (SIGKILL)',
          String(counts.requests),
          String(counts.failed),
          `${between.Status} → ${state}`,
        ]);
        expect(counts.lost).toEqual([]);
      }
    },
    LONG,
  );

  it(
    'update-cert: the next update-cert converges (a killed one left no secret in its way); its load balancer gap counted',
    async () => {
      const port = await freePort();
      const tls = ['--protocol', 'httpsTerm', '--ssl-cert', certs.leaf.pemFile, ...TWO.slice(2)];
      await ok(createArgs('tls', port, '0.0.0.0', tls));
      const to = (pemFile: string, cn: string): Move => ({
        fault: 'update-cert',
        args: ['update-cert', '--ssl-cert', pemFile, 'tls'],
        replicas: 2,
        cert: cn,
      });
      await everyPhase('tls', `https://127.0.0.1:${port}/`, [
        to(certs.renewed.pemFile, 'svc-renewed.test'),
        to(certs.leaf.pemFile, 'svc.test'),
      ]);
    },
    LONG,
  );

  it(
    'rm: the next rm removes what is left, and a create of the name works',
    async () => {
      const port = await freePort();
      const args = createArgs('gone', port, '0.0.0.0', TWO);
      await ok(args);
      // Its plan (rm has no --dry-run): remove both Swarm services (1, 2), then the config (3).
      for (const step of [1, 3]) {
        const did = await killedAt(['rm', 'gone'], step);
        const between = await truthful('gone');
        const next = await sv(['rm', 'gone']);
        expect([next.code, next.stderr], did).toEqual([0, '']);
        await expectGone('gone');
        rows.push(['rm', did, '-', '-', `${between} → removed: nothing of it left`]);
        await ok(args);
      }
      await ok(['rm', 'gone']);
    },
    LONG,
  );
});

describe('an engine restart with Swarm services', () => {
  it(
    'brings every one back by itself (fresh, scaled, rolled, half-rolled); ls and inspect tell the truth; the next command works',
    async () => {
      const ports = { fresh: 8091, scaled: 8092, rolled: 8093, half: 8094 };
      const node = await startEngineNode(`${tenant.slice(0, 6)}sw`, Object.values(ports), [
        HTTP_IMAGE,
        LB_IMAGE,
      ]);
      try {
        await node.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
        await node.docker(['tag', HTTP_IMAGE, HTTP_V2]);
        const opts = { tenant, env: { ...env, DOCKER_HOST: node.dockerHost } };
        const on = mustSucceed((args: string[]) => svc(args, opts));
        // Without --wait: Swarm in a container starts tasks slowly; they are waited for after the restart.
        for (const [name, port] of Object.entries(ports))
          await on(createArgs(name, port, '0.0.0.0', TWO).filter((a) => a !== '--wait'));
        await on(['scale', 'scaled=3']);
        await on(['rolling-update', '--image', HTTP_V2, 'rolled']);
        const half = startSvc(['rolling-update', '--image', HTTP_V2, 'half'], opts);
        await waitFor('Swarm rolling the update', 60_000, async () =>
          (await inspect('half', on)).Status === 'updating' ? true : undefined,
        );
        half.child.kill('SIGKILL');
        await half.ended;

        const restarted = Date.now();
        await node.restart();
        const said = await Promise.all(Object.keys(ports).map((name) => truthful(name, on)));
        const back: string[] = [];
        for (const [name, port] of Object.entries(ports)) {
          const url = `http://127.0.0.1:${node.hostPort.get(port)}/`;
          await waitFor(`${name} to answer again`, 90_000, async () =>
            (await httpGetMany(url, 4)).failures.length === 0 ? true : undefined,
          );
          back.push(`${name} ${((Date.now() - restarted) / 1000).toFixed(1)}s`);
        }
        console.log(
          `Swarm engine restart: said ${said.join(', ')} at once; answering again after ${back.join(', ')} (no svc command)`,
        );
        const want = {
          fresh: [2, HTTP_IMAGE],
          scaled: [3, HTTP_IMAGE],
          rolled: [2, HTTP_V2],
          half: [2, HTTP_V2],
        };
        for (const [name, [replicas, image]] of Object.entries(want)) {
          await waitFor(`${name} active`, 60_000, async () =>
            (await inspect(name, on)).Status === 'active' ? true : undefined,
          );
          const s = await inspect(name, on);
          expect([name, s.Replicas, s.ReplicaDetail.map((r) => `${r.State} ${r.Image}`)]).toEqual([
            name,
            replicas,
            Array(replicas).fill(`running ${image}`),
          ]);
          // The next command works, and converges.
          await on(['scale', `${name}=2`]);
          expect((await inspect(name, on)).Status).toBe('active');
        }
        const after = `${said.join(', ')} → active, answering again by itself`;
        rows.push(['engine restart (Swarm)', '-', '-', '-', after]);
      } finally {
        await node.remove();
      }
    },
    NESTED,
  );
});
