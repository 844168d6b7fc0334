/**
 * The original API's volume routes (`hyper volume create|ls|inspect|rm`), for one key's tenant:
 * its named volumes by the names its specs use, in docker's Volume shape. A volume is made by the
 * local driver with no options: driver options can make a "volume" that bind-mounts any host
 * path, so none is taken (the original client's `size` is accepted and has no effect here).
 */
import { randomBytes } from 'node:crypto';
import type { Core } from '../core/backend.js';
import {
  checkVolumeName,
  createVolume,
  findVolume,
  listVolumes,
  removeVolume,
  type TenantVolume,
  volumeJson,
  volumeLabelsFrom,
} from '../core/volumes.js';
import type { Labels } from '../engine/engine.js';
import { SpecError, type SpecIssue, UsageError } from '../errors.js';
import { parseJsonBody } from './bodies.js';
import { PolicyRefusal, RESERVED_LABEL_PREFIXES } from './policy.js';

/** The drivers a create may name: the original client's default (`hyper`), and local. */
const DRIVERS = ['', 'local', 'hyper'];
/** Driver options the original client sends that mean nothing for a local volume. */
const HARMLESS_OPTS = new Set(['size']);

const FIELDS = ['Name', 'Driver', 'DriverOpts', 'Labels'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function driverOptIssues(opts: unknown): SpecIssue[] {
  if (opts === null || opts === undefined) return [];
  if (!isObject(opts)) return [{ path: 'DriverOpts', message: 'expected an object of strings' }];
  return Object.entries(opts).flatMap(([k, v]): SpecIssue[] =>
    HARMLESS_OPTS.has(k) || (k === 'snapshot' && v === '')
      ? []
      : [
          {
            path: `DriverOpts.${k}`,
            message: 'driver options are not taken here (they can mount host paths)',
          },
        ],
  );
}

/** `POST /volumes/create`'s body (docker's VolumeCreateRequest): the name (made up when "") and labels. */
export function parseVolumeCreate(text: string): { name: string; labels: Labels } {
  const body = parseJsonBody(text);
  if (!isObject(body)) throw new UsageError('expected a JSON object such as {"Name": "data"}');
  const issues: SpecIssue[] = [];
  const get = (field: (typeof FIELDS)[number]) =>
    Object.entries(body).find(([k]) => k.toLowerCase() === field.toLowerCase())?.[1];
  for (const key of Object.keys(body))
    if (!FIELDS.some((f) => f.toLowerCase() === key.toLowerCase()))
      issues.push({ path: key, message: `unknown field; a volume takes ${FIELDS.join(', ')}` });
  const name = get('Name') ?? '';
  if (typeof name !== 'string') issues.push({ path: 'Name', message: 'expected a string' });
  const driver = get('Driver') ?? '';
  if (typeof driver !== 'string' || !DRIVERS.includes(driver.toLowerCase()))
    issues.push({
      path: 'Driver',
      message: `only the local driver is offered, got ${JSON.stringify(driver)}`,
    });
  issues.push(...driverOptIssues(get('DriverOpts')));
  let labels: Labels = {};
  const raw = get('Labels') ?? null;
  if (raw !== null && !(isObject(raw) && Object.values(raw).every((v) => typeof v === 'string')))
    issues.push({ path: 'Labels', message: 'expected an object of strings' });
  else if (raw !== null) {
    try {
      labels = volumeLabelsFrom(
        Object.entries(raw).map(([k, v]) => `${k}=${v}`),
        'Labels',
      );
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      issues.push(...err.issues);
    }
  }
  if (issues.length > 0) throw new SpecError(issues);
  const reserved = Object.keys(labels).flatMap((key): SpecIssue[] => {
    const p = RESERVED_LABEL_PREFIXES.find((x) => key.toLowerCase().startsWith(x));
    return p ? [{ path: `Labels.${key}`, message: `label keys starting with ${p} are Docker's` }] : [];
  });
  if (reserved.length > 0) throw new PolicyRefusal(reserved);
  const chosen = (name as string) || randomBytes(32).toString('hex');
  return { name: checkVolumeName(chosen), labels };
}

/** `GET /volumes`' `filters`: `name` (part of the name) and `dangling` (mounted by no service). */
export function filterVolumes(volumes: TenantVolume[], param: string | null): TenantVolume[] {
  if (!param) return volumes;
  let filters: unknown;
  try {
    filters = JSON.parse(param);
  } catch (err) {
    throw new UsageError(`filters: not JSON (${(err as Error).message})`);
  }
  if (!isObject(filters)) throw new UsageError('filters: expected a JSON map, e.g. {"name":["data"]}');
  let out = volumes;
  for (const [key, v] of Object.entries(filters)) {
    const values = Array.isArray(v) ? v : isObject(v) ? Object.keys(v).filter((k) => v[k] === true) : [v];
    if (key === 'name') out = out.filter((x) => values.some((n) => x.name.includes(String(n))));
    else if (key === 'dangling')
      out = out.filter((x) =>
        values.every((d) => ['true', '1'].includes(String(d)) === (x.services.length === 0)),
      );
    else throw new UsageError(`filters.${key}: volumes are filtered by name and dangling`);
  }
  return out;
}

export async function volumeList(core: Core, filters: string | null) {
  return { Volumes: filterVolumes(await listVolumes(core), filters).map(volumeJson), Warnings: null };
}

export async function volumeInspect(core: Core, name: string) {
  return volumeJson(await findVolume(core, name));
}

export async function volumeCreate(core: Core, text: string) {
  const { name, labels } = parseVolumeCreate(text);
  return volumeJson(await createVolume(core, name, labels));
}

export function volumeRemove(core: Core, name: string): Promise<void> {
  return removeVolume(core, name);
}
