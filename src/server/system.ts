/**
 * The docker-style answers of the API beside the services: /version, /info and
 * /images/{name}/json, in the shapes the original Go client decodes (hyper-api `types/types.go`:
 * Version, Info, ImageInspect; test/server/conformance/ holds them as JSON Schemas). What comes
 * from the engine is picked field by field, by name and type, from a fixed list: nothing else of
 * the engine's answers (other tenants' containers, proxies, paths, labels) passes through. Pure.
 */
import os from 'node:os';
import { rfc3339Nano } from '../core/service-json.js';
import type { ContainerState, EngineInfo } from '../engine/engine.js';

export const API_VERSION = '1.23';

/** How requests are authorised here, reported as /info's Plugins.Authorization. */
export const AUTHORIZATION_SCHEMES = ['HYPER-HMAC-SHA256', 'Bearer'];

/** A Go type as JSON: its zero value and which JSON values fit it. */
type Kind = 'string' | 'int' | 'bool' | 'strings' | 'pairs' | 'stringMap' | 'keyed' | 'strslice' | Shape;
interface Shape {
  readonly [field: string]: Kind;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function fits(kind: Exclude<Kind, Shape>, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'int':
      return Number.isSafeInteger(v);
    case 'bool':
      return typeof v === 'boolean';
    case 'strings':
      return isStrings(v);
    case 'strslice':
      return typeof v === 'string' || isStrings(v);
    case 'pairs':
      return Array.isArray(v) && v.every((p) => isStrings(p) && p.length === 2);
    case 'stringMap':
      return isObject(v) && Object.values(v).every((s) => typeof s === 'string');
    case 'keyed':
      return isObject(v) && Object.values(v).every((s) => isObject(s) && Object.keys(s).length === 0);
  }
}

const ZERO: Record<Exclude<Kind, Shape>, unknown> = {
  string: '',
  int: 0,
  bool: false,
  strings: null,
  strslice: null,
  pairs: null,
  stringMap: null,
  keyed: null,
};

/** The fields of `shape` in its order, each `raw`'s value when it fits the type, else the zero value. */
export function pick(shape: Shape, raw: unknown): Record<string, unknown> {
  const from = isObject(raw) ? raw : {};
  const out: Record<string, unknown> = {};
  for (const [field, kind] of Object.entries(shape)) {
    const v = from[field];
    if (typeof kind === 'object') out[field] = pick(kind, v);
    else out[field] = v !== null && v !== undefined && fits(kind, v) ? v : ZERO[kind];
  }
  return out;
}

/** The engine facts /info passes on: about the machine and the engine, none about its contents. */
const ENGINE_INFO: Shape = {
  Driver: 'string',
  DriverStatus: 'pairs',
  MemoryLimit: 'bool',
  SwapLimit: 'bool',
  KernelMemory: 'bool',
  CpuCfsPeriod: 'bool',
  CpuCfsQuota: 'bool',
  CPUShares: 'bool',
  CPUSet: 'bool',
  IPv4Forwarding: 'bool',
  BridgeNfIptables: 'bool',
  BridgeNfIp6tables: 'bool',
  OomKillDisable: 'bool',
  LoggingDriver: 'string',
  CgroupDriver: 'string',
  KernelVersion: 'string',
  OperatingSystem: 'string',
  OSType: 'string',
  Architecture: 'string',
};

export interface InfoInput {
  tenant: string;
  engine: EngineInfo;
  /** The tenant's replica containers (of its services, and those `rm --keep` left). */
  containers: ReadonlyArray<{ state: ContainerState; image: string }>;
  /** How many services the tenant has. */
  services: number;
  now?: Date;
}

/**
 * GET /info: Docker's Info, scoped to the key's tenant where that means something (containers,
 * images, ID), the engine's facts otherwise, and svc's own fields (Tenant, Services) after.
 */
export function infoAnswer(input: InfoInput): Record<string, unknown> {
  const { engine, containers } = input;
  const raw = engine.raw ?? {};
  const facts = pick(ENGINE_INFO, raw);
  const plugins = pick({ Volume: 'strings', Network: 'strings' }, raw.Plugins);
  const count = (states: ContainerState[]) => containers.filter((c) => states.includes(c.state)).length;
  const running = count(['running', 'restarting']);
  const paused = count(['paused']);
  const runtime = pick({ ExecutionDriver: 'string', DefaultRuntime: 'string' }, raw);
  return {
    ID: input.tenant,
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: containers.length - running - paused,
    Images: new Set(containers.map((c) => c.image)).size,
    Driver: facts.Driver,
    DriverStatus: facts.DriverStatus,
    SystemStatus: null,
    Plugins: { ...plugins, Authorization: AUTHORIZATION_SCHEMES },
    ...Object.fromEntries(Object.entries(facts).filter(([k]) => !k.startsWith('Driver'))),
    Debug: false,
    SystemTime: rfc3339Nano(input.now),
    ExecutionDriver: runtime.ExecutionDriver || runtime.DefaultRuntime,
    OSType: facts.OSType || 'linux',
    Architecture: facts.Architecture || (process.arch === 'x64' ? 'x86_64' : process.arch),
    NCPU: engine.cpus,
    MemTotal: engine.memoryBytes,
    Name: os.hostname(),
    ServerVersion: engine.serverVersion,
    Tenant: input.tenant,
    Services: input.services,
  };
}

/** GET /version: svc serve's own (Docker's Version, plus MinAPIVersion and NodeVersion). */
export function versionAnswer(version: string): Record<string, unknown> {
  return {
    Version: version,
    ApiVersion: API_VERSION,
    MinAPIVersion: API_VERSION,
    GitCommit: '',
    GoVersion: '',
    Os: process.platform,
    Arch: process.arch === 'x64' ? 'amd64' : process.arch,
    KernelVersion: os.release(),
    BuildTime: '',
    NodeVersion: process.version,
  };
}

/** hyper-api `types/container/config.go` Config. */
const CONTAINER_CONFIG: Shape = {
  Hostname: 'string',
  Domainname: 'string',
  User: 'string',
  AttachStdin: 'bool',
  AttachStdout: 'bool',
  AttachStderr: 'bool',
  ExposedPorts: 'keyed',
  Tty: 'bool',
  OpenStdin: 'bool',
  StdinOnce: 'bool',
  Env: 'strings',
  Cmd: 'strslice',
  Image: 'string',
  Volumes: 'keyed',
  WorkingDir: 'string',
  Entrypoint: 'strslice',
  OnBuild: 'strings',
  Labels: 'stringMap',
  StopSignal: 'string',
};

/** hyper-api `types/types.go` ImageInspect. */
const IMAGE_INSPECT: Shape = {
  Id: 'string',
  RepoTags: 'strings',
  RepoDigests: 'strings',
  Parent: 'string',
  Comment: 'string',
  Created: 'string',
  Container: 'string',
  ContainerConfig: CONTAINER_CONFIG,
  DockerVersion: 'string',
  Author: 'string',
  Config: CONTAINER_CONFIG,
  Architecture: 'string',
  Os: 'string',
  Size: 'int',
  VirtualSize: 'int',
  GraphDriver: { Name: 'string' },
  RootFS: { Type: 'string', Layers: 'strings' },
};

/** GET /images/{name}/json: the engine's image inspect in the original's ImageInspect shape. */
export function imageAnswer(image: {
  id: string;
  tags: string[];
  raw?: Record<string, unknown>;
}): Record<string, unknown> {
  const answer: Record<string, unknown> = {
    ...pick(IMAGE_INSPECT, image.raw),
    Id: image.id,
    RepoTags: image.tags,
  };
  // The storage driver's data is the engine's host paths: not the client's business.
  return { ...answer, GraphDriver: { ...(answer.GraphDriver as object), Data: null } };
}
