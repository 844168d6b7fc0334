/**
 * Driving a running load balancer through the Docker API: replace its config with a checked
 * one and reload it hitlessly (master-worker SIGUSR2), drain a server, read its view.
 */
import type { Engine } from '../engine/engine.js';
import { ConflictError, InternalError, SvcError, UsageError } from '../errors.js';
import { HAPROXY_CONFIG_PATH } from '../haproxy/render-config.js';
import { runtimeCommandArgv, setServerStateCommand } from '../haproxy/runtime-stats.js';
import type { ServiceSpec } from '../spec/types.js';
import { HAPROXY_DIR } from './create-plan.js';
import { readServerStats } from './wait-ready.js';

const NEXT_CONFIG = 'haproxy.cfg.next';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runtime(engine: Engine, lbId: string, command: string): Promise<string> {
  const r = await engine.exec(lbId, runtimeCommandArgv(command));
  if (r.exitCode !== 0)
    throw new InternalError(`load balancer runtime API: "${command}" failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** The worker's pid, from `show info`: it changes when a reload has taken effect. */
async function workerPid(engine: Engine, lbId: string): Promise<string> {
  const info = await runtime(engine, lbId, 'show info');
  return info.match(/^Pid:\s*(\d+)/m)?.[1] ?? '';
}

/**
 * Write `config` beside the live one, have HAProxy check it, swap it in and reload. A config
 * HAProxy refuses is left aside and the running one keeps serving. Returns once the new worker
 * answers.
 */
export async function reloadLb(
  engine: Engine,
  lbId: string,
  config: string,
  timeoutMs = 15_000,
): Promise<void> {
  await engine.writeFiles(lbId, HAPROXY_DIR, [{ name: NEXT_CONFIG, content: config, mode: 0o644 }]);
  const next = `${HAPROXY_DIR}/${NEXT_CONFIG}`;
  const check = await engine.exec(lbId, ['haproxy', '-c', '-q', '-f', next]);
  if (check.exitCode !== 0) {
    throw new InternalError(
      `the load balancer refused the new config (kept the old one): ${(check.stderr || check.stdout).trim()}`,
    );
  }
  const before = await workerPid(engine, lbId);
  const swap = await engine.exec(lbId, ['mv', next, HAPROXY_CONFIG_PATH]);
  if (swap.exitCode !== 0)
    throw new InternalError(`cannot install the new load balancer config: ${swap.stderr.trim()}`);
  await engine.signal(lbId, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = await workerPid(engine, lbId).catch(() => '');
    if (pid && pid !== before) return;
    if (Date.now() > deadline)
      throw new InternalError(`the load balancer did not reload within ${timeoutMs / 1000}s`);
    await sleep(100);
  }
}

/**
 * Take replica servers out of rotation without cutting anything: DRAIN (no new requests, sticky
 * ones included), then wait until their in-flight sessions are done (bounded).
 */
export async function drainServers(
  engine: Engine,
  lbId: string,
  servers: string[],
  timeoutMs = 30_000,
): Promise<void> {
  if (servers.length === 0) return;
  for (const s of servers) await runtime(engine, lbId, setServerStateCommand(s, 'drain'));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await readServerStats(engine, lbId);
    const busy = stats.filter((st) => servers.includes(st.server) && st.sessions > 0);
    if (busy.length === 0 || Date.now() > deadline) return;
    await sleep(200);
  }
}

/** Explain the engine's refusal to start the load balancer in terms of the spec. */
export function explainStartFailure(err: unknown, spec: ServiceSpec): unknown {
  if (!(err instanceof SvcError) || !spec.FIP) return err;
  const text = err.message;
  if (/port is already allocated|address already in use/i.test(text)) {
    return new ConflictError(
      `host port ${spec.FIP}:${spec.ServicePort} is already in use; pick another ServicePort or FIP`,
      { cause: err },
    );
  }
  if (/cannot assign requested address/i.test(text)) {
    return new UsageError(
      `FIP ${spec.FIP} is not an address of the engine's host; use 127.0.0.1, 0.0.0.0 or one of its own addresses`,
    );
  }
  return err;
}
