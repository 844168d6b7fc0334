/** Which tasks of a Swarm service are its replicas now, their image and state as a container's. Pure. */
import type { ContainerState } from '../../engine/engine.js';
import type { SwarmTask } from '../../engine/swarm.js';
import { LABEL } from '../../model/naming.js';

/** The task of each slot the swarm wants running (the newest when there are several), by slot. */
export function currentTasks(tasks: SwarmTask[], serviceId: string): SwarmTask[] {
  const bySlot = new Map<number, SwarmTask>();
  for (const t of tasks) {
    if (t.serviceId !== serviceId || t.desiredState !== 'running') continue;
    const had = bySlot.get(t.slot);
    if (!had || t.updated > had.updated) bySlot.set(t.slot, t);
  }
  return [...bySlot.values()].sort((a, b) => a.slot - b.slot);
}

/** A task's state as a container's (what status and inspect read). */
export function containerState(t: SwarmTask | undefined): ContainerState {
  switch (t?.state) {
    case 'running':
      return 'running';
    case 'new':
    case 'pending':
    case 'assigned':
    case 'accepted':
    case 'preparing':
    case 'starting':
      return 'created';
    case 'failed':
    case 'rejected':
    case 'orphaned':
      return 'dead';
    default:
      return 'exited';
  }
}

/**
 * The image a task runs, as the spec named it: its label (the reference it runs may be pinned to a
 * digest, or be one), else its reference without the digest.
 */
export function taskImage(t: SwarmTask): string {
  return t.labels[LABEL.image] ?? t.image;
}
