/**
 * The one vocabulary of changes: every operation's plan (src/core/plan/) is a list of these
 * steps, which the executor (execute.ts) runs. A plan has two parts: `phases`, run under a
 * journal (a failure or an interruption undoes them, newest first, so the service is as it was),
 * and `cleanup`, run once the change is committed (removing what the change left behind: old
 * replicas, old records; a failure there is reported, not undone). The steps of one phase may
 * run at once. `describePlan` is the text form: what --dry-run prints and the golden tests read.
 */
import type { ContainerSpec, Labels } from '../engine/engine.js';
import type { ServiceSpecJson } from '../engine/swarm.js';
import { serverName } from '../model/naming.js';
import type { ServiceSpec } from '../spec/types.js';

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
  | {
      op: 'ensure-network';
      network: string;
      labels: Labels;
      lockImage: string;
      driver?: 'bridge' | 'overlay';
    }
  | { op: 'create'; role: 'lb' | 'replica' | 'record' | 'security-group'; container: ContainerSpec }
  | { op: 'start'; name: string }
  /** Write a created load balancer's files; its certificate may be copied from `certFrom`. */
  | { op: 'lb-configure'; lb: string; target: LbTarget; certFrom?: string }
  /** Start a configured load balancer and wait until HAProxy loaded its config. */
  | { op: 'lb-start'; lb: string; publish?: { hostIp: string; hostPort: number } }
  /** Change a running load balancer (check, install, reload); wait for `up`; with `drain`, for old workers to finish. */
  | { op: 'lb-apply'; lb: string; target: LbTarget; up: number[]; drain: boolean }
  /** Wait until these servers passed a check in the load balancer. */
  | { op: 'lb-wait'; lb: string; up: number[] }
  | { op: 'rename'; name: string; to: string; network?: string }
  | { op: 'stop'; name: string; graceSeconds: number }
  | { op: 'remove'; name: string }
  // Swarm (src/swarm/plans.ts): configs and secrets, services, and waiting for them.
  | { op: 'swarm-object'; kind: 'config' | 'secret'; name: string; labels: Labels; data: string }
  | { op: 'swarm-create'; role: 'lb' | 'replica'; spec: ServiceSpecJson }
  /** Replace a service's spec (`rolling`: Swarm's rolling update, which must complete). */
  | { op: 'swarm-update'; service: string; spec: ServiceSpecJson; rolling?: boolean }
  /**
   * Wait until svc service `service` has `replicas` running tasks (of `image`, if given) and its
   * load balancer runs (`lbLoaded`: and has loaded its config) and sees them UP.
   */
  | { op: 'swarm-wait'; service: string; replicas: number; image?: string; lbLoaded: boolean }
  | { op: 'swarm-remove'; kind: 'service' | 'config' | 'secret'; name: string };

export interface Plan {
  phases: Step[][];
  cleanup: Step[][];
  /** Things people should know (e.g. CPUs capped), said on stderr. */
  notes: string[];
}

export function emptyPlan(): Plan {
  return { phases: [], cleanup: [], notes: [] };
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
      return `ensure ${step.driver === 'overlay' ? 'overlay ' : ''}network ${step.network}`;
    case 'create': {
      const c = step.container;
      const publish = c.publish
        ? ` publish ${c.publish.hostIp}:${c.publish.hostPort}->${c.publish.containerPort}/tcp`
        : '';
      return `create ${step.role} ${c.name} from ${c.image} on ${c.network}${publish}`;
    }
    case 'start':
      return `start ${step.name}`;
    case 'lb-configure':
      return `configure ${step.lb}: ${describeTarget(step.target)}${step.certFrom ? `, certificate from ${step.certFrom}` : ''}`;
    case 'lb-start':
      return `start ${step.lb} and wait until it loaded its config`;
    case 'lb-apply': {
      const waits = [
        ...(step.up.length > 0 ? [`wait for ${servers(step.up)} UP`] : []),
        ...(step.drain ? ['drain'] : []),
      ];
      return `reload ${step.lb}: ${describeTarget(step.target)}${waits.length ? `; ${waits.join('; ')}` : ''}`;
    }
    case 'lb-wait':
      return `wait for ${servers(step.up)} UP in ${step.lb}`;
    case 'rename':
      return `rename ${step.name} to ${step.to}`;
    case 'stop':
      return `stop ${step.name} (grace ${step.graceSeconds}s)`;
    case 'remove':
      return `remove ${step.name}`;
    case 'swarm-object':
      return `create swarm ${step.kind} ${step.name}`;
    case 'swarm-create':
      return `create swarm service ${step.spec.Name} (${step.role})`;
    case 'swarm-update':
      return `update swarm service ${step.service}${step.rolling ? ' (rolling update, rollback on failure)' : ''}`;
    case 'swarm-wait': {
      const what = [
        ...(step.replicas > 0
          ? [`${step.replicas} replicas${step.image ? ` of ${step.image}` : ''} running and UP`]
          : []),
        ...(step.lbLoaded ? ['the load balancer loaded'] : []),
      ];
      return `wait until ${step.service} has ${what.join(', ') || 'settled'}`;
    }
    case 'swarm-remove':
      return `remove swarm ${step.kind} ${step.name}`;
  }
}

/** One line a step, numbered by phase (steps of one phase share the number); cleanup after. */
export function describePlan(plan: Plan): string {
  const lines = plan.phases.flatMap((phase, i) => phase.map((s) => `${i + 1}. ${describeStep(s)}`));
  const after = plan.cleanup.flatMap((phase, i) => phase.map((s) => `c${i + 1}. ${describeStep(s)}`));
  return [...lines, ...after].join('\n');
}
