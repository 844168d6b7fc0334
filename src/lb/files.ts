/**
 * A load balancer's files (where they go, as archive entries with their owners) and its
 * container settings: what the driver writes and how the container runs HAProxy (pure).
 */
import type { ArchiveEntry, ContainerSpec } from '../engine/engine.js';
import { InternalError } from '../errors.js';
import {
  type ConfigPaths,
  type LbServer,
  PEERS_NAME,
  renderHaproxyConfig,
  SETTLE_LUA,
  sourceAffinity,
} from '../haproxy/render-config.js';
import { renderServerState } from '../haproxy/server-state.js';
import { LB_DIR, LB_FILES, LB_STAGING } from '../model/naming.js';
import type { ServiceSpec } from '../spec/types.js';
import type { Owner } from './processes.js';

const CONFIG_PATH = `${LB_DIR}/${LB_FILES.config}`;

/** What a load balancer should serve. */
export interface LbState {
  spec: ServiceSpec;
  servers: LbServer[];
  /** A new SSLCert PEM; undefined keeps the certificate the load balancer has. */
  cert?: string;
  /** The allowed source prefixes when the spec names security groups; undefined keeps the file it has. */
  allow?: string[];
}

/**
 * `always`, not `unless-stopped`: the engine marks any container it signals through its API
 * (`POST /containers/{id}/kill`, how the driver reloads) as stopped by hand, and `unless-stopped`
 * then leaves it down after the engine restarts. A stopped load balancer is damage svc repairs
 * anyway, so `always` loses nothing.
 */
export const LB_RESTART_POLICY = 'always';

/** The container settings of a load balancer (its name, labels, network and ports come from the plan). */
export function lbContainerSettings(): Pick<
  ContainerSpec,
  'entrypoint' | 'cmd' | 'stopSignal' | 'sysctls' | 'logConfig' | 'restartPolicy'
> {
  return {
    // Master-worker in the foreground whatever the image's entrypoint does: SIGUSR2 reloads,
    // and every state change is printed on stderr.
    entrypoint: ['haproxy'],
    cmd: ['-W', '-db', '-f', CONFIG_PATH],
    // A soft stop: in-flight requests finish.
    stopSignal: 'SIGUSR1',
    restartPolicy: LB_RESTART_POLICY,
    sysctls: {
      // HAProxy runs as the image's user; let it bind service ports below 1024.
      'net.ipv4.ip_unprivileged_port_start': '0',
      // A new load balancer starts beside its replicas and may check one whose interface is not
      // up yet: the kernel asks again for its address after 100 ms, not 1 s, and the check is
      // answered rather than timed out. (eth0: its first network, the tenant's, at every start.)
      'net.ipv4.neigh.eth0.retrans_time_ms': '100',
    },
    // svc reads HAProxy's account of itself from this log: a driver it can read, bounded.
    logConfig: { type: 'json-file', config: { 'max-size': '10m', 'max-file': '3' } },
  };
}

export function paths(base: string): ConfigPaths & { config: string; state: string; settle: string } {
  return {
    config: `${base}/${LB_FILES.config}`,
    cert: `${base}/${LB_FILES.cert}`,
    allow: `${base}/${LB_FILES.allow}`,
    state: `${base}/${LB_FILES.state}`,
    settle: `${base}/${LB_FILES.settle}`,
  };
}

/** The Lua file a source-affinity config loads (render-config.ts SETTLE_LUA), else undefined. */
export function settleFile(spec: ServiceSpec): string | undefined {
  return sourceAffinity(spec) ? SETTLE_LUA : undefined;
}

export const LIVE = paths(LB_DIR);
export const STAGED = paths(`${LB_DIR}/${LB_STAGING}`);

/**
 * Archive entries (relative to LB_DIR) for these files under `prefix` ('' or the staging dir).
 * The certificate (readable by `owner` alone) needs the owner; the other files are root's, 0644.
 */
export function entries(
  files: { config?: string; cert?: string; allow?: string; state?: string; settle?: string },
  prefix: string,
  owner: Owner | undefined,
): ArchiveEntry[] {
  const at = (name: string) => (prefix ? `${prefix}/${name}` : name);
  const out: ArchiveEntry[] = prefix ? [{ name: prefix, mode: 0o755 }] : [];
  if (files.config !== undefined) out.push({ name: at(LB_FILES.config), content: files.config, mode: 0o644 });
  if (files.cert !== undefined) {
    if (!owner) throw new InternalError('a certificate is written only with its owner');
    const dir = LB_FILES.cert.slice(0, LB_FILES.cert.lastIndexOf('/'));
    out.push({ name: at(dir), mode: 0o700, ...owner });
    out.push({ name: at(LB_FILES.cert), content: files.cert, mode: 0o600, ...owner });
  }
  if (files.allow !== undefined) out.push({ name: at(LB_FILES.allow), content: files.allow, mode: 0o644 });
  if (files.state !== undefined) out.push({ name: at(LB_FILES.state), content: files.state, mode: 0o644 });
  if (files.settle !== undefined) out.push({ name: at(LB_FILES.settle), content: files.settle, mode: 0o644 });
  return out;
}

/** The config, with `joining` (server names) checked often until UP (render-config.ts joiningChecks). */
export function render(state: LbState, where: ConfigPaths, joining: readonly string[] = []): string {
  return renderHaproxyConfig({ spec: state.spec, servers: state.servers, paths: where, joining });
}

/** The server-state file for a (re)load after which `down` (server names) start DOWN. */
export function renderState(state: LbState, down: readonly string[] = []): string {
  return renderServerState(state.servers, down);
}

export const restricted = (spec: ServiceSpec) => (spec.SecurityGroups?.length ?? 0) > 0;

/** What a load balancer's files hold that no record does. */
export interface LiveFiles {
  /** The certificate it serves (PEM), if it has one. */
  cert?: string;
  /** Its allow list, if it has one. */
  allow?: string;
  /** A certificate was staged and not blanked (a command was killed between check and install). */
  stagedCert: boolean;
}

/** File `name` (relative to the load balancer's directory) of a tree read from it, as text. */
function textIn(tree: ArchiveEntry[], name: string): string | undefined {
  const base = `${LB_DIR.slice(LB_DIR.lastIndexOf('/') + 1)}/`;
  return tree.find((e) => e.name === `${base}${name}`)?.content?.toString();
}

/** The config in a tree read from the load balancer's directory. */
export function configOf(tree: ArchiveEntry[]): string | undefined {
  return textIn(tree, LB_FILES.config);
}

/** Whether a config keeps a stick table across reloads (a `peers` section: source affinity). */
export function keepsTable(config: string | undefined): boolean {
  return config !== undefined && new RegExp(`^peers ${PEERS_NAME}$`, 'm').test(config);
}

/** The live files, from what readFiles gave for LB_DIR (names relative to its parent). Pure. */
export function liveFiles(tree: ArchiveEntry[]): LiveFiles {
  const text = (name: string) => textIn(tree, name);
  return {
    cert: text(LB_FILES.cert) || undefined,
    allow: text(LB_FILES.allow),
    stagedCert: (text(`${LB_STAGING}/${LB_FILES.cert}`) ?? '') !== '',
  };
}
