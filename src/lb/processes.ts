/**
 * Facts about a load balancer container that the engine tells without running anything in it:
 * its HAProxy worker processes (the engine's process list) and the owner its files need (the
 * image's user, looked up in the container's own /etc/passwd and /etc/group).
 */
import type { Engine, ProcessInfo } from '../engine/engine.js';

/**
 * PIDs of HAProxy's workers: haproxy processes whose parent is a haproxy process (the master).
 * PIDs are the engine's (host) ones; they are only compared with each other.
 */
export function workerPids(processes: ProcessInfo[]): number[] {
  const haproxy = new Set(processes.filter((p) => /\bhaproxy\b/.test(p.command)).map((p) => p.pid));
  return processes.filter((p) => haproxy.has(p.pid) && haproxy.has(p.ppid)).map((p) => p.pid);
}

/** True when none of `workers` (from before a reload) is still running. */
export function oldWorkersGone(workers: number[], now: ProcessInfo[]): boolean {
  const running = new Set(workerPids(now));
  return workers.every((w) => !running.has(w));
}

export interface Owner {
  uid: number;
  gid: number;
}

/** `name:x:uid:gid:…` lines of a passwd or group file, by name. */
function idsByName(text: string | undefined): Map<string, { id: number; gid: number }> {
  const out = new Map<string, { id: number; gid: number }>();
  for (const line of (text ?? '').split('\n')) {
    const [name, , id, gid] = line.split(':');
    if (name && id !== undefined && /^\d+$/.test(id))
      out.set(name, { id: Number(id), gid: Number(gid) || 0 });
  }
  return out;
}

async function readText(engine: Engine, id: string, path: string): Promise<string | undefined> {
  const [file] = await engine.readFiles(id, path);
  return file?.content?.toString('utf8');
}

/**
 * The uid and gid of the user the container runs as (`Config.User`: "", `name`, `uid`,
 * `uid:gid`, `name:group`). Unknown names resolve to root: the engine would refuse to start a
 * container whose user does not exist anyway.
 */
export async function fileOwner(engine: Engine, id: string): Promise<Owner> {
  const user = (await engine.inspectContainer(id)).user.trim();
  if (user === '' || user === 'root' || user === '0' || user === '0:0') return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const numeric = (s: string) => /^\d+$/.test(s);
  let passwd: Map<string, { id: number; gid: number }> | undefined;
  const users = async () => {
    passwd ??= idsByName(await readText(engine, id, '/etc/passwd'));
    return passwd;
  };
  let uid = 0;
  let gid: number | undefined;
  if (numeric(u)) {
    uid = Number(u);
    gid = [...(await users()).values()].find((e) => e.id === uid)?.gid;
  } else {
    const entry = (await users()).get(u);
    uid = entry?.id ?? 0;
    gid = entry?.gid;
  }
  if (g !== undefined) {
    gid = numeric(g) ? Number(g) : idsByName(await readText(engine, id, '/etc/group')).get(g)?.id;
  }
  return { uid, gid: gid ?? uid };
}

/**
 * The owner its files need in a container of `image` (the user it runs as), read from a
 * container created for the purpose and removed at once (it never starts).
 */
export async function imageOwner(engine: Engine, image: string, name: string): Promise<Owner> {
  const id = await engine.createContainer({
    name,
    image,
    labels: {},
    network: 'none',
    entrypoint: ['/nonexistent'],
    cmd: null,
    restartPolicy: 'no',
  });
  try {
    return await fileOwner(engine, id);
  } finally {
    await engine.removeContainer(id);
  }
}
