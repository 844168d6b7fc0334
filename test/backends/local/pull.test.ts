/**
 * The pull policy of scale and rolling-update on the local backend (the fake engine): what each
 * pulls, and that a refused pull changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { localBackend } from '../../../src/backends/local/index.js';
import { createService, rollingUpdate, scaleService } from '../../../src/core/services.js';
import { EngineUnavailableError } from '../../../src/errors.js';
import { specNamed } from '../../support/containers.js';
import { FakeWorld, fakeCore } from '../../support/fake-engine.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';
const LB_IMAGE = 'haproxy:lts-alpine';
const run = { timeoutMs: 1000 };

async function created() {
  const w = new FakeWorld(['nginx', LB_IMAGE]);
  const core = fakeCore(w, TENANT);
  await createService(core, specNamed('web'), {
    ...run,
    lbImage: LB_IMAGE,
    wait: false,
    backend: localBackend,
  });
  return { world: w, core };
}

const pulls = (w: FakeWorld) => w.calls.filter((c) => c.what === 'pull').map((c) => c.target);

describe('the pull policy of scale and rolling-update', () => {
  it('scale: pulls the image of new replicas as the policy says, before changing anything', async () => {
    const { world: w, core } = await created();
    w.images.delete('nginx');
    const before = w.picture();
    await expect(scaleService(core, 'web', 3, { ...run, pull: 'never' })).rejects.toThrow(/forbids pulling/);
    expect(w.picture()).toEqual(before);
    w.inject({ match: (c) => c.what === 'pull', error: new EngineUnavailableError('refused') });
    await expect(scaleService(core, 'web', 3, run)).rejects.toThrow('refused');
    expect(w.picture()).toEqual(before);
    await scaleService(core, 'web', 3, { ...run, dryRun: true }); // a dry run pulls nothing
    await scaleService(core, 'web', 3, run);
    await scaleService(core, 'web', 1, { ...run, pull: 'always' }); // nothing created: nothing pulled
    expect(pulls(w)).toEqual(['nginx']);
  });

  it('rolling-update: pulls the new image unless the engine has it (missing), or always; never refuses', async () => {
    const { world: w, core } = await created();
    await expect(rollingUpdate(core, 'web', { image: 'app:2' }, { ...run, pull: 'never' })).rejects.toThrow(
      /forbids pulling/,
    );
    await rollingUpdate(core, 'web', { image: 'app:2' }, run);
    await rollingUpdate(core, 'web', { image: 'app:2' }, { ...run, pull: 'always' }); // nothing to do
    await rollingUpdate(core, 'web', { image: 'nginx' }, { ...run, pull: 'always' });
    expect(pulls(w)).toEqual(['app:2', 'nginx']);
  });
});
