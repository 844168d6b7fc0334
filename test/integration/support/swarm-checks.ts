/**
 * What the Swarm fault suite checks of a service (swarm-faults.test.ts): that `inspect` tells the
 * truth, that a service is what one successful run makes (its two Swarm services, and only the
 * configs and secrets its load balancer mounts), and that a removed one left nothing.
 */
import { expect } from 'vitest';
import { lbMounts } from '../../../src/backends/swarm/lb-plans.js';
import { LABEL, labelFilter } from '../../../src/model/naming.js';
import type { SvcResult } from '../../support/cli.js';
import { engine, HTTP_IMAGE } from './harness.js';

type Run = (args: string[]) => Promise<SvcResult>;

export interface Detail {
  Status: string;
  Message: string;
  Replicas: number;
  ReplicaDetail: Array<{ State: string; Image: string }>;
  Image: string;
  SSLCert: string;
}

/** The checks, for services of `tenant` on the tests' engine, `ok` running svc there. */
export function swarmChecks(tenant: string, ok: Run) {
  const inspect = async (name: string, by = ok): Promise<Detail> =>
    JSON.parse((await by(['inspect', name])).stdout)[0];

  /** The objects of `name` on the swarm: its Swarm services' roles, its configs' and secrets' names. */
  const objectsOf = async (name: string) => {
    const filter = labelFilter(tenant, name);
    const [services, configs, secrets] = await Promise.all([
      engine.swarm.listServices(filter),
      engine.swarm.listConfigs(filter),
      engine.swarm.listSecrets(filter),
    ]);
    return { services, objects: [...configs, ...secrets].map((o) => o.name).sort() };
  };

  return {
    inspect,
    /** What `inspect` says between a kill and the next command: never `active` unless it is. */
    async truthful(name: string, by = ok): Promise<string> {
      const s = await inspect(name, by);
      if (s.Status === 'active') {
        expect(s.ReplicaDetail).toHaveLength(s.Replicas);
        for (const r of s.ReplicaDetail) expect([r.State, r.Image]).toEqual(['running', s.Image]);
      }
      return s.Status;
    },
    /** The service as one successful run leaves it; its state for the table. */
    async expectSettled(name: string, replicas: number, image = HTTP_IMAGE): Promise<string> {
      const s = await inspect(name);
      expect([s.Status, s.Message, s.Replicas]).toEqual(['active', 'Scaling complete', replicas]);
      for (const r of s.ReplicaDetail) expect([r.State, r.Image]).toEqual(['running', image]);
      const { services, objects } = await objectsOf(name);
      expect(services.map((x) => x.labels[LABEL.role]).sort()).toEqual(['lb', 'replica']);
      const lb = services.find((x) => x.labels[LABEL.role] === 'lb');
      const mounted = lb ? Object.values(lbMounts(lb)).filter((o): o is string => Boolean(o)) : [];
      expect(objects).toEqual(mounted.sort());
      return `${s.Status}, ${s.Replicas} replicas`;
    },
    /** Nothing of `name` left on the swarm, nor in `ls`. */
    async expectGone(name: string): Promise<void> {
      expect(await objectsOf(name)).toEqual({ services: [], objects: [] });
      expect((await ok(['ls', '-q'])).stdout.split('\n')).not.toContain(name);
    },
  };
}
