/**
 * The load balancer driver: the only code that does anything to or inside a load balancer
 * container. It asks of the image only what the official haproxy images give: the `haproxy`
 * binary on the PATH and the directory /usr/local/etc/haproxy; it works whatever user the image
 * runs as, with no shell or client program in it, and over a remote engine (Engine API only).
 *
 *   write files    the archive API, at their final paths, as the engine's root with the owners
 *                  svc sets (the certificate readable by HAProxy's user alone)
 *   check          `haproxy -c` on a staged copy (exec of the binary itself)
 *   reload         SIGUSR2 to the master (master-worker mode, `-W -db`), confirmed by its
 *                  `Loading success.` on stderr; a refused reload puts the old files back
 *   revive         restart policy `always` (a signalled container would stay down after an
 *                  engine restart otherwise), and a stopped one started again (revive.ts)
 *   server states  the workers' health-check lines on stderr (`option log-health-checks`),
 *                  followed through the engine's log stream (src/lb/log-watch.ts); replicas
 *                  joining a running load balancer start DOWN (its server-state file) and
 *                  take requests once their checks pass
 *   readiness      a replica whose image has a Docker HEALTHCHECK joins only once Docker
 *                  says it is healthy, and one that exits while a wait is for it fails that
 *                  wait at once (src/lb/health.ts)
 *   drain          reload without the leaving servers: the old worker finishes what it has in
 *                  flight and exits; done when the engine's process list has no old worker left
 *   stick table    source affinity's table passes from the old worker to the new one over a
 *                  local peer: a reload waits until the first worker counts it complete, and
 *                  returns once the old worker exited after pushing it (reload.ts)
 */
import type { ArchiveEntry, Engine } from '../engine/engine.js';
import { NotFoundError, SvcError, UsageError } from '../errors.js';
import { foldLbLog, type LbView } from '../haproxy/lb-log.js';
import { BACKEND_NAME, renderAllowList } from '../haproxy/render-config.js';
import { LABEL, LB_DIR, LB_FILES, LB_STAGING, names, replicaNumberOf } from '../model/naming.js';
import { LB_IMAGE_CONTRACT } from './contract.js';
import { CounterReader } from './counters.js';
import {
  configOf,
  entries,
  keepsTable,
  type LbState,
  LIVE,
  type LiveFiles,
  liveFiles,
  render,
  renderState,
  restricted,
  settleFile,
} from './files.js';
import { exitGuard, untilHealthy } from './health.js';
import type { LoadBalancerDriver, Undo } from './interface.js';
import { followLog, type LbLine, LogWatch } from './log-watch.js';
import { fileOwner, type Owner, workerPids } from './processes.js';
import { reload, untilHandedOver, untilTableSettles, waitDrained } from './reload.js';
import { RestartPolicies, startAgain } from './revive.js';
import { checkStaged, overlay, putBack } from './staging.js';
import { type ClientKind, httpProbeOf, type ServerCounters } from './stats.js';
import { untilLoaded, untilUp, untilUpCount, type WaitOptions } from './waits.js';

export { type LbState, type LiveFiles, lbContainerSettings } from './files.js';
export type { LoadBalancerDriver, Undo } from './interface.js';
export type { LbLine } from './log-watch.js';
export type { WaitOptions } from './waits.js';

/** The containers of `servers` (names) in `state`. */
function hostsOf(state: LbState, servers: string[]): string[] {
  return state.servers.filter((s) => servers.includes(s.name)).map((s) => s.host);
}

/** What is left of a wait's time at `deadline`. */
function until(deadline: number, opts: WaitOptions): WaitOptions {
  return { ...opts, timeoutMs: Math.max(1, deadline - Date.now()) };
}

export class LbDriver implements LoadBalancerDriver {
  private readonly owners = new Map<string, Owner>();
  private readonly counters: CounterReader;
  /**
   * What LB_DIR holds (as readFiles gives it), by container, after this driver's last change of
   * it: the next change of the same load balancer (the next step of one command, which holds the
   * service's lock) need not read it back (an archive read, 0.1–0.4 s).
   */
  private readonly files = new Map<string, ArchiveEntry[]>();
  private readonly policies: RestartPolicies;

  constructor(private readonly engine: Engine) {
    this.counters = new CounterReader(engine);
    this.policies = new RestartPolicies(engine);
  }

  private async owner(id: string): Promise<Owner> {
    let o = this.owners.get(id);
    if (!o) {
      o = await fileOwner(this.engine, id);
      this.owners.set(id, o);
    }
    return o;
  }

  /**
   * Write a new (created, not yet started) load balancer's files; its certificate may come from
   * `certFrom`; with `joining`, its servers are checked every 25 ms (an HTTP check:
   * 50 ms) until UP.
   */
  async configure(
    id: string,
    state: LbState,
    opts: { certFrom?: string; joining?: boolean } = {},
  ): Promise<void> {
    let cert = state.cert;
    if (cert === undefined && opts.certFrom && state.spec.Protocol === 'httpsTerm') {
      cert = await this.readCert(opts.certFrom);
    }
    const allow = restricted(state.spec) ? renderAllowList(state.allow ?? []) : undefined;
    const joining = opts.joining ? state.servers.map((s) => s.name) : [];
    const files = {
      config: render(state, LIVE, joining),
      cert,
      allow,
      state: renderState(state),
      settle: settleFile(state.spec),
    };
    // Only a certificate needs an owner (HAProxy's user): finding it reads the image's passwd.
    const owner = cert === undefined ? undefined : await this.owner(id);
    try {
      await this.engine.writeFiles(id, LB_DIR, entries(files, '', owner));
    } catch (err) {
      if (err instanceof NotFoundError)
        throw new UsageError(
          `the load balancer image has no ${LB_DIR}: ${err.message}; ${LB_IMAGE_CONTRACT}`,
        );
      throw err;
    }
  }

  private async readCert(id: string): Promise<string | undefined> {
    const [file] = await this.engine.readFiles(id, `${LB_DIR}/${LB_FILES.cert}`);
    return file?.content?.toString('utf8');
  }

  /** Start a configured load balancer; resolves once HAProxy has loaded its config. */
  async start(id: string, opts: WaitOptions): Promise<void> {
    try {
      await this.engine.startContainer(id);
    } catch (err) {
      // The image is not one svc can use: a usage error (exit 2), with the contract.
      if (err instanceof SvcError && /executable file not found|no such file or directory/i.test(err.message))
        throw new UsageError(`the load balancer cannot start: ${err.message}; ${LB_IMAGE_CONTRACT}`);
      throw err;
    }
    const watch = await LogWatch.open(this.engine, id, { since: 0 });
    try {
      await untilLoaded(watch, 'start', opts);
    } finally {
      watch.close();
    }
  }

  async revive(id: string, opts: WaitOptions): Promise<void> {
    await this.policies.ensure(id);
    await startAgain(this.engine, id, opts);
  }

  /** Swarm's DNS-filled slots: see untilUpCount (waits.ts). */
  async waitUpCount(id: string, count: number, opts: WaitOptions): Promise<void> {
    // The probe checks as the config does: a GET of HealthCheckPath when it has one.
    // (Not readable: a bare connection, as before.)
    const [config] = await this.engine.readFiles(id, `${LB_DIR}/${LB_FILES.config}`).catch(() => []);
    const http = httpProbeOf(config?.content?.toString('utf8') ?? '');
    // The probe's files are written while the wait begins, not when the first probe is due.
    this.counters.prepare(id, 'probe', http).catch(() => undefined);
    const watch = await LogWatch.open(this.engine, id, { since: 0 });
    try {
      await untilUpCount(watch, count, opts, () => this.counters.read(id, 'probe', http));
    } finally {
      watch.close();
    }
  }

  async waitLoaded(id: string, opts: WaitOptions): Promise<void> {
    const watch = await LogWatch.open(this.engine, id, { since: 0 });
    try {
      await untilLoaded(watch, 'start', opts);
    } finally {
      watch.close();
    }
  }

  /**
   * Wait until each of `servers` passed a health check in the load balancer's current worker
   * and, where its replica's image has a HEALTHCHECK, Docker says it is healthy.
   */
  async waitUp(id: string, servers: string[], opts: WaitOptions & { startedHere?: boolean }): Promise<void> {
    if (servers.length === 0) return;
    const detail = await this.engine.inspectContainer(id);
    const since = Math.floor(Date.parse(detail.startedAt) / 1000) || 0;
    // Server rN is replica N's container (as the core names them).
    const [tenant = '', service = ''] = [detail.labels[LABEL.tenant], detail.labels[LABEL.service]];
    const containers = servers.flatMap((s) => {
      const n = replicaNumberOf(s);
      return n === undefined ? [] : [names.replica(tenant, service, n)];
    });
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    const guard = exitGuard(this.engine, containers, { startedHere: opts.startedHere ?? false });
    try {
      const watch = await LogWatch.open(this.engine, id, { since });
      try {
        // Both, at once, and a replica that exits fails the wait; the first to fail ends the rest.
        await guard.race(
          Promise.all([
            untilUp(watch, servers, { ...opts, signal }),
            untilHealthy(this.engine, containers, { ...opts, signal, onProgress: undefined }),
          ]),
          stop,
        );
      } finally {
        watch.close();
      }
    } finally {
      guard.stop();
    }
  }

  /**
   * Change a running load balancer to `state`: stage and check the files (`haproxy -c`), install
   * them, reload, and wait until the new worker has loaded them, then until `up` passed a check
   * in it and (with `drain`) until every worker from before has finished and exited. On any
   * failure the files are put back (and reloaded) and it throws; on success it returns the undo.
   */
  async apply(
    id: string,
    state: LbState,
    opts: WaitOptions & { up?: string[]; drain?: boolean },
  ): Promise<Undo> {
    if (!opts.up?.length) return this.change(id, state, opts, (p) => p);
    // A joining replica that exits fails its waits at once (health.ts), ending the others. The
    // command joining them started them (new ones, or stopped ones it started again).
    const guard = exitGuard(this.engine, hostsOf(state, opts.up), { startedHere: true });
    const stop = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
    try {
      return await this.change(id, state, { ...opts, waitSignal: signal }, (wait) => guard.race(wait, stop));
    } finally {
      guard.stop();
    }
  }

  /** apply's work; `guarded` wraps each wait for the joining replicas (`waitSignal` ends them). */
  private async change(
    id: string,
    state: LbState,
    opts: WaitOptions & { up?: string[]; drain?: boolean; waitSignal?: AbortSignal },
    guarded: <T>(wait: Promise<T>) => Promise<T>,
  ): Promise<Undo> {
    const deadline = Date.now() + opts.timeoutMs;
    const waits = { ...opts, signal: opts.waitSignal ?? opts.signal };
    // A signal through the engine makes it think the container was stopped by hand: only the
    // restart policy `always` brings it back after an engine restart (files.ts).
    const [owner] = await Promise.all([this.owner(id), this.policies.ensure(id)]);
    const before = this.files.get(id) ?? (await this.engine.readFiles(id, LB_DIR));
    const cert = state.spec.Protocol === 'httpsTerm' ? state.cert : undefined;
    const allow = restricted(state.spec) && state.allow ? renderAllowList(state.allow) : undefined;
    // The joining servers start DOWN: no request reaches them before their checks pass.
    const stateFile = renderState(state, opts.up);
    await checkStaged(this.engine, id, state, { cert, allow, state: stateFile, joining: opts.up }, owner);
    // A replica whose image has a HEALTHCHECK joins once Docker says it is healthy.
    if (opts.up?.length) await guarded(untilHealthy(this.engine, hostsOf(state, opts.up), waits));

    const files = {
      config: render(state, LIVE, opts.up),
      cert,
      allow,
      state: stateFile,
      settle: settleFile(state.spec),
    };
    // Source affinity: the old worker hands its stick table to the new one, if it has it whole.
    const handsOver = keepsTable(configOf(before)) && keepsTable(files.config);
    if (handsOver) await untilTableSettles(this.engine, id, opts);
    // The workers a drain waits for (only then: a process list is a call).
    const workers = opts.drain ? workerPids(await this.engine.top(id)) : [];
    // The staged certificate is blanked in the same write: key material is kept in one place.
    const install = [
      ...entries(files, '', owner),
      ...(cert ? entries({ cert: '' }, LB_STAGING, owner).slice(1) : []),
    ];
    const undo = () => {
      this.files.delete(id);
      return this.restore(id, before, opts);
    };
    const watch = await LogWatch.open(this.engine, id);
    try {
      await this.engine.writeFiles(id, LB_DIR, install);
      this.files.delete(id);
      try {
        await reload(this.engine, id, watch, opts);
      } catch (err) {
        await putBack(this.engine, id, before);
        throw err;
      }
      try {
        if (opts.up?.length) await guarded(untilUp(watch, opts.up, until(deadline, waits)));
        if (handsOver) await untilHandedOver(watch, opts);
        if (opts.drain) await waitDrained(this.engine, id, workers, opts);
      } catch (err) {
        await undo().catch(() => undefined);
        throw err;
      }
    } finally {
      watch.close();
    }
    this.files.set(id, overlay(before, entries(files, '', owner)));
    return undo;
  }

  private async restore(id: string, before: ArchiveEntry[], opts: WaitOptions): Promise<void> {
    const watch = await LogWatch.open(this.engine, id);
    try {
      await putBack(this.engine, id, before);
      await reload(this.engine, id, watch, { ...opts, signal: undefined });
      if (keepsTable(configOf(before))) await untilHandedOver(watch, { ...opts, signal: undefined });
    } finally {
      watch.close();
    }
  }

  stats(id: string, kind: ClientKind = 'stats'): Promise<ServerCounters[]> {
    return this.counters.read(id, kind);
  }

  async readLive(id: string): Promise<LiveFiles> {
    return liveFiles(await this.engine.readFiles(id, LB_DIR));
  }

  follow(id: string, opts: { signal: AbortSignal }, onLine: (line: LbLine) => void): Promise<void> {
    return followLog(this.engine, id, opts, onLine);
  }

  /** What the load balancer says of its servers now (from its log since it started). */
  async view(id: string): Promise<LbView> {
    const detail = await this.engine.inspectContainer(id);
    const since = Math.floor(Date.parse(detail.startedAt) / 1000) || 0;
    const lines: string[] = [];
    await this.engine.logs(id, { since, streams: 'stderr' }, (l) => lines.push(l.text));
    return foldLbLog(lines, BACKEND_NAME);
  }
}
