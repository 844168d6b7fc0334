/**
 * Every step of an operation fails in turn (the fake engine's injection): before the commit the
 * world must be left exactly as it was; in the cleanup after it, the change is done and what was
 * left behind is said. The operations, and the loop, are the same for every backend.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Backend, Core } from '../../src/core/backend.js';
import { saveGroup } from '../../src/core/groups.js';
import {
  type ChangeResult,
  createService,
  rollingUpdate,
  scaleService,
  setFip,
  updateCert,
} from '../../src/core/services.js';
import { SvcError } from '../../src/errors.js';
import { LABEL } from '../../src/model/naming.js';
import type { SecurityGroup } from '../../src/model/security-group.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import type { TestCerts } from './certs.js';
import { type Call, FakeWorld, fakeCore } from './fake-engine.js';
import { seedSpec } from './seed.js';

export interface Scenario {
  name: string;
  /** Makes the world the operation starts from. */
  given: (core: Core) => Promise<void>;
  op: (core: Core) => Promise<unknown>;
  /** A create has no cleanup: every step is before the commit. */
  noCleanup?: boolean;
  /** Run after the operation was killed (support/kills.ts); else the operation again. */
  again?: (core: Core) => Promise<unknown>;
  /**
   * A call whose failure it may recover from, by making the call again: a create's head start
   * (Backend.createHeadStart), run again by the plan. It then succeeds as without the failure.
   */
  retried?: (call: Call) => boolean;
}

/** A create: its head start makes the tenant network, and the plan again when that failed. */
const networkRetried = (call: Call) => call.what === 'create-network';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';
const LB_IMAGE = 'haproxy:lts-alpine';
const run = { timeoutMs: 1000 };

/** A fresh world with the images the scenarios use (and with `swarm`, a swarm it manages). */
export function fakeWorld(swarm = false): { world: FakeWorld; core: Core } {
  const w = new FakeWorld(['nginx', 'app:2', LB_IMAGE], { swarm });
  return { world: w, core: fakeCore(w, TENANT) };
}

const office: SecurityGroup = {
  name: 'office',
  description: '',
  rules: [
    {
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: null,
      port_range_max: null,
      remote_ip_prefix: '10.0.0.0/8',
      remote_group_name: '',
    },
  ],
};
const narrower = {
  ...office,
  rules: [{ ...(office.rules[0] as SecurityGroup['rules'][0]), remote_ip_prefix: '192.168.0.0/16' }],
};
const group = (c: Core) => saveGroup(c, office, 'create', { ...run, image: LB_IMAGE }).then(() => undefined);

/** Every operation on services of `backend` (`fip`: an address it can publish on). */
export function operations(backend: Backend, fip: string, certs: TestCerts): Scenario[] {
  const create = (c: Core, spec: ServiceSpec) =>
    createService(c, spec, { ...run, lbImage: LB_IMAGE, pull: 'missing', wait: false, backend });
  const given = (spec: ServiceSpec) => (c: Core) => create(c, spec).then(() => undefined);
  const https: ServiceSpec = { ...seedSpec, Protocol: 'httpsTerm', SSLCert: certs.leaf.pem };
  const guarded: ServiceSpec = { ...seedSpec, SecurityGroups: ['office'] };
  return [
    {
      name: 'create',
      given: async () => undefined,
      op: (c) => create(c, seedSpec),
      noCleanup: true,
      retried: networkRetried,
    },
    {
      name: 'create with a security group',
      given: group,
      op: (c) => create(c, guarded),
      noCleanup: true,
      retried: networkRetried,
    },
    {
      name: 'create with a certificate',
      given: async () => undefined,
      op: (c) => create(c, https),
      noCleanup: true,
      retried: networkRetried,
    },
    {
      name: 'create with a named volume and a host path',
      given: async () => undefined,
      op: (c) => create(c, { ...seedSpec, Volumes: ['data:/d', '/srv:/s:ro'] }),
      noCleanup: true,
      retried: networkRetried,
    },
    { name: 'scale up', given: given(seedSpec), op: (c) => scaleService(c, 'http', 4, run) },
    {
      name: 'scale up with a named volume',
      given: given({ ...seedSpec, Volumes: ['data:/d'] }),
      op: (c) => scaleService(c, 'http', 4, run),
    },
    { name: 'scale down', given: given(seedSpec), op: (c) => scaleService(c, 'http', 1, run) },
    {
      name: 'rolling update',
      given: given({ ...seedSpec, Replicas: 3 }),
      op: (c) => rollingUpdate(c, 'http', { image: 'app:2' }, run),
    },
    {
      name: 'attach-fip',
      given: given(seedSpec),
      op: (c) => setFip(c, 'http', fip, run),
      // Once it had committed, attaching the FIP again is a conflict (exit 4), after the repair.
      again: (c) =>
        setFip(c, 'http', fip, run).catch((e: Error) => {
          if (!/already has FIP/.test(e.message)) throw e;
        }),
    },
    { name: 'detach-fip', given: given({ ...seedSpec, FIP: fip }), op: (c) => setFip(c, 'http', '', run) },
    { name: 'update-cert', given: given(https), op: (c) => updateCert(c, 'http', certs.other.pem, run) },
    {
      name: 'security group update',
      given: async (c) => {
        await group(c);
        await create(c, guarded);
        await create(c, { ...guarded, Name: 'api' });
      },
      op: (c) => saveGroup(c, narrower, 'update', { ...run, image: LB_IMAGE }),
    },
  ];
}

/** A world's picture without the times it was made at (two worlds made alike differ only there). */
function timeless(picture: unknown): unknown {
  return JSON.parse(JSON.stringify(picture), (key, value) => (key === LABEL.created ? '' : value));
}

/** `world` makes a fresh world; `phaseCalls` says how many of a successful run's calls come before the commit. */
export function describeRollbacks(
  scenarios: Scenario[],
  world: () => { world: FakeWorld; core: Core },
  phaseCalls: (calls: Call[]) => number,
): void {
  describe.each(scenarios)('$name', ({ given, op, noCleanup, retried }) => {
    let w: FakeWorld;
    let core: Core;
    beforeEach(async () => {
      ({ world: w, core } = world());
      await given(core);
    });

    it('succeeds, and with a failure at each step before the commit leaves the world as it was', async () => {
      const before = w.picture();
      const start = w.calls.length;
      await op(core);
      const success = w.calls.slice(start);
      const after = w.picture();
      expect(after).not.toEqual(before);
      const committed = noCleanup ? success.length : phaseCalls(success);
      expect(committed).toBeGreaterThan(0);

      for (let k = 1; k <= success.length; k++) {
        ({ world: w, core } = world());
        await given(core);
        const again = w.picture();
        w.inject({ at: k });
        const outcome = await op(core).then(
          (r) => ({ ok: true as const, r }),
          (e: unknown) => ({ ok: false as const, e }),
        );
        const call = success[k - 1] as Call;
        if (outcome.ok && retried?.(call)) {
          expect(timeless(w.picture()), `world after a failure at step ${k}, made again`).toEqual(
            timeless(after),
          );
        } else if (k <= committed) {
          expect(outcome.ok, `failure at step ${k} (${success[k - 1]?.what} ${success[k - 1]?.target})`).toBe(
            false,
          );
          if (!outcome.ok) {
            expect(outcome.e).toBeInstanceOf(SvcError);
            expect((outcome.e as Error).message).toMatch(/injected failure/);
          }
          expect(w.picture(), `world after a failure at step ${k}`).toEqual(again);
        } else {
          // After the commit: the change is done; what the cleanup could not do is said.
          expect(outcome.ok, `cleanup failure at step ${k}`).toBe(true);
          const notes = (outcome as { r: ChangeResult }).r.notes;
          expect(notes.join(' ')).toMatch(/left behind/);
        }
      }
    });
  });
}
