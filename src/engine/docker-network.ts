/**
 * Engine.ensureNetwork through dockerode: find the network by name, or create it. The engine's
 * own duplicate check is best-effort, so with a lock image concurrent callers serialise on a lock
 * container named `<network>-lock` (creating it is atomic: the engine refuses a second name with
 * 409), and a lock older than 20 s (its holder was killed) is removed.
 */
import type Dockerode from 'dockerode';
import type { Labels, NetworkRef } from './engine.js';
import { isStatus, unlessStatus } from './engine-error.js';

const LOCK_TIMEOUT_MS = 30_000;
const STALE_LOCK_MS = 20_000;

/** The oldest network of exactly this name (the engine's filter matches substrings). */
async function findNetwork(docker: Dockerode, name: string): Promise<{ Id: string } | undefined> {
  const list = await docker.listNetworks({ filters: { name: [name] } });
  return list
    .filter((n) => n.Name === name)
    .sort((a, b) => Date.parse(a.Created ?? '') - Date.parse(b.Created ?? '') || a.Id.localeCompare(b.Id))[0];
}

/** Engine.networkMembers: the names of the containers with an endpoint on `network` (none when it is gone). */
export async function networkMembers(docker: Dockerode, network: string): Promise<string[]> {
  try {
    const n = (await docker.getNetwork(network).inspect()) as {
      Containers?: Record<string, { Name?: string }> | null;
    };
    return Object.values(n.Containers ?? {}).flatMap((c) => (c.Name ? [c.Name] : []));
  } catch (err) {
    if (isStatus(err, 404)) return [];
    throw err;
  }
}

/** What ensureNetwork makes: `overlay` (on a swarm manager) is the swarm-wide, attachable kind. */
export interface NetworkWanted {
  name: string;
  labels: Labels;
  driver: 'bridge' | 'overlay';
}

async function createNetwork(docker: Dockerode, { name, labels, driver }: NetworkWanted): Promise<string> {
  const network = await docker.createNetwork({
    Name: name,
    Driver: driver,
    CheckDuplicate: true,
    Labels: labels,
    Attachable: true,
  });
  return network.id;
}

/** Try to take the lock; false when another caller holds it. */
async function takeLock(docker: Dockerode, lockName: string, lockImage: string): Promise<boolean> {
  try {
    await docker.createContainer({
      _query: { name: lockName },
      _body: { Image: lockImage, Entrypoint: ['/nonexistent'], HostConfig: { NetworkMode: 'none' } },
    } as Dockerode.ContainerCreateOptions);
    return true;
  } catch (err) {
    if (isStatus(err, 409)) return false;
    throw err;
  }
}

export async function ensureNetwork(
  docker: Dockerode,
  wanted: NetworkWanted,
  removeContainer: (idOrName: string) => Promise<void>,
  lockImage?: string,
): Promise<NetworkRef> {
  const { name } = wanted;
  const existing = await findNetwork(docker, name);
  if (existing) return { id: existing.Id, name, created: false };
  if (!lockImage) return { id: await createNetwork(docker, wanted), name, created: true };

  const lockName = `${name}-lock`;
  const removeLock = () => removeContainer(lockName).catch(() => undefined);
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    if (await takeLock(docker, lockName, lockImage)) {
      let ref: NetworkRef;
      try {
        const found = await findNetwork(docker, name);
        ref = found
          ? { id: found.Id, name, created: false }
          : { id: await createNetwork(docker, wanted), name, created: true };
      } catch (err) {
        await removeLock();
        throw err;
      }
      // The network is there: callers waiting for the lock find it; the caller need not wait.
      return { ...ref, unlocked: removeLock() };
    }
    // Another caller holds the lock: its network appears, or its lock goes stale (killed).
    const found = await findNetwork(docker, name);
    if (found) return { id: found.Id, name, created: false };
    const held = await docker
      .getContainer(lockName)
      .inspect()
      .catch(() => undefined);
    if (held && Date.now() - Date.parse(held.Created) > STALE_LOCK_MS) await removeLock();
    if (Date.now() > deadline) throw new Error(`timed out waiting for another svc to create network ${name}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How long removeNetwork waits for a removed network to leave the engine's list. */
const NETWORK_GONE_MS = 10_000;

/**
 * Remove a network by name or ID (gone already is fine). A swarm-scoped (overlay) network is
 * found by its ID only, so its name is looked up; and it lingers in this node's list until its
 * tasks have left it (a create right after would find it and then fail with "network not
 * found"), so this returns once it is gone, or after NETWORK_GONE_MS.
 */
export async function removeNetwork(docker: Dockerode, idOrName: string): Promise<void> {
  const found = await docker.listNetworks({ filters: { name: [idOrName] } });
  const ids = found.filter((n) => n.Name === idOrName).map((n) => n.Id);
  const removing = ids.length > 0 ? ids : [idOrName];
  for (const id of removing) await unlessStatus([404], docker.getNetwork(id).remove());
  for (let waited = 0; waited < NETWORK_GONE_MS; waited += 100) {
    const left = await docker.listNetworks({ filters: { id: removing } });
    if (!left.some((n) => removing.includes(n.Id) || removing.includes(n.Name))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
