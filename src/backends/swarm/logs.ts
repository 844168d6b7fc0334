/**
 * `svc logs` of a Swarm service: the swarm's own log stream of the replicas service (every task,
 * on whichever node), each line told apart by its task (the stream's details name it), prefixed by
 * the task's slot like a local replica; and the load balancer's with `lb`.
 */
import type { Core } from '../../core/backend.js';
import {
  LB_SOURCE,
  type LogSource,
  mergeByTime,
  type ServiceLogLine,
  type ServiceLogOptions,
  splitTimestamp,
} from '../../core/log-lines.js';
import type { LogLine } from '../../engine/engine.js';
import type { SwarmObserved } from './observe.js';

const DETAILS = /^com\.docker\.swarm\.[^ ]*task\.id=([a-z0-9]+)[^ ]* (.*)$/s;

/** The task a detailed line comes from, and its text. */
export function splitDetails(text: string): { task: string; text: string } {
  const m = DETAILS.exec(text);
  return m ? { task: m[1] as string, text: m[2] as string } : { task: '', text };
}

export async function swarmLogs(
  core: Core,
  s: SwarmObserved,
  opts: ServiceLogOptions,
  onLine: (line: ServiceLogLine) => void,
): Promise<void> {
  const { replicas, lb, tasks } = s.parts;
  const slots = new Map(tasks.map((t) => [t.id, t.slot]));
  const sources: Array<{ id: string; src: LogSource }> = [];
  if (replicas)
    sources.push({ id: replicas.id, src: { label: s.name, replica: null, id: replicas.id, running: true } });
  if (opts.lb && lb)
    sources.push({ id: lb.id, src: { label: LB_SOURCE, replica: null, id: lb.id, running: true } });
  const labels = tasks.filter((t) => t.serviceId === replicas?.id).map((t) => `${s.name}-${t.slot}`);
  opts.onSources?.([...new Set(labels)].sort().concat(opts.lb ? [LB_SOURCE] : []));
  const toLine = (src: LogSource, l: LogLine): ServiceLogLine => {
    const { time, text } = splitTimestamp(l.text);
    const d = splitDetails(text);
    const slot = src.label === LB_SOURCE ? undefined : slots.get(d.task);
    const label = slot === undefined ? src.label : `${s.name}-${slot}`;
    return { source: label, replica: slot ?? null, stream: l.stream, time, text: d.text };
  };
  const logOpts = {
    timestamps: true,
    tail: opts.tail,
    since: opts.since,
    follow: opts.follow,
    signal: opts.signal,
    details: true,
  };
  if (!opts.follow) {
    const lists = await Promise.all(
      sources.map(async ({ id, src }) => {
        const lines: ServiceLogLine[] = [];
        await core.engine.swarm.serviceLogs(id, logOpts, (l) => lines.push(toLine(src, l)));
        return lines;
      }),
    );
    for (const line of mergeByTime(lists)) onLine(line);
    return;
  }
  await Promise.all(
    sources.map(({ id, src }) => core.engine.swarm.serviceLogs(id, logOpts, (l) => onLine(toLine(src, l)))),
  );
}
