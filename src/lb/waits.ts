/**
 * The load balancer driver's waits, decided on HAProxy's stderr as a LogWatch follows it (and,
 * for Swarm's DNS-filled slots, on a probe): a config loaded, servers UP after a passed check.
 */
import { InternalError } from '../errors.js';
import { isPassedCheck, type LbView } from '../haproxy/lb-log.js';
import { LB_IMAGE_CONTRACT, NEEDS_LUA } from './contract.js';
import type { LogWatch } from './log-watch.js';
import type { ServerCounters } from './stats.js';

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (text: string) => void;
}

export const RELOAD_TIMEOUT_MS = 20_000;
/** How often untilUpCount probes (each probe is one exec of a short-lived haproxy). */
const PROBE_MS = 300;

function describeServers(view: LbView, servers: string[]): string {
  return servers
    .map((s) => {
      const v = view.servers.get(s);
      return v ? `${s} ${v.status}${v.check ? ` (${v.check})` : ''}` : `${s} not checked yet`;
    })
    .join(', ');
}

/** The master's alerts (or the last lines) for an error message. */
export function lastWords(watch: LogWatch): string {
  const alerts = watch.view.alerts;
  const lines = alerts.length > 0 ? alerts : watch.tail;
  return lines.length > 0 ? `: ${lines.slice(-4).join(' | ')}` : '';
}

/** Until the worker of a start or reload has loaded, or HAProxy refused the config. */
export function untilLoaded(watch: LogWatch, what: 'start' | 'reload', opts: WaitOptions): Promise<void> {
  return watch.until(
    () => {
      const v = watch.view;
      if (v.failedLoads > 0)
        return new InternalError(`the load balancer refused its configuration on ${what}${lastWords(watch)}`);
      return v.complete && v.worker !== undefined;
    },
    {
      timeoutMs: Math.min(opts.timeoutMs, RELOAD_TIMEOUT_MS),
      signal: opts.signal,
      onTimeout: () =>
        new InternalError(
          `the load balancer did not report a loaded configuration within ${RELOAD_TIMEOUT_MS / 1000}s after its ${what}${lastWords(watch)}; ${LB_IMAGE_CONTRACT}`,
        ),
      onEnd: () =>
        new InternalError(
          `the load balancer stopped during its ${what}${lastWords(watch)}; ${LB_IMAGE_CONTRACT}`,
        ),
    },
  );
}

/** Until each of `servers` passed a health check in the current worker. */
export function untilUp(watch: LogWatch, servers: string[], opts: WaitOptions): Promise<void> {
  let said = '';
  return watch.until(
    () => {
      const v = watch.view;
      // A worker known to be current (or, the log rotated, the newest one printing).
      if (v.worker === undefined) return undefined;
      const up = servers.filter((s) => {
        const sv = v.servers.get(s);
        return sv?.status === 'UP' && isPassedCheck(sv.check);
      });
      const text = `waiting for replicas: ${up.length}/${servers.length} UP`;
      if (text !== said) {
        said = text;
        opts.onProgress?.(text);
      }
      return up.length === servers.length;
    },
    {
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      onTimeout: () =>
        new InternalError(
          `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for replicas to be UP: ${describeServers(watch.view, servers)}`,
        ),
      onEnd: () =>
        new InternalError(`the load balancer stopped while waiting for replicas${lastWords(watch)}`),
    },
  );
}

/**
 * The probe of untilUpCount: while `wanted`, it runs `probeServers` every PROBE_MS and keeps how
 * many servers HAProxy has UP and reachable in `up`; `stop` ends it (and waits for it).
 */
function prober(watch: LogWatch, probeServers: () => Promise<ServerCounters[]>) {
  const probe = {
    up: 0,
    wanted: false,
    running: undefined as Promise<void> | undefined,
    lua: true,
    /** Ends the pause between probes (the wait decided: nothing more to probe). */
    wake: () => {},
    async stop(): Promise<void> {
      probe.wanted = false;
      probe.wake();
      await probe.running;
    },
    /** Start probing when `wanted` (a count from an earlier window says nothing now). */
    want(wanted: boolean): void {
      if (wanted && !probe.wanted) probe.up = 0;
      probe.wanted = wanted;
      if (probe.wanted && !probe.running) probe.running = run();
    },
  };
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PROBE_MS);
      probe.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const run = async () => {
    while (probe.wanted && probe.lua) {
      try {
        const servers = await probeServers();
        probe.up = servers.filter((sv) => sv.status.startsWith('UP') && sv.reachable).length;
        watch.poke();
      } catch (err) {
        // Without Lua the checks decide; else (a reload under way) the next probe will tell.
        if (err instanceof InternalError && err.message.includes(NEEDS_LUA)) probe.lua = false;
      }
      if (probe.wanted) await pause();
    }
    probe.running = undefined;
  };
  return probe;
}

/**
 * Swarm: its servers are `server-template` slots that DNS fills. HAProxy marks a filled slot UP
 * at once but checks it first at the next `inter` tick (5 s by default), since its check was
 * skipped while the slot was empty. So once the log shows `count` slots UP without a check
 * yet, a probe (stats.ts) counts those HAProxy has UP and whose address accepts a connection
 * from the load balancer: the evidence a layer-4 check gives, seconds earlier. The log still
 * drives: the probe (an exec) runs only in that window, every PROBE_MS, and not at all on an
 * HAProxy without Lua, where the checks alone decide.
 */
export async function untilUpCount(
  watch: LogWatch,
  count: number,
  opts: WaitOptions,
  probeServers: () => Promise<ServerCounters[]>,
): Promise<void> {
  const probe = prober(watch, probeServers);
  try {
    await watch.until(
      () => {
        const v = watch.view;
        if (v.worker === undefined) return undefined;
        const servers = [...v.servers.values()];
        const checked = servers.filter((sv) => sv.status === 'UP' && isPassedCheck(sv.check)).length;
        const filled = servers.filter((sv) => sv.status === 'UP').length;
        probe.want(checked < count && filled >= count);
        const up = Math.max(checked, probe.wanted ? probe.up : 0);
        opts.onProgress?.(`waiting for replicas: ${up}/${count} UP`);
        return up >= count;
      },
      {
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        onTimeout: () =>
          new InternalError(
            `timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${count} replicas to be UP`,
          ),
        onEnd: () =>
          new InternalError(`the load balancer stopped while waiting for replicas${lastWords(watch)}`),
      },
    );
  } finally {
    await probe.stop();
  }
}
