/**
 * The one vocabulary of changes: every operation's plan is a list of these steps, which the
 * executor (execute.ts) runs. The engine's and the load balancer driver's steps are named here;
 * a backend adds its own as BackendSteps, which describe, run and undo themselves. A plan has two
 * parts: `phases`, run under a journal (a failure or an interruption undoes them, newest first,
 * so the service is as it was), and `cleanup`, run once the change is committed (removing what
 * the change left behind: old replicas, old records; a failure there is reported, not undone).
 * The steps of one phase may run at once. `describePlan` is the text form: what --dry-run prints
 * and the golden tests read.
 */
import type { ContainerSpec, Engine, Labels } from '../engine/engine.js';
import { joiningChecks } from '../haproxy/render-config.js';
import type { LoadBalancerDriver } from '../lb/driver.js';
import { serverName } from '../model/naming.js';
import type { ServiceSpec } from '../spec/types.js';

/** Where steps act, and how long and for whom they wait. */
export interface Context {
  engine: Engine;
  lb: LoadBalancerDriver;
  tenant: string;
  /** How long a wait for replicas may take. */
  timeoutMs: number;
  /** Progress for people (a spinner's text); never data. */
  onProgress?: (text: string) => void;
  /** Aborting stops at the next step (or wait) and undoes what was done. */
  signal?: AbortSignal;
}

/** How to put back what a step changed. */
export type Undo = () => Promise<void>;

/** A step a backend contributes: it says what it does, does it, and returns how to undo that. */
export interface BackendStep {
  op: 'backend';
  /** The object it acts on (named when the cleanup could not do it). */
  name: string;
  /** The journal's name for what it changed (named when it could not be undone). */
  what: string;
  describe(): string;
  /** Do it; the undo when it changed something that a rollback must put back. */
  run(ctx: Context): Promise<Undo | undefined>;
}

/** What a load balancer should serve: the spec, its servers (replica numbers) and secrets. */
export interface LbTarget {
  spec: ServiceSpec;
  servers: number[];
  /** A new SSLCert PEM to install (never printed); undefined keeps the one it has. */
  cert?: string;
  /** Allowed source prefixes (services with security groups); undefined keeps the file it has. */
  allow?: string[];
}

export type Step =
  | { op: 'pull-image'; image: string }
  | { op: 'ensure-network'; network: string; labels: Labels; lockImage: string }
  | { op: 'create'; role: 'lb' | 'replica' | 'record' | 'security-group'; container: ContainerSpec }
  | { op: 'start'; name: string }
  /** Write a created load balancer's files; its certificate may be copied from `certFrom`. */
  | { op: 'lb-configure'; lb: string; target: LbTarget; certFrom?: string }
  /**
   * Start a configured load balancer and wait until HAProxy loaded its config. With `beside` (a
   * new service's, started in the phase its replicas start in), it is configured meanwhile, its
   * servers checked every 25 ms (an HTTP check: 50 ms) until UP, and it starts once `replicas` are
   * on `network`.
   */
  | {
      op: 'lb-start';
      lb: string;
      publish?: { hostIp: string; hostPort: number };
      beside?: { network: string; replicas: string[]; configure: LbTarget };
    }
  /** Change a running load balancer (check, install, reload); wait for `up`; with `drain`, for old workers to finish. */
  | { op: 'lb-apply'; lb: string; target: LbTarget; up: number[]; drain: boolean }
  /**
   * Wait until these servers passed a check in the load balancer. `startedHere`: this command
   * started their replicas (create), so one that its restart policy has started again since then
   * had exited (lb/health.ts exitGuard).
   */
  | { op: 'lb-wait'; lb: string; up: number[]; startedHere?: boolean }
  /** Start a load balancer that stopped (its restart policy made `always`); wait until it loaded its config. */
  | { op: 'lb-revive'; lb: string }
  | { op: 'rename'; name: string; to: string; network?: string }
  /** Take a container off a network: its names there stop resolving at once (cleanup only: never undone). */
  | { op: 'leave'; name: string; network: string }
  /** Give a container (made in this plan, so never undone) aliases on a network: it leaves and joins it. */
  | { op: 'join'; name: string; network: string; aliases: string[] }
  | { op: 'stop'; name: string; graceSeconds: number }
  /**
   * Stop a replica no traffic reaches any more (its stop signal, SIGKILL after `graceSeconds`) and
   * remove it once stopped. With `waitSeconds`, it has that long to exit once the engine has sent
   * its stop signal: one still running then is left to the engine, which finishes the stop by
   * itself, and the next change (or rm) removes it.
   */
  | { op: 'retire'; name: string; graceSeconds: number; waitSeconds?: number }
  | { op: 'remove'; name: string }
  | BackendStep;

export interface Plan {
  phases: Step[][];
  cleanup: Step[][];
  /** Things people should know (e.g. CPUs capped), said on stderr. */
  notes: string[];
}

const servers = (ns: number[]) => (ns.length > 0 ? ns.map(serverName).join(' ') : '(none)');

function describeTarget(t: LbTarget): string {
  const parts = [`servers ${servers(t.servers)}`];
  if (t.cert !== undefined) parts.push('new certificate');
  if (t.allow !== undefined) parts.push(`allow ${t.allow.length > 0 ? t.allow.join(' ') : '(nothing)'}`);
  return parts.join(', ');
}

export function describeStep(step: Step): string {
  switch (step.op) {
    case 'pull-image':
      return `pull image ${step.image}`;
    case 'ensure-network':
      return `ensure network ${step.network}`;
    case 'create': {
      const c = step.container;
      const publish = c.publish
        ? ` publish ${c.publish.hostIp}:${c.publish.hostPort}->${c.publish.containerPort}/tcp`
        : '';
      const volumes = c.volumes?.length ? ` with volume ${c.volumes.map((v) => v.name).join(', ')}` : '';
      return `create ${step.role} ${c.name} from ${c.image} on ${c.network}${publish}${volumes}`;
    }
    case 'start':
      return `start ${step.name}`;
    case 'lb-configure':
      return `configure ${step.lb}: ${describeTarget(step.target)}${step.certFrom ? `, certificate from ${step.certFrom}` : ''}`;
    case 'lb-start': {
      if (!step.beside) return `start ${step.lb} and wait until it loaded its config`;
      const { configure, replicas } = step.beside;
      const are = replicas.length > 1 ? 'are' : 'is';
      const checks = joiningChecks(configure.spec.HealthCheckPath);
      return `configure ${step.lb}: ${describeTarget(configure)}, checked every ${checks.down} ms (${checks.up} ms once one passed) until UP; start it once ${replicas.join(', ')} ${are} on the network, and wait until it loaded its config`;
    }
    case 'lb-apply': {
      const waits = [
        ...(step.up.length > 0 ? [`wait for ${servers(step.up)} UP`] : []),
        ...(step.drain ? ['drain'] : []),
      ];
      return `reload ${step.lb}: ${describeTarget(step.target)}${waits.length ? `; ${waits.join('; ')}` : ''}`;
    }
    case 'lb-wait':
      return `wait for ${servers(step.up)} UP in ${step.lb}`;
    case 'lb-revive':
      return `start ${step.lb} again (restart policy always) and wait until it loaded its config`;
    case 'rename':
      return `rename ${step.name} to ${step.to}`;
    case 'leave':
      return `take ${step.name} off ${step.network}`;
    case 'join':
      return `join ${step.name} to ${step.network} as ${step.aliases.join(', ')}`;
    case 'stop':
      return `stop ${step.name} (grace ${step.graceSeconds}s)`;
    case 'retire':
      return `stop ${step.name} (grace ${step.graceSeconds}s${step.waitSeconds !== undefined ? `, waited for ${step.waitSeconds}s at most once signalled` : ''}) and remove it`;
    case 'remove':
      return `remove ${step.name}`;
    case 'backend':
      return step.describe();
  }
}

/** One line a step, numbered by phase (steps of one phase share the number); cleanup after. */
export function describePlan(plan: Plan): string {
  const lines = plan.phases.flatMap((phase, i) => phase.map((s) => `${i + 1}. ${describeStep(s)}`));
  const after = plan.cleanup.flatMap((phase, i) => phase.map((s) => `c${i + 1}. ${describeStep(s)}`));
  return [...lines, ...after].join('\n');
}
