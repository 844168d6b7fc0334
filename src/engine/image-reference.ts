/**
 * Image references as the docker CLI reads them (distribution/reference's normalisation): the
 * registry an image comes from, the key its credentials are stored under, and a reference pinned
 * to a digest. Pure; the reference is one the spec already checked.
 */

/** Docker Hub's domain, and the key `docker login` stores its credentials under. */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export interface ImageReference {
  /** The registry's host[:port]; `docker.io` for Docker Hub. */
  domain: string;
  /** The repository in the registry (`library/nginx` for `nginx`). */
  path: string;
  tag?: string;
  /** `sha256:…` */
  digest?: string;
}

/**
 * The parts of `ref`. As docker decides: the part before the first `/` is a registry only when it
 * has a `.` or a `:`, is `localhost`, or has capitals; else the image is Docker Hub's.
 */
export function parseReference(ref: string): ImageReference {
  const at = ref.indexOf('@');
  const named = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const colon = named.lastIndexOf(':');
  const hasTag = colon > named.lastIndexOf('/');
  const name = hasTag ? named.slice(0, colon) : named;
  const tag = hasTag ? named.slice(colon + 1) : undefined;
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const isDomain =
    slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  let domain = isDomain ? first : DOCKER_HUB;
  let path = isDomain ? name.slice(slash + 1) : name;
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The key the docker CLI looks credentials up by: Docker Hub's URL, else the registry's host[:port]. */
export function registryKey(domain: string): string {
  return domain === DOCKER_HUB ? DOCKER_HUB_KEY : domain;
}

/** The repository in full (`docker.io/library/nginx`), to compare two ways of writing it. */
export function repositoryOf(ref: string): string {
  const r = parseReference(ref);
  return `${r.domain}/${r.path}`;
}

/** `ref` pinned to `digest` (`name[:tag]@sha256:…`, as `docker service create` writes it). */
export function withDigest(ref: string, digest: string): string {
  return `${ref.split('@')[0]}@${digest}`;
}

/**
 * The digest of `ref`'s repository among an image's RepoDigests (`name@sha256:…`, the digests
 * it was pulled or pushed by), if it has one.
 */
export function digestIn(repoDigests: string[], ref: string): string | undefined {
  const repository = repositoryOf(ref);
  for (const d of repoDigests) {
    const at = d.indexOf('@');
    if (at > 0 && repositoryOf(d.slice(0, at)) === repository) return d.slice(at + 1);
  }
  return undefined;
}

/** Whether reference `running` is `image`, or `image` pinned to a digest (withDigest). */
export function isImageOrPinned(running: string, image: string): boolean {
  return running === image || running.replace(/@sha256:[0-9a-f]+$/, '') === image;
}
