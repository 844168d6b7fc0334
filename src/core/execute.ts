/**
 * The one executor: runs a plan's steps (steps.ts, each by step-runner.ts) phase by phase,
 * with a journal. Every step that changed something leaves its undo there; when a step fails or
 * the command is interrupted, the journal is undone newest first, so the service is exactly as it
 * was (its records, containers and load balancer config) or the error names what could not be
 * put back. The plan's cleanup runs after the commit: its failures are notes, never undone.
 */
import { InterruptedError, SvcError } from '../errors.js';
import type { Core, RunOptions, Snapshot } from './backend.js';
import { StepRunner } from './step-runner.js';
import { type Context, describeStep, type Plan, type Step } from './steps.js';
import { beforeStep } from './test-hook.js';

export interface Outcome {
  /** Container IDs by name: those known before, and those this run created. */
  ids: Map<string, string>;
  /** What the cleanup could not do (the change itself is done). */
  notes: string[];
}

/** Container IDs by name, of everything observed (what plans refer to). */
export function knownIds(snapshot: Snapshot): Map<string, string> {
  const ids = new Map<string, string>();
  for (const s of snapshot.services) {
    for (const c of [...(s.lb ? [s.lb] : []), ...s.replicas, ...s.others]) ids.set(c.name, c.id);
    for (const r of s.records) ids.set(r.name, r.id);
  }
  for (const g of snapshot.groups) for (const r of g.records) ids.set(r.name, r.id);
  return ids;
}

export function context(core: Core, opts: RunOptions): Context {
  return { ...core, timeoutMs: opts.timeoutMs, onProgress: opts.onProgress, signal: opts.signal };
}

const PARALLELISM = 8;

/**
 * Run `fn` on every item, at most PARALLELISM at once. With `stopAtFailure`, start no more after
 * the first failure and throw it once those running are done; else run all and return the failures.
 */
async function pool<T>(
  items: T[],
  fn: (item: T) => Promise<void>,
  stopAtFailure: boolean,
): Promise<Array<{ item: T; err: unknown }>> {
  let next = 0;
  const failures: Array<{ item: T; err: unknown }> = [];
  const worker = async () => {
    while (next < items.length && !(stopAtFailure && failures.length > 0)) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failures.push({ item, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLELISM, items.length) }, worker));
  if (stopAtFailure && failures[0]) throw failures[0].err;
  return failures;
}

/** A step run, the test hook told first (test-hook.ts). */
function started(run: StepRunner, step: Step): Promise<void> {
  beforeStep(() => describeStep(step));
  return run.step(step);
}

async function rollback(run: StepRunner): Promise<string[]> {
  const failed: string[] = [];
  for (const entry of [...run.journal].reverse()) {
    try {
      await entry.undo();
    } catch (err) {
      failed.push(`${entry.what} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return failed;
}

/**
 * Run `plan`. `known` maps the names of existing containers the plan refers to onto their IDs.
 * On failure the journal is undone and the error (a SvcError) says whether that worked.
 */
export function execute(ctx: Context, plan: Plan, known: Map<string, string> = new Map()): Promise<Outcome> {
  return runPlan(new StepRunner(ctx, new Map(known)), ctx, plan);
}

/** A run begun before its plan is known (begin). */
export interface Begun {
  /** Run the plan in the same run: a failure undoes the head start's changes with the plan's. */
  execute(plan: Plan, known: Map<string, string>): Promise<Outcome>;
  /** No plan follows (it could not be made): undo what the head start did. */
  abandon(): Promise<void>;
}

/**
 * Begin a run with `headStart`, steps that need nothing observed (Backend.createHeadStart), while
 * the caller still reads the engine and plans. They are not the plan's steps (the test hook does
 * not count them): the plan holds them too, and its own finds them done, or runs again one that
 * failed here. What they changed is in the run's journal from the start.
 */
export function begin(ctx: Context, headStart: Step[]): Begun {
  const run = new StepRunner(ctx, new Map());
  const started = Promise.all(headStart.map((step) => run.step(step).catch(() => undefined)));
  return {
    async execute(plan, known) {
      await started;
      for (const [name, id] of known) if (!run.ids.has(name)) run.ids.set(name, id);
      return runPlan(run, ctx, plan);
    },
    async abandon() {
      await started;
      await rollback(run);
      await run.settled();
    },
  };
}

async function runPlan(run: StepRunner, ctx: Context, plan: Plan): Promise<Outcome> {
  try {
    return await runPhases(run, ctx, plan);
  } finally {
    await run.settled();
  }
}

async function runPhases(run: StepRunner, ctx: Context, plan: Plan): Promise<Outcome> {
  try {
    for (const phase of plan.phases) {
      if (ctx.signal?.aborted) throw new InterruptedError('interrupted');
      await pool(phase, (step) => started(run, step), true);
    }
  } catch (err) {
    ctx.onProgress?.('undoing what was done');
    const failed = await rollback(run);
    const e =
      err instanceof SvcError ? err : new SvcError(500, err instanceof Error ? err.message : String(err));
    if (run.journal.length > 0) {
      e.message +=
        failed.length === 0
          ? '; everything it had changed was undone'
          : `; could not undo: ${failed.join('; ')}`;
    }
    throw e;
  }
  const notes: string[] = [];
  for (const phase of plan.cleanup) {
    const results = await Promise.allSettled(phase.map((step) => started(run, step)));
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        const what = phase[i] as Step;
        notes.push(
          `left behind: ${'name' in what ? what.name : what.op} (${(r.reason as Error)?.message ?? r.reason})`,
        );
      }
    });
  }
  return { ids: run.ids, notes };
}
