/**
 * Planning `svc rolling-update`: replace the replicas one at a time. Each new replica starts,
 * joins the load balancer and must pass a health check before the next; the old one it replaces
 * leaves the config at that next reload but keeps running, so that a failure at any point puts
 * the old config back with every old replica still there: the service is exactly as it was, as
 * Swarm's `failure_action: rollback` does. Once every new replica is UP, the last reload drains
 * the old ones, the change commits, and the cleanup stops and removes them. Pure.
 */

import { replicaImage } from '../../../core/status.js';
import type { Plan, Step } from '../../../core/steps.js';
import { specHash } from '../../../model/spec-hash.js';
import type { ServiceSpec } from '../../../spec/types.js';
import { type Changeable, freeNumbers, recordSteps, replicaName } from './change.js';
import { replicaContainer } from './create.js';

/** What the replicas ran before the update (the most common image), unless that is the new one. */
export function previousImageOf(running: string[], desired: string, next: string): string | undefined {
  const counts = new Map<string, number>();
  for (const i of running) counts.set(i, (counts.get(i) ?? 0) + 1);
  const [top] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const previous = top?.[0] ?? desired;
  return previous !== next ? previous : undefined;
}

/**
 * One new replica at a time: create them all, then each starts and joins the config (as the old
 * one before it leaves) and must be UP; a last reload drains the old ones.
 */
function replacePhases(
  c: Changeable,
  next: ServiceSpec,
  fresh: number[],
  old: Changeable['service']['replicas'],
  final: number[],
  engineCpus: number,
): Step[][] {
  if (fresh.length === 0) return [];
  const hash = specHash(next);
  const phases: Step[][] = [
    fresh.map(
      (n): Step => ({
        op: 'create',
        role: 'replica',
        container: replicaContainer(next, c.service.tenant, n, engineCpus, hash),
      }),
    ),
  ];
  let servers = [...c.servers];
  fresh.forEach((n, i) => {
    // Replica old[i-1] leaves the config as new replica n joins it; old[i] stays until n is UP.
    const out = old[i - 1]?.number;
    servers = [...servers.filter((s) => s !== out), n].sort((a, b) => a - b);
    phases.push([{ op: 'start', name: replicaName(c, n) }]);
    phases.push([
      { op: 'lb-apply', lb: c.lb, target: { spec: next, servers, allow: c.allow }, up: [n], drain: false },
    ]);
  });
  phases.push([
    { op: 'lb-apply', lb: c.lb, target: { spec: next, servers: final, allow: c.allow }, up: [], drain: true },
  ]);
  return phases;
}

export function planRollingUpdate(
  c: Changeable,
  image: string,
  ctx: { engineCpus: number },
): Plan | undefined {
  const inConfig = new Set(c.servers);
  const serving = c.service.replicas.filter((r) => inConfig.has(r.number));
  const old = serving.filter((r) => replicaImage(r) !== image);
  if (old.length === 0 && c.spec.Image === image) return undefined;
  const next: ServiceSpec = { ...c.spec, Image: image };
  const fresh = freeNumbers([...c.service.replicas.map((r) => r.number), ...c.servers], old.length);
  const leaving = new Set(old.map((r) => r.number));
  const final = [...c.servers.filter((n) => !leaving.has(n)), ...fresh].sort((a, b) => a - b);
  const previous = previousImageOf(old.map(replicaImage), c.spec.Image, image) ?? c.previousImage;
  const records = recordSteps(c, 'rolling-update', next, final, previous);

  const phases: Step[][] = [[records.lock], ...replacePhases(c, next, fresh, old, final, ctx.engineCpus)];
  phases.push([records.outcome]);

  const names = old.map((r) => r.name);
  const cleanup: Step[][] = [];
  if (names.length > 0) {
    cleanup.push(names.map((name): Step => ({ op: 'stop', name, graceSeconds: next.StopTimeout })));
    cleanup.push(names.map((name): Step => ({ op: 'remove', name })));
  }
  cleanup.push(records.cleanup);
  return { phases, cleanup, notes: [] };
}
