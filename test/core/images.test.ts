/** Getting an image onto the engine as the pull policy says, and what a failed pull is. */
import { describe, expect, it } from 'vitest';
import { ensureImage, pullImage } from '../../src/core/images.js';
import { EngineUnavailableError, InternalError, NotFoundError } from '../../src/errors.js';
import { FakeWorld, fakeCore } from '../support/fake-engine.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';

function world() {
  const w = new FakeWorld(['nginx']);
  return { world: w, engine: fakeCore(w, TENANT).engine };
}

const pulls = (w: FakeWorld) => w.calls.filter((c) => c.what === 'pull').map((c) => c.target);

describe('ensureImage', () => {
  it('missing pulls only an absent image; always pulls a present one; a dry run pulls nothing', async () => {
    const { world: w, engine } = world();
    expect(await ensureImage(engine, 'nginx', 'missing')).toBe(true);
    expect(await ensureImage(engine, 'app:2', 'missing')).toBe(true);
    expect(await ensureImage(engine, 'nginx', 'always')).toBe(true);
    expect(await ensureImage(engine, 'app:3', 'missing', { dryRun: true })).toBe(false);
    expect(pulls(w)).toEqual(['app:2', 'nginx']);
  });

  it('never: an absent image is not found (exit 3), even in a dry run; a present one is fine', async () => {
    const { engine } = world();
    await expect(ensureImage(engine, 'nginx', 'never')).resolves.toBe(true);
    for (const dryRun of [false, true])
      await expect(ensureImage(engine, 'app:2', 'never', { dryRun })).rejects.toThrow(
        'image "app:2" is not present on the engine and the pull policy "never" forbids pulling it',
      );
  });

  it("keeps the engine's typed refusals, and says why any other failure could not pull", async () => {
    const { world: w, engine } = world();
    for (const error of [
      new EngineUnavailableError('registry r.io refused the login'),
      new NotFoundError('image "r.io/a" is not in registry r.io'),
    ]) {
      w.inject({ match: (c) => c.what === 'pull', error });
      await expect(pullImage(engine, 'r.io/a')).rejects.toBe(error);
    }
    w.inject({ match: (c) => c.what === 'pull', error: new InternalError('network is unreachable') });
    const err = await pullImage(engine, 'r.io/a').catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('image "r.io/a" is not present and could not be pulled: network is unreachable');
  });
});
