/** Image references read as the docker CLI reads them: the registry, its credentials key, digests. */
import { describe, expect, it } from 'vitest';
import {
  DOCKER_HUB_KEY,
  digestIn,
  isImageOrPinned,
  parseReference,
  registryKey,
  repositoryOf,
  withDigest,
} from '../../src/engine/image-reference.js';

const DIGEST = `sha256:${'0a'.repeat(32)}`;

describe('the registry of an image reference', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', undefined],
    ['nginx:1.27', 'docker.io', 'library/nginx', '1.27'],
    ['library/nginx', 'docker.io', 'library/nginx', undefined],
    ['bitnami/redis:7', 'docker.io', 'bitnami/redis', '7'],
    ['docker.io/nginx', 'docker.io', 'library/nginx', undefined],
    ['index.docker.io/team/app:1', 'docker.io', 'team/app', '1'],
    ['localhost/app', 'localhost', 'app', undefined],
    ['localhost:5000/app:dev', 'localhost:5000', 'app', 'dev'],
    ['127.0.0.1:5000/acc/private:1', '127.0.0.1:5000', 'acc/private', '1'],
    ['registry.example.com/team/sub/app', 'registry.example.com', 'team/sub/app', undefined],
    ['Registry/app', 'Registry', 'app', undefined],
    ['team/sub/app', 'docker.io', 'team/sub/app', undefined],
  ])('%s: registry %s, repository %s, tag %s', (ref, domain, path, tag) => {
    expect(parseReference(ref)).toEqual({ domain, path, ...(tag ? { tag } : {}) });
  });

  it('reads a digest, with or without a tag', () => {
    expect(parseReference(`reg.example.com:5000/app@${DIGEST}`)).toEqual({
      domain: 'reg.example.com:5000',
      path: 'app',
      digest: DIGEST,
    });
    expect(parseReference(`app:1@${DIGEST}`)).toMatchObject({
      path: 'library/app',
      tag: '1',
      digest: DIGEST,
    });
  });

  it('keys Docker Hub credentials by its index URL, any other registry by host[:port]', () => {
    expect(registryKey('docker.io')).toBe(DOCKER_HUB_KEY);
    expect(DOCKER_HUB_KEY).toBe('https://index.docker.io/v1/');
    expect(registryKey('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(registryKey('ghcr.io')).toBe('ghcr.io');
  });
});

describe('digests', () => {
  it('pins a reference as docker service create does, keeping its tag', () => {
    expect(withDigest('reg:5000/app:1', DIGEST)).toBe(`reg:5000/app:1@${DIGEST}`);
    expect(withDigest('nginx', DIGEST)).toBe(`nginx@${DIGEST}`);
    expect(withDigest(`nginx@sha256:${'ff'.repeat(32)}`, DIGEST)).toBe(`nginx@${DIGEST}`);
  });

  it("finds the digest of the reference's repository among an image's RepoDigests, however written", () => {
    const digests = [`other/app@sha256:${'11'.repeat(32)}`, `nginx@${DIGEST}`];
    expect(digestIn(digests, 'nginx:1.27')).toBe(DIGEST);
    expect(digestIn(digests, 'docker.io/library/nginx')).toBe(DIGEST);
    expect(digestIn(digests, 'reg.example.com/nginx:1')).toBeUndefined();
    expect(digestIn([], 'nginx')).toBeUndefined();
    expect(repositoryOf('nginx:1')).toBe('docker.io/library/nginx');
  });

  it('tells a reference from itself pinned, and from another', () => {
    expect(isImageOrPinned(`app:1@${DIGEST}`, 'app:1')).toBe(true);
    expect(isImageOrPinned('app:1', 'app:1')).toBe(true);
    expect(isImageOrPinned(`app@${DIGEST}`, `app@${DIGEST}`)).toBe(true);
    expect(isImageOrPinned(`app:2@${DIGEST}`, 'app:1')).toBe(false);
    expect(isImageOrPinned(`app:1@${DIGEST}`, 'app')).toBe(false);
  });
});
