/**
 * Getting the image a change runs onto the engine, as the pull policy says (PullPolicy). The
 * engine pulls with the registry login it was given, and reports a registry's refusal as its own
 * typed error.
 */
import type { Engine } from '../engine/engine.js';
import { NotFoundError, SvcError } from '../errors.js';
import type { PullPolicy } from './backend.js';

/** A missing image that the policy `never` does not let svc pull. */
export function neverPullError(image: string): NotFoundError {
  return new NotFoundError(
    `image "${image}" is not present on the engine and the pull policy "never" forbids pulling it`,
  );
}

/**
 * Why `image` cannot be had: a registry's refusal or its answer that it has no such image, and an
 * unreachable engine, as the engine typed them; any other failure (the registry down…) as a
 * NotFoundError saying why.
 */
export function cannotPull(image: string, err: unknown): unknown {
  if (err instanceof SvcError && [400, 404, 503].includes(err.status)) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new NotFoundError(`image "${image}" is not present and could not be pulled: ${why}`, { cause: err });
}

/** Pull `image`, saying how it goes (a failure as cannotPull says). */
export async function pullImage(
  engine: Engine,
  image: string,
  onProgress?: (text: string) => void,
): Promise<void> {
  onProgress?.(`pulling ${image}`);
  try {
    await engine.pullImage(image, (p) => onProgress?.(`pulling ${image}: ${p.status} ${p.progress ?? ''}`));
  } catch (err) {
    throw cannotPull(image, err);
  }
}

/**
 * Make sure the engine has `image` as `policy` says; with `dryRun`, only check (pull nothing).
 * Whether the engine has it now (false: a dry run left it to pull).
 */
export async function ensureImage(
  engine: Engine,
  image: string,
  policy: PullPolicy,
  opts: { dryRun?: boolean; onProgress?: (text: string) => void } = {},
): Promise<boolean> {
  if (policy !== 'always' && (await engine.imageExists(image))) return true;
  if (policy === 'never') throw neverPullError(image);
  if (opts.dryRun) return false;
  await pullImage(engine, image, opts.onProgress);
  return true;
}
