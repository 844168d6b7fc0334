/**
 * The Swarm replicas run one digest: the image pinned from this node's copy or the registry as
 * the pull policy says, kept by a scale, and a rollback returning to the digest the release
 * before ran (the fake engine's swarm and registry). The load balancer's image is pulled on this
 * node when missing.
 */
import { describe, expect, it } from 'vitest';
import { pinnedImage } from '../../../src/backends/swarm/context.js';
import { swarmBackend } from '../../../src/backends/swarm/index.js';
import { createService, rollingUpdate, scaleService } from '../../../src/core/services.js';
import type { Engine } from '../../../src/engine/engine.js';
import type { SwarmService } from '../../../src/engine/swarm.js';
import { specNamed } from '../../support/containers.js';
import { FakeWorld, fakeCore } from '../../support/fake-engine.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';
const LB_IMAGE = 'haproxy:lts-alpine';
const run = { timeoutMs: 1000 };
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

describe('pinnedImage', () => {
  /** An engine having `local` images (with their RepoDigests), whose registry gives digest(2). */
  function engine(local: Record<string, string[]>): { engine: Engine; asked: string[] } {
    const asked: string[] = [];
    const e = {
      inspectImage: async (ref: string) =>
        local[ref] ? { id: 'sha256:x', tags: [ref], digests: local[ref] } : undefined,
      registryDigest: async (ref: string) => {
        asked.push(ref);
        return digest(2);
      },
    } as unknown as Engine;
    return { engine: e, asked };
  }

  it("missing and never take the digest this node's copy was pulled by; a copy built here runs as the tag", async () => {
    const { engine: e, asked } = engine({ 'r.io/app:1': [`r.io/app@${digest(1)}`], 'built:1': [] });
    expect(await pinnedImage(e, 'r.io/app:1', 'missing')).toBe(`r.io/app:1@${digest(1)}`);
    expect(await pinnedImage(e, 'r.io/app:1', 'never')).toBe(`r.io/app:1@${digest(1)}`);
    expect(await pinnedImage(e, 'built:1', 'missing')).toBe('built:1');
    expect(asked).toEqual([]);
  });

  it('always asks the registry, and so does missing when the node has no copy; never then refuses', async () => {
    const { engine: e, asked } = engine({ 'r.io/app:1': [`r.io/app@${digest(1)}`] });
    expect(await pinnedImage(e, 'r.io/app:1', 'always')).toBe(`r.io/app:1@${digest(2)}`);
    expect(await pinnedImage(e, 'r.io/app:2', 'missing')).toBe(`r.io/app:2@${digest(2)}`);
    await expect(pinnedImage(e, 'r.io/app:2', 'never')).rejects.toThrow(/forbids pulling/);
    expect(asked).toEqual(['r.io/app:1', 'r.io/app:2']);
  });
});

describe('a release runs one digest on the swarm', () => {
  async function created() {
    const w = new FakeWorld([], { swarm: true });
    w.registry.set('r.io/app:1', digest(1));
    w.registry.set('r.io/app:2', digest(2));
    const core = fakeCore(w, TENANT);
    const spec = specNamed('web', { Image: 'r.io/app:1', FIP: '' });
    await createService(core, spec, { ...run, lbImage: LB_IMAGE, wait: false, backend: swarmBackend });
    return { world: w, core };
  }
  const running = async (w: FakeWorld) => {
    const services = await fakeCore(w, TENANT).engine.swarm.listServices([]);
    const replicas = services.find((s) => s.name.startsWith('web-')) as SwarmService;
    return (replicas.spec.TaskTemplate as { ContainerSpec: { Image: string } }).ContainerSpec.Image;
  };

  it("pins the registry's digest, pulls the load balancer's image here, keeps the digest on a scale", async () => {
    const { world: w, core } = await created();
    expect(w.calls.filter((c) => c.what === 'pull').map((c) => c.target)).toEqual([LB_IMAGE]);
    expect(await running(w)).toBe(`r.io/app:1@${digest(1)}`);
    w.registry.set('r.io/app:1', digest(3)); // the tag moves
    await scaleService(core, 'web', 4, { ...run, pull: 'always' });
    expect(await running(w)).toBe(`r.io/app:1@${digest(1)}`);
  });

  it('a rollback returns to the digest the release before ran, unless --pull always asks again', async () => {
    const { world: w, core } = await created();
    await rollingUpdate(core, 'web', { image: 'r.io/app:2' }, run);
    expect(await running(w)).toBe(`r.io/app:2@${digest(2)}`);
    await scaleService(core, 'web', 3, run);
    w.registry.set('r.io/app:1', digest(3)); // the tag moves
    await rollingUpdate(core, 'web', { rollback: true }, run);
    expect(await running(w)).toBe(`r.io/app:1@${digest(1)}`);
    await rollingUpdate(core, 'web', { rollback: true }, run);
    expect(await running(w)).toBe(`r.io/app:2@${digest(2)}`);
    await rollingUpdate(core, 'web', { rollback: true }, { ...run, pull: 'always' });
    expect(await running(w)).toBe(`r.io/app:1@${digest(3)}`);
  });
});
