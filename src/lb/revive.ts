/**
 * A load balancer kept coming back: its restart policy (files.ts says why `always`), set on one
 * made before that was the policy, and a stopped one started again and waited for until HAProxy
 * has loaded its config.
 */
import type { Engine } from '../engine/engine.js';
import { LB_RESTART_POLICY } from './files.js';
import { LogWatch } from './log-watch.js';
import { untilLoaded, type WaitOptions } from './waits.js';

/** Each load balancer's restart policy, checked (and set) once a process. */
export class RestartPolicies {
  private readonly checked = new Map<string, Promise<void>>();

  constructor(private readonly engine: Engine) {}

  ensure(id: string): Promise<void> {
    let done = this.checked.get(id);
    if (!done) {
      done = this.engine.inspectContainer(id).then(async (d) => {
        if (d.restartPolicy !== LB_RESTART_POLICY) await this.engine.setRestartPolicy(id, LB_RESTART_POLICY);
      });
      done.catch(() => this.checked.delete(id));
      this.checked.set(id, done);
    }
    return done;
  }
}

/** Start a load balancer that is not running; resolves once HAProxy has loaded its config. */
export async function startAgain(engine: Engine, id: string, opts: WaitOptions): Promise<void> {
  const before = await engine.inspectContainer(id);
  if (before.state === 'running') return;
  await engine.startContainer(id);
  // Its log from this start on: what an earlier run printed says nothing of this one.
  const detail = await engine.inspectContainer(id);
  const since = Math.floor(Date.parse(detail.startedAt) / 1000) || 0;
  const watch = await LogWatch.open(engine, id, { since });
  try {
    await untilLoaded(watch, 'start', opts);
  } finally {
    watch.close();
  }
}
