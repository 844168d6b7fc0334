/**
 * Host paths an access key asks to mount, resolved where they will be mounted: on the engine's
 * host (which may be another machine), not by comparing strings here. A short-lived container of
 * the load balancer's image (its `sh` and `realpath`, in the official Alpine and Debian variants
 * alike) mounts each allowed prefix read-only at a path of its own, as root with no capability
 * but reading, no network and a read-only root, and resolves every `..` and symlink. What leads
 * outside its prefix, is missing, or is not a plain directory or file (a socket, a device) is
 * refused; what passes is mounted by the path it resolved to.
 */
import type { Engine } from '../engine/engine.js';
import { InternalError, type SpecIssue, SvcError, UsageError } from '../errors.js';
import { LABEL } from '../model/naming.js';
import { parseVolumeEntry, volumeEntries } from '../model/volumes.js';
import type { ServiceSpec } from '../spec/types.js';
import { type ApiPolicy, type HostPathCheck, isWithin, PolicyRefusal, specIssues } from './policy.js';

/** Where the prefixes are mounted in the checking container: `/.svc-check/0`, `/.svc-check/1`… */
export const CHECK_ROOT = '/.svc-check';
const CHECK_TIMEOUT_MS = 30_000;

/**
 * For each argument one line `TYPE<TAB>RESOLVED`: TYPE `d` directory, `f` file, `s` socket, `o`
 * anything else, `-` missing (or unresolvable).
 */
export const RESOLVE_SCRIPT = [
  'for p in "$@"; do',
  '  r=$(realpath "$p" 2>/dev/null) || r=',
  '  if [ -z "$r" ] || ! [ -e "$r" ]; then t=-',
  '  elif [ -S "$r" ]; then t=s',
  '  elif [ -d "$r" ]; then t=d',
  '  elif [ -f "$r" ]; then t=f',
  '  else t=o; fi',
  '  printf "%s\\t%s\\n" "$t" "$r"',
  'done',
].join('\n');

/** What the checking container mounts (each prefix once) and the paths it resolves, in order. */
export function checkRun(checks: readonly HostPathCheck[]): {
  mounts: Array<{ source: string; target: string }>;
  args: string[];
  mountOf: string[];
} {
  const prefixes = [...new Set(checks.map((c) => c.prefix))];
  const mountOf = checks.map((c) => `${CHECK_ROOT}/${prefixes.indexOf(c.prefix)}`);
  return {
    mounts: prefixes.map((source, i) => ({ source, target: `${CHECK_ROOT}/${i}` })),
    args: checks.map((c, i) => `${mountOf[i]}${c.entry.source.slice(c.prefix.length)}`),
    mountOf,
  };
}

export interface Resolved {
  check: HostPathCheck;
  /** The host path to mount (inside its prefix, every symlink resolved), or why not. */
  host?: string;
  issue?: SpecIssue;
}

/** The checking container's lines judged, one per check. */
export function judge(
  checks: readonly HostPathCheck[],
  mountOf: readonly string[],
  output: string,
): Resolved[] {
  const lines = output.split('\n').filter((l) => l !== '');
  if (lines.length !== checks.length)
    throw new InternalError(`the host path check answered ${lines.length} lines for ${checks.length} paths`);
  return checks.map((check, i) => {
    const [type = '-', resolved = ''] = (lines[i] as string).split('\t');
    const mount = mountOf[i] as string;
    const say = (message: string): Resolved => ({
      check,
      issue: { path: `Volumes[${check.index}]`, message: `host path ${check.entry.source}: ${message}` },
    });
    if (resolved !== '' && !isWithin(resolved, mount))
      return say(`leads outside the allowed prefix ${check.prefix}`);
    // (An absolute symlink is followed inside the checking container, where only the prefix is.)
    if (type === '-')
      return say(
        `does not exist on the engine host, or a symlink on its way leads outside the allowed prefix ${check.prefix}`,
      );
    if (type === 's') return say('is a socket; sockets are never mounted through this server');
    if (type !== 'd' && type !== 'f') return say('is neither a directory nor a file');
    return { check, host: `${check.prefix}${resolved.slice(mount.length)}` };
  });
}

/** Run the check on the engine (one container for all the paths). */
export async function resolveHostPaths(
  engine: Engine,
  image: string,
  checks: readonly HostPathCheck[],
): Promise<Resolved[]> {
  if (checks.length === 0) return [];
  const run = checkRun(checks);
  if (!(await engine.imageExists(image))) await engine.pullImage(image);
  const result = await engine.runOnce({
    image,
    entrypoint: ['/bin/sh', '-c', RESOLVE_SCRIPT, 'svc-check'],
    cmd: run.args,
    user: '0',
    mounts: run.mounts,
    capAdd: ['DAC_READ_SEARCH'],
    labels: { [LABEL.role]: 'host-path-check' },
    timeoutMs: CHECK_TIMEOUT_MS,
  });
  if (result.exitCode !== 0)
    throw new InternalError(
      `cannot check host paths with image ${image} (it needs sh and realpath): exit ${result.exitCode} ${result.stderr.trim()}`,
    );
  return judge(checks, run.mountOf, result.stdout);
}

/**
 * The spec as the policy lets a key have it: a 403 naming every refused field; else its host
 * paths replaced by what they resolve to on the engine's host (what will really be mounted).
 */
export async function admitSpec(
  engine: Engine,
  image: string,
  policy: ApiPolicy,
  spec: ServiceSpec,
): Promise<ServiceSpec> {
  const { issues, hostPaths } = specIssues(spec, policy);
  const resolved = await resolveHostPaths(engine, image, hostPaths);
  issues.push(...resolved.flatMap((r) => (r.issue ? [r.issue] : [])));
  if (issues.length > 0) throw new PolicyRefusal(issues);
  if (resolved.length === 0) return spec;
  const volumes = [...(spec.Volumes ?? [])];
  for (const r of resolved) volumes[r.check.index] = `${r.host}:${r.check.entry.target}:ro`;
  return { ...spec, Volumes: volumes };
}

/**
 * Before a key adds replicas to a service: its host paths must pass the policy now and still
 * resolve to what was mounted (a directory swapped for a symlink since is refused).
 */
export async function recheckSpec(
  engine: Engine,
  image: string,
  policy: ApiPolicy,
  spec: ServiceSpec,
): Promise<void> {
  if (!volumeEntries(spec.Volumes).some((v) => v.host)) return;
  const hostOnly = { ...spec, Labels: {}, FIP: '' };
  const admitted = await admitSpec(engine, image, policy, hostOnly);
  const changed = (spec.Volumes ?? []).flatMap((entry, i): SpecIssue[] =>
    admitted.Volumes?.[i] === entry
      ? []
      : [{ path: `Volumes[${i}]`, message: `host path ${entry.split(':')[0]} no longer leads where it did` }],
  );
  if (changed.length > 0) throw new PolicyRefusal(changed);
}

/**
 * `svc serve --allow-host-path`: each prefix must be a directory on the engine's host (checked
 * there, as the paths under it will be). Returns how long the check took (ms).
 */
export async function checkPrefixes(
  engine: Engine,
  image: string,
  prefixes: readonly string[],
): Promise<number> {
  const started = process.hrtime.bigint();
  const checks = prefixes.map((prefix, index) => ({
    index,
    prefix,
    entry: parseVolumeEntry(`${prefix}:/p:ro`),
  }));
  let resolved: Resolved[];
  try {
    resolved = await resolveHostPaths(engine, image, checks);
  } catch (err) {
    if (!(err instanceof SvcError) || err.status === 503) throw err;
    throw new UsageError(`--allow-host-path ${prefixes.join(', ')}: ${err.message}`);
  }
  for (const r of resolved) {
    const why = r.issue?.message ?? (r.host !== r.check.prefix ? 'leads elsewhere' : undefined);
    if (why)
      throw new UsageError(`--allow-host-path ${r.check.prefix}: ${why.replace(/^host path \S+: /, '')}`);
  }
  return Number((process.hrtime.bigint() - started) / 1_000_000n);
}
