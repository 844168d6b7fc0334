/**
 * Volumes, and svc's one-shot containers (a check run to its end), on a Docker engine through
 * dockerode. The DockerEngine (docker-engine.ts) answers for them; errors are typed there.
 */
import type Dockerode from 'dockerode';
import { InternalError } from '../errors.js';
import { readLogs } from './docker-streams.js';
import type { ExecResult, Labels, OneShotSpec, VolumeSummary } from './engine.js';
import { isStatus } from './engine-error.js';

function summary(v: Dockerode.VolumeInspectInfo & { CreatedAt?: string }): VolumeSummary {
  return {
    name: v.Name,
    driver: v.Driver,
    labels: v.Labels ?? {},
    created: v.CreatedAt ?? '',
    scope: v.Scope ?? 'local',
  };
}

export async function listVolumes(docker: Dockerode, labels: string[]): Promise<VolumeSummary[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: labels } });
  return (Volumes ?? []).map(summary).sort((a, b) => a.name.localeCompare(b.name));
}

export async function inspectVolume(docker: Dockerode, name: string): Promise<VolumeSummary | undefined> {
  try {
    return summary(await docker.getVolume(name).inspect());
  } catch (err) {
    if (isStatus(err, 404)) return undefined;
    throw err;
  }
}

export async function createVolume(docker: Dockerode, name: string, labels: Labels): Promise<VolumeSummary> {
  // The engine answers an existing volume of that name as it is (its labels are not changed).
  const made = (await docker.createVolume({ Name: name, Driver: 'local', Labels: labels })) as unknown;
  const info = (made as { Name?: string }).Name ? made : await docker.getVolume(name).inspect();
  return summary(info as Dockerode.VolumeInspectInfo);
}

export async function removeVolume(docker: Dockerode, name: string): Promise<void> {
  await docker.getVolume(name).remove();
}

/** Create, start, wait (within the spec's time), read the output, then remove: a check run to its end. */
export async function runOnce(docker: Dockerode, spec: OneShotSpec): Promise<ExecResult> {
  const container = await docker.createContainer({
    Image: spec.image,
    Entrypoint: spec.entrypoint,
    Cmd: spec.cmd,
    User: spec.user,
    Labels: spec.labels,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      Mounts: spec.mounts.map((m) => ({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: true })),
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      CapAdd: spec.capAdd,
      SecurityOpt: ['no-new-privileges'],
      PidsLimit: 64,
      Memory: 64 * 1024 * 1024,
      LogConfig: { Type: 'json-file', Config: {} },
    },
  });
  try {
    await container.start();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new InternalError(`a check in image ${spec.image} took over ${spec.timeoutMs} ms`)),
        spec.timeoutMs,
      );
    });
    let exit: { StatusCode?: number };
    try {
      exit = (await Promise.race([container.wait(), timedOut])) as { StatusCode?: number };
    } finally {
      clearTimeout(timer);
    }
    const out: string[] = [];
    const err: string[] = [];
    await readLogs(docker, { kind: 'containers', id: container.id, tty: false }, {}, (line) =>
      (line.stream === 'stdout' ? out : err).push(line.text),
    );
    return {
      exitCode: exit.StatusCode ?? -1,
      stdout: out.map((l) => `${l}\n`).join(''),
      stderr: err.map((l) => `${l}\n`).join(''),
    };
  } finally {
    // Not waited for: the answer is read, and the container (labelled) goes in the background.
    void container.remove({ force: true }).catch(() => undefined);
  }
}
