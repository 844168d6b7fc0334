/**
 * Planning the repair of a Swarm service a killed svc left (pure). Swarm converges to a spec by
 * itself, so most kills leave nothing: a scale or a rolling update whose svc died is finished (or
 * rolled back) by Swarm. What is left for the next command:
 *   - a rolling update Swarm still runs for a killed svc: waited for until it ends (completed or
 *     rolled back), instead of refusing the change as if a command were still making it;
 *   - configs and secrets no load balancer mounts, made by a command that is gone (killed before
 *     its load balancer used them, or before its cleanup removed the ones it replaced): removed.
 * What a killed create or rm left (one of the two Swarm services, or configs alone) is not
 * repaired here: it is an interrupted create (observe.ts), which the next create or rm clears.
 */
import type { PlannedChange } from '../../core/backend.js';
import type { Step } from '../../core/steps.js';
import { lbMounts } from './lb-plans.js';
import { mayRun, type SwarmObserved } from './observe.js';
import { removeObject, updateEnded } from './steps.js';

export function planSwarmRepair(s: SwarmObserved): PlannedChange | undefined {
  const { replicas, lb, objects } = s.parts;
  if (s.operation || !replicas || !lb) return undefined;
  const phases: Step[][] = [];
  const why: string[] = [];
  if (s.interrupted?.operation === 'rolling-update') {
    phases.push([updateEnded(replicas.name)]);
    why.push('waited until Swarm ended the rolling update a killed command had begun');
  }
  const mounted = new Set(Object.values(lbMounts(lb)));
  const stray = objects.filter((o) => !mounted.has(o.name) && !mayRun(o.labels, o.created));
  if (stray.length > 0)
    why.push(`removed ${stray.map((o) => `${o.kind} ${o.name}`).join(', ')} (no longer used)`);
  if (why.length === 0) return undefined;
  const cleanup = stray.length > 0 ? [stray.map((o) => removeObject(o.kind, o.name))] : [];
  return { plan: { phases, cleanup, notes: [] }, summary: why.join('; ') };
}
