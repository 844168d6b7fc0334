/**
 * The spec's Volumes on the engine. A named volume belongs to its tenant: the spec keeps the name
 * the user chose (`data:/d`), the engine volume is `svc-<tenant>_data` with the tenant's labels,
 * made by svc before a replica mounts it (and, should it be gone, made again by the engine with
 * the same labels from the mount's options). Host paths pass through as binds. Pure.
 */
import type { Labels, VolumeMount } from '../engine/engine.js';
import { ConflictError } from '../errors.js';
import { baseLabels, LABEL, names } from './naming.js';

export interface VolumeEntry {
  /** The volume's name, or the host path. */
  source: string;
  /** The path in the container. */
  target: string;
  readOnly: boolean;
  /** An absolute host path rather than a named volume. */
  host: boolean;
  /** The entry as written. */
  entry: string;
}

/** `source:/target[:ro|:rw]` (entries the spec validated). */
export function parseVolumeEntry(entry: string): VolumeEntry {
  const [source = '', target = '', mode] = entry.split(':');
  return { source, target, readOnly: mode === 'ro', host: source.startsWith('/'), entry };
}

export function volumeEntries(volumes: readonly string[] | null): VolumeEntry[] {
  return (volumes ?? []).map(parseVolumeEntry);
}

/** The labels of a tenant's named volume. */
export function volumeLabels(tenant: string, volume: string): Labels {
  return { ...baseLabels(tenant, 'volume'), [LABEL.volume]: volume };
}

/** Whether an engine volume (by its labels) is this tenant's volume of that name. */
export function ownsVolume(labels: Labels | null | undefined, tenant: string, volume: string): boolean {
  return (
    labels?.[LABEL.tenant] === tenant &&
    labels[LABEL.role] === 'volume' &&
    labels[LABEL.volume] === volume &&
    labels[LABEL.managed] !== undefined
  );
}

/** The user's names of the named volumes of a spec, each once, in order. */
export function namedVolumes(volumes: readonly string[] | null): string[] {
  return [
    ...new Set(
      volumeEntries(volumes)
        .filter((v) => !v.host)
        .map((v) => v.source),
    ),
  ];
}

/** The spec's host paths as docker binds (`/host:/path[:ro]`), or null when it has none. */
export function hostBinds(volumes: readonly string[] | null): string[] | null {
  const binds = volumeEntries(volumes)
    .filter((v) => v.host)
    .map((v) => v.entry);
  return binds.length > 0 ? binds : null;
}

/** A named volume's entry as a mount of the tenant's engine volume. */
export function tenantMount(v: VolumeEntry, tenant: string): VolumeMount {
  return {
    name: names.volume(tenant, v.source),
    target: v.target,
    readOnly: v.readOnly,
    labels: volumeLabels(tenant, v.source),
  };
}

/** The spec's named volumes as mounts of the tenant's engine volumes. */
export function tenantMounts(volumes: readonly string[] | null, tenant: string): VolumeMount[] {
  return volumeEntries(volumes)
    .filter((v) => !v.host)
    .map((v) => tenantMount(v, tenant));
}

/**
 * Before new replicas of a service made when named volumes were not yet the tenant's: its
 * replicas mount `data` by the plain name, and new ones would mount the tenant's
 * `svc-<tenant>_data`, without that data. Refused (409) until the data is moved.
 */
export function refusePlainVolumes(
  service: string,
  volumes: readonly string[] | null,
  tenant: string,
  mounted: Iterable<string>,
): void {
  const engine = new Set(mounted);
  const plain = namedVolumes(volumes).filter((v) => engine.has(v) && v !== names.volume(tenant, v));
  if (plain.length === 0) return;
  const list = plain.map((v) => `${v} (now ${names.volume(tenant, v)})`).join(', ');
  throw new ConflictError(
    `service "${service}" mounts volumes by their plain names, from before named volumes were the tenant's: ${list}; new replicas would mount the tenant's without that data: copy the data into the tenant's volumes and create the service again`,
  );
}
