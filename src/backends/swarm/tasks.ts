/** Which tasks of a Swarm service are its replicas now, and their state as a container's. Pure. */
import type { ContainerState } from '../../engine/engine.js';
import type { SwarmTask } from '../../engine/swarm.js';

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
