/**
 * What the fault suites share (faults.test.ts, swarm-faults.test.ts): svc killed by the test hook
 * SVC_TEST_KILL_BEFORE_STEP (src/core/test-hook.ts: a real SIGKILL, nothing undone) before the
 * first step of each phase of a command's plan, read from the command's own `--dry-run`; a
 * client load counting failed requests around each kill; and the table they print.
 */
import { expect } from 'vitest';
import { KILL_HOOK } from '../../../src/core/test-hook.js';
import { type SvcOptions, type SvcResult, startSvc } from '../../support/cli.js';
import { splitCutResponses, startLoad } from './load.js';

/** A load for the duration of one case: what it sent, what failed, what of that was lost. */
export interface CaseLoad {
  /** Called once the command was killed, before the next one runs. */
  afterKill?(): Promise<void>;
  stop(): Promise<{ requests: number; failed: number; lost: string[] }>;
}

/** One keep-alive and one fresh-connection client: enough to hit every moment, light on the CPU. */
export function hostLoad(url: string): CaseLoad {
  const load = startLoad(url, { keepAliveWorkers: 1, freshWorkers: 1, maxMs: 90_000, maxRequests: 20_000 });
  return {
    async stop() {
      const r = await load.stop();
      return { requests: r.requests, failed: r.failures.length, lost: splitCutResponses(r.failures).lost };
    },
  };
}

export interface Killer {
  /** The lines of `args`' plan, `N. what` (its --dry-run, stdout or stderr for create). */
  planSteps(args: string[]): Promise<string[]>;
  /** The step numbers at which `args`' plan begins a phase. */
  killPoints(args: string[]): Promise<number[]>;
  /** Run `args` with the hook set at `step`: it must die by SIGKILL there; what it was about to do. */
  killedAt(args: string[], step: number): Promise<string>;
}

/** The killer of svc run as `sv` runs it (`opts`: the same tenant and environment, for the killed one). */
export function killer(sv: (args: string[]) => Promise<SvcResult>, opts: SvcOptions): Killer {
  const planSteps = async (args: string[]) => {
    // Right after the command's own words (`sg update`), before an image and its command.
    const at = args[0] === 'sg' ? 2 : 1;
    const dry = [...args.slice(0, at), '--dry-run', ...args.slice(at).filter((a) => a !== '--wait')];
    const r = await sv(dry);
    expect(r.code, r.stderr).toBe(0);
    return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^c?\d+\. /.test(l));
  };
  return {
    planSteps,
    async killPoints(args) {
      const steps = await planSteps(args);
      const phase = (l: string) => l.slice(0, l.indexOf('.'));
      const points = steps.flatMap((l, i) =>
        i === 0 || phase(l) !== phase(steps[i - 1] as string) ? [i + 1] : [],
      );
      // create --wait: the wait for the replicas, after the plan.
      return args.includes('--wait') ? [...points, steps.length + 1] : points;
    },
    async killedAt(args, step) {
      const p = startSvc(args, { ...opts, env: { ...opts.env, [KILL_HOOK]: String(step) } });
      const { code, signal } = await p.ended;
      expect(signal, `${args.join(' ')} was to be killed at step ${step}: exit ${code}, ${p.stderr}`).toBe(
        'SIGKILL',
      );
      const said = new RegExp(`${KILL_HOOK}: SIGKILL before step ${step}: (.*)`).exec(p.stderr)?.[1] ?? '?';
      return `${step}: ${said.replace(/-[0-9a-f]{8}\b/g, '').replace(/svc-[0-9a-f]{32}/, 'the tenant network')}`;
    },
  };
}

/** The table a fault suite prints: fault, step, requests sent, requests failed, state after. */
export function faultTable(rows: string[][], last = 'state after the next command'): string {
  return [
    `| fault | killed before step | requests sent | requests failed | ${last} |`,
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
