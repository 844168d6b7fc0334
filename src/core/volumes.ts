/**
 * A tenant's named volumes, as the CLI (`svc volume`, `svc rm --volumes`) and the API
 * (`/volumes`, `DELETE /services/{name}?volumes=true`) see them: by the names the user chose.
 * The engine volume behind `data` is `svc-<tenant>_data`, labelled with the tenant; one of that
 * name that svc did not make for the tenant is never mounted nor removed.
 */
import type { Engine, Labels, VolumeMount, VolumeSummary } from '../engine/engine.js';
import { ConflictError, NotFoundError, SpecError, type SpecIssue, SvcError } from '../errors.js';
import { LABEL, labelFilter, names } from '../model/naming.js';
import { namedVolumes, ownsVolume, volumeLabels } from '../model/volumes.js';
import { VOLUME_NAME } from '../spec/list-rules.js';
import { resolveField } from '../spec/resolve-spec.js';
import { LABEL_PREFIX } from '../spec/types.js';
import type { Core, Snapshot } from './backend.js';
import { desiredSpec, observe } from './observe.js';

/** A volume of the tenant, as people and the API see it. */
export interface TenantVolume {
  /** The name the user chose. */
  name: string;
  /** The engine volume's name. */
  engineName: string;
  driver: string;
  scope: string;
  created: string;
  /** The user's labels (svc's own are not shown). */
  labels: Labels;
  /** Services of the tenant whose spec mounts it. */
  services: string[];
}

/**
 * Make sure the tenant's volume exists before a container mounts it: made with its labels when
 * absent; refused (409) when the engine has a volume of that name that is not the tenant's.
 * True when this call made it.
 */
export async function ensureVolume(engine: Engine, mount: VolumeMount): Promise<boolean> {
  const tenant = mount.labels[LABEL.tenant] ?? '';
  const volume = mount.labels[LABEL.volume] ?? '';
  const refuse = () =>
    new ConflictError(
      `the engine has a volume named ${mount.name} that svc did not make for tenant ${tenant}; it is not mounted`,
    );
  const found = await engine.inspectVolume(mount.name);
  if (found) {
    if (!ownsVolume(found.labels, tenant, volume)) throw refuse();
    return false;
  }
  const made = await engine.createVolume(mount.name, mount.labels);
  if (!ownsVolume(made.labels, tenant, volume)) throw refuse();
  return true;
}

/** The user's name of a volume, checked as the spec checks it. */
export function checkVolumeName(name: string, path = 'Name'): string {
  if (!VOLUME_NAME.test(name))
    throw new SpecError([
      {
        path,
        message: `a volume name is letters, digits, _ . - (at least 2 characters, starting with a letter or digit), got ${JSON.stringify(name)}`,
      },
    ]);
  return name;
}

/** `k=v` labels of a volume, checked as a spec's Labels are (svc's own prefix is reserved); every problem at once. */
export function volumeLabelsFrom(pairs: readonly string[], flag: string): Labels {
  const issues: SpecIssue[] = [];
  const labels: Labels = {};
  for (const pair of pairs) {
    try {
      Object.assign(labels, resolveField('Labels', { flag, value: pair }));
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new SpecError(issues);
  return labels;
}

/** The tenant's services (by name) whose desired spec mounts each volume. */
export function volumeUsers(snapshot: Snapshot): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const s of snapshot.services) {
    for (const v of namedVolumes(desiredSpec(s)?.Volumes ?? null))
      users.set(v, [...(users.get(v) ?? []), s.name]);
  }
  return users;
}

function userLabels(labels: Labels): Labels {
  return Object.fromEntries(
    Object.entries(labels).filter(([k]) => !k.toLowerCase().startsWith(LABEL_PREFIX)),
  );
}

function tenantVolume(v: VolumeSummary, users: Map<string, string[]>): TenantVolume {
  const name = v.labels[LABEL.volume] ?? v.name;
  return {
    name,
    engineName: v.name,
    driver: v.driver,
    scope: v.scope,
    created: v.created,
    labels: userLabels(v.labels),
    services: users.get(name) ?? [],
  };
}

/** The tenant's volumes, by name. */
export async function listVolumes(core: Core): Promise<TenantVolume[]> {
  const [volumes, snapshot] = await Promise.all([
    core.engine.listVolumes(labelFilter(core.tenant, undefined, 'volume')),
    observe(core),
  ]);
  const users = volumeUsers(snapshot);
  return volumes
    .filter((v) => ownsVolume(v.labels, core.tenant, v.labels[LABEL.volume] ?? ''))
    .map((v) => tenantVolume(v, users))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One of the tenant's volumes, or a 404 `no such volume`. */
export async function findVolume(core: Core, name: string): Promise<TenantVolume> {
  const found = (await listVolumes(core)).find((v) => v.name === name);
  if (!found) throw new NotFoundError(`no such volume: ${name}`);
  return found;
}

/** Make a volume of the tenant (one that exists is answered as it is, as docker does). */
export async function createVolume(core: Core, name: string, labels: Labels = {}): Promise<TenantVolume> {
  checkVolumeName(name);
  const mount = {
    name: names.volume(core.tenant, name),
    target: '/',
    readOnly: false,
    labels: { ...labels, ...volumeLabels(core.tenant, name) },
  };
  await ensureVolume(core.engine, mount);
  return findVolume(core, name);
}

/**
 * Remove a volume of the tenant: refused (409) while a service of the tenant or any container
 * uses it (for up to `patienceMs` the latter is waited out: a Swarm task's container goes seconds
 * after its service).
 */
export async function removeVolume(core: Core, name: string, patienceMs = 0): Promise<void> {
  const volume = await findVolume(core, name);
  if (volume.services.length > 0) {
    const list = volume.services.join(', ');
    throw new ConflictError(
      `volume ${name} is used by service${volume.services.length > 1 ? 's' : ''} ${list}; remove ${volume.services.length > 1 ? 'them' : 'it'} first`,
    );
  }
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      await core.engine.removeVolume(volume.engineName);
      return;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      if (!(err instanceof ConflictError)) throw err;
      if (Date.now() >= deadline)
        throw new ConflictError(`volume ${name} is in use by a container (not part of any service)`, {
          cause: err,
        });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * After services were removed: remove these volumes of theirs that no service of the tenant
 * still mounts. What is kept (still used, or in use by a container), and why, comes back as notes.
 */
export async function removeUnusedVolumes(core: Core, volumes: string[], patienceMs = 0): Promise<string[]> {
  const notes: string[] = [];
  const users = volumeUsers(await observe(core));
  for (const name of [...new Set(volumes)]) {
    const using = users.get(name);
    if (using) {
      notes.push(`kept volume ${name}: used by ${using.join(', ')}`);
      continue;
    }
    try {
      await removeVolume(core, name, patienceMs);
    } catch (err) {
      if (err instanceof NotFoundError) continue;
      if (!(err instanceof SvcError)) throw err;
      notes.push(`kept volume ${name}: ${err.message}`);
    }
  }
  return notes;
}

/**
 * A volume as the CLI prints it and the API answers it: docker's Volume (the original client's
 * `types.Volume`) by the user's name, with no host path (`Mountpoint` is the engine's business),
 * and the services mounting it.
 */
export function volumeJson(v: TenantVolume): Record<string, unknown> {
  return {
    Name: v.name,
    Driver: v.driver,
    Mountpoint: '',
    Labels: v.labels,
    Scope: v.scope,
    CreatedAt: v.created || '0001-01-01T00:00:00Z',
    Services: v.services,
  };
}
