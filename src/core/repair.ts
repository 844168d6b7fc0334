/**
 * Every command that changes a service first repairs what it safely can (its backend plans it:
 * Backend.planRepair): what a command killed half-way left is finished or undone, a stopped load
 * balancer is started again. Then it observes again and plans its own change from what is there.
 * A command still running on the service is left alone (the change is refused, exit 4).
 */
import type { EngineInfo } from '../engine/engine.js';
import type { Core, ObservedService, RunOptions, Snapshot } from './backend.js';
import { context, execute, knownIds } from './execute.js';
import { observe, observeService } from './observe.js';
import { describePlan } from './steps.js';

export interface Repaired {
  /** What it sees now (observed again after a repair). */
  snapshot: Snapshot;
  /** The repair's plan text ("" when none ran), and what people should know of it. */
  plan: string;
  notes: string[];
}

/** Repair service `s` of `snapshot` (dry: only say how); whether anything was done is in `plan`. */
export async function repairService(
  core: Core,
  snapshot: Snapshot,
  s: ObservedService,
  opts: RunOptions,
): Promise<Repaired> {
  const none = { snapshot, plan: '', notes: [] };
  if (s.operation) return none;
  const planned = await s.owner.planRepair({ core, snapshot, service: s });
  if (!planned?.plan) return none;
  const plan = describePlan(planned.plan);
  const said = `repaired ${s.name} first: ${planned.summary}`;
  if (opts.dryRun) return { snapshot, plan, notes: [`${s.name} is repaired first: ${planned.summary}`] };
  opts.onProgress?.(`repairing ${s.name}: ${planned.summary}`);
  const outcome = await execute(context(core, opts), planned.plan, knownIds(snapshot));
  return { snapshot: await observe(core, snapshot.info), plan, notes: [said, ...outcome.notes] };
}

/** Observe, and repair the service `name` (if there is one) before a change of it. */
export async function observeRepaired(core: Core, name: string, opts: RunOptions): Promise<Repaired> {
  const snapshot = await observe(core);
  const s = snapshot.services.find((x) => x.name === name);
  return s ? repairService(core, snapshot, s, opts) : { snapshot, plan: '', notes: [] };
}

/**
 * What a killed `create` of `name` left (its creator is gone: observe says so) is removed, so a
 * create of that name can begin; notes for people. A create still running is left alone (the
 * new one then finds the service there and exits 4).
 */
export async function clearInterruptedCreate(core: Core, name: string): Promise<string[]> {
  const info = await core.engine.info();
  const found = await Promise.all(core.backends.map((b) => observeService(core, b, name, info)));
  const notes: string[] = [];
  for (const s of found) {
    if (s?.interrupted?.operation !== 'create') continue;
    notes.push(
      `removed what an interrupted create of ${name} had left`,
      ...(await removeMade(core, s, info)),
    );
  }
  return notes;
}

/** Remove everything of service `s` (what a create made); the notes of what could not be. */
export async function removeMade(core: Core, s: ObservedService, info: EngineInfo): Promise<string[]> {
  const { plan } = await s.owner.planRemoval(core, s, { keep: false, graceSeconds: 0 });
  const ids = knownIds({ tenant: core.tenant, services: [s], groups: [], info });
  return (await execute({ ...core, timeoutMs: 0 }, plan, ids)).notes;
}
