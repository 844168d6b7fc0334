/**
 * What happened to a service, in words, from what the engine and the load balancer said: the
 * engine's events of its containers, and HAProxy's own lines (reloads, servers UP and DOWN, with
 * the check's reason). Pure.
 */
import type { ContainerEvent } from '../../engine/engine.js';
import type { LbLine } from '../../lb/driver.js';
import { LABEL } from '../../model/naming.js';

export type Tone = 'good' | 'bad' | 'info';

export interface ActivityLine {
  /** RFC 3339. */
  Time: string;
  Source: 'engine' | 'load balancer';
  Text: string;
  Tone: Tone;
  /** The load balancer's line as HAProxy printed it. */
  Detail?: string;
}

export const isoOf = (seconds: number) => new Date(Math.round(seconds * 1000)).toISOString();

/** Who an event is about: a replica by number, the load balancer, a record by revision. */
function subject(e: ContainerEvent): string {
  const l = e.labels;
  switch (l[LABEL.role]) {
    case 'replica':
      return `replica ${l[LABEL.replica] ?? '?'} (${e.name})`;
    case 'lb':
      return `load balancer (${e.name})`;
    case 'record':
      return `record rev${l[LABEL.revision] ?? '?'}`;
    default:
      return e.name;
  }
}

function happened(e: ContainerEvent): { text: string; tone: Tone } | undefined {
  const record = e.labels[LABEL.role] === 'record';
  if (e.action === 'create') {
    const op = e.labels[LABEL.operation];
    if (record) return { text: op ? `written: a ${op} begins` : 'written', tone: 'info' };
    return { text: 'created', tone: 'info' };
  }
  if (e.action === 'destroy') return { text: 'removed', tone: 'info' };
  if (record) return undefined; // never started: nothing else happens to one
  if (e.action === 'start') return { text: 'started', tone: 'good' };
  if (e.action === 'restart') return { text: 'restarted', tone: 'bad' };
  if (e.action === 'die')
    return { text: `exited (code ${e.exitCode ?? '?'})`, tone: e.exitCode === 0 ? 'info' : 'bad' };
  if (e.action === 'oom') return { text: 'ran out of memory', tone: 'bad' };
  if (e.action === 'rename') return { text: 'renamed', tone: 'info' };
  if (e.action === 'pause' || e.action === 'unpause') return { text: `${e.action}d`, tone: 'info' };
  const health = /^health_status: (\w+)/.exec(e.action)?.[1];
  if (health)
    return { text: health, tone: health === 'healthy' ? 'good' : health === 'unhealthy' ? 'bad' : 'info' };
  return undefined;
}

/** An engine event of one of the service's containers, in words; undefined when it says nothing. */
export function eventActivity(e: ContainerEvent): ActivityLine | undefined {
  const h = happened(e);
  if (!h) return undefined;
  return { Time: isoOf(e.time), Source: 'engine', Text: `${subject(e)} ${h.text}`, Tone: h.tone };
}

/** A line of the load balancer's log, in words; undefined for lines that say nothing svc reads. */
export function lbActivity(l: LbLine): ActivityLine | undefined {
  const e = l.event;
  if (!e) return undefined;
  let text: string;
  let tone: Tone = 'info';
  switch (e.kind) {
    case 'reloading':
      text = 'reloading its configuration';
      break;
    case 'loaded':
      text = `loaded its configuration (worker ${l.view.worker ?? '?'})`;
      tone = 'good';
      break;
    case 'load-failed':
      text = 'refused the new configuration';
      tone = 'bad';
      break;
    case 'worker-exited':
      text = `worker ${e.worker} finished (code ${e.code})`;
      tone = e.code === 0 ? 'info' : 'bad';
      break;
    case 'server': {
      const code = (e as { code?: number }).code;
      const check = e.check ? ` (${e.check}${code !== undefined ? ` ${code}` : ''})` : '';
      text = `${e.server} is ${e.status}${check}`;
      tone = e.status === 'UP' ? 'good' : e.status === 'DOWN' ? 'bad' : 'info';
      break;
    }
    case 'alert':
      text = e.text;
      tone = 'bad';
      break;
    default:
      return undefined;
  }
  return { Time: isoOf(l.time), Source: 'load balancer', Text: text, Tone: tone, Detail: l.text };
}
