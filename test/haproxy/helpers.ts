import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ConfigPaths,
  type LbServer,
  renderHaproxyConfig,
  type ServerTemplate,
} from '../../src/haproxy/render-config.js';
import { LB_DIR, LB_FILES, names, serverName } from '../../src/model/naming.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { freePort } from '../support/ports.js';
import { seedSpec } from '../support/seed.js';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const GOLDEN_DIR = join(HERE, 'golden');
export const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * The seed spec named web (the name the golden files carry), its replicas listening on 8080,
 * changed by `over`.
 */
export function makeSpec(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return { ...seedSpec, Name: 'web', ContainerPort: 8080, ...over };
}

/** The paths the live load balancer's config names (src/model/naming.ts: LB_DIR + LB_FILES). */
export const LIVE_PATHS: ConfigPaths = {
  cert: `${LB_DIR}/${LB_FILES.cert}`,
  allow: `${LB_DIR}/${LB_FILES.allow}`,
  state: `${LB_DIR}/${LB_FILES.state}`,
  settle: `${LB_DIR}/${LB_FILES.settle}`,
};

/** renderHaproxyConfig with the live paths (or `paths`); `template` for Swarm's DNS-found servers. */
export function renderConfig(
  spec: ServiceSpec,
  servers: LbServer[],
  paths: ConfigPaths = LIVE_PATHS,
  template?: ServerTemplate,
  joining?: string[],
): string {
  return renderHaproxyConfig({ spec, servers, paths, template, joining });
}

/** Replicas 1…count. */
export function replicaNumbers(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}

/**
 * The config svc gives a service's load balancer: server `rN` is replica N's container, by name
 * (as lbState in src/core/step-runner.ts builds it), with the live paths.
 */
export function lbConfigFor(spec: ServiceSpec, tenant: string, replicas: number[]): string {
  const servers = replicas.map((n) => ({
    name: serverName(n),
    host: names.replica(tenant, spec.Name, n),
    port: spec.ContainerPort,
  }));
  return renderConfig(spec, servers);
}

export function makeServers(n: number, port = 8080): LbServer[] {
  return Array.from({ length: n }, (_, i) => ({ name: `r${i + 1}`, host: `web-${i + 1}`, port }));
}

/**
 * The HAProxy binary the checks run. Missing is a failure, never a skip: the configs are only
 * known good once a real HAProxy accepted them.
 */
export function haproxyBin(): string {
  const fromEnv = process.env.HAPROXY_BIN;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`HAPROXY_BIN=${fromEnv} does not exist: the HAProxy config tests need a real HAProxy`);
  }
  for (const c of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) if (existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found;
  throw new Error(
    'haproxy binary not found (looked at /usr/sbin/haproxy, /usr/local/sbin/haproxy, PATH): ' +
      'install it (apt-get install haproxy, or scripts/build-test-images.sh) or set HAPROXY_BIN. ' +
      'The HAProxy config tests need a real HAProxy and do not skip.',
  );
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Environment for HAProxy children: HAProxy resolves server names with libc at startup, and
 * glibc's RES_OPTIONS bounds each DNS lookup, so a slow or absent resolver costs seconds, not
 * minutes (the names are container names: they never resolve outside Docker anyway).
 */
export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, RES_OPTIONS: 'timeout:1 attempts:1' };
}

export interface CheckResult {
  status: number | null;
  output: string;
  /** `[WARNING]`/`[ALERT]` lines other than the expected "could not resolve address" ones. */
  unexpected: string[];
}

/**
 * `haproxy -c -f FILE`. Container names do not resolve outside Docker, so the warnings that say
 * so are expected (the servers start in maintenance until Docker's DNS answers); any other
 * warning or alert is reported in `unexpected`.
 */
export function haproxyCheck(file: string): CheckResult {
  const r = spawnSync(haproxyBin(), ['-c', '-f', file], {
    encoding: 'utf8',
    timeout: 100_000,
    env: childEnv(),
  });
  if (r.error) throw new Error(`could not run haproxy -c: ${r.error.message}`);
  const output = `${r.stdout}${r.stderr}`;
  const unexpected = output
    .split('\n')
    .filter((l) => /\[(WARNING|ALERT)\]/.test(l))
    .filter((l) => !/could not resolve address '[^']+', disabling server\.$/.test(l));
  return { status: r.status, output, unexpected };
}

export { freePort };

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
