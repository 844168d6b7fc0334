/** The normalised service spec: the original API's fields, every default applied, every rule checked. */

export const PROTOCOLS = ['http', 'https', 'tcp', 'httpsTerm'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const ALGORITHMS = ['roundrobin', 'leastconn', 'source'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/**
 * Container sizes of the original Hyper.sh (its s1–l3 table; docs/spec.md): CPUs and memory; and
 * svc's own bound on processes and threads (`pids`), about one per MiB of memory, at least 256 and
 * at most 4096, so that a fork bomb fills its own replica and not the host's process table.
 */
export const CONTAINER_SIZES = {
  s1: { cpus: 1, memoryMiB: 64, pids: 256 },
  s2: { cpus: 1, memoryMiB: 128, pids: 256 },
  s3: { cpus: 1, memoryMiB: 256, pids: 256 },
  s4: { cpus: 1, memoryMiB: 512, pids: 512 },
  m1: { cpus: 1, memoryMiB: 1024, pids: 1024 },
  m2: { cpus: 2, memoryMiB: 2048, pids: 2048 },
  m3: { cpus: 2, memoryMiB: 4096, pids: 4096 },
  l1: { cpus: 4, memoryMiB: 4096, pids: 4096 },
  l2: { cpus: 4, memoryMiB: 8192, pids: 4096 },
  l3: { cpus: 8, memoryMiB: 16384, pids: 4096 },
} as const;
export type ContainerSize = keyof typeof CONTAINER_SIZES;

/** The most replicas a service may have (its load balancer's servers, on Swarm its slots). */
export const MAX_REPLICAS = 1000;

export interface ServiceSpec {
  Name: string;
  Image: string;
  WorkingDir: string;
  ContainerSize: ContainerSize;
  /** PEM text (certificate chain + private key); "" unless Protocol is httpsTerm. */
  SSLCert: string;
  /** "" or "bridge". */
  NetMode: string;
  /** "" (the image's) or a signal name such as "SIGTERM" or a number as text. */
  StopSignal: string;
  ServicePort: number;
  ContainerPort: number;
  Replicas: number;
  HealthCheckInterval: number;
  HealthCheckFall: number;
  HealthCheckRise: number;
  Algorithm: Algorithm;
  Protocol: Protocol;
  Stdin: boolean;
  Tty: boolean;
  SessionAffinity: boolean;
  Entrypoint: string[] | null;
  Cmd: string[] | null;
  /** ["K=v", …] in the order given; null when unset. */
  Env: string[] | null;
  /** ["volume-or-abs-host-path:/container/path[:ro|:rw]", …]; null when unset. */
  Volumes: string[] | null;
  Labels: Record<string, string>;
  SecurityGroups: string[] | null;
  /** Host address the service port is published on; "" = not published. */
  FIP: string;
  /** `http`/`httpsTerm`: the load balancer checks `GET` of this path (2xx/3xx pass); "" = a TCP check. */
  HealthCheckPath: string;
  /** Seconds between StopSignal and SIGKILL when a replica is removed or replaced. */
  StopTimeout: number;
}

/** Every object svc creates carries labels under this reserved prefix. */
export const LABEL_PREFIX = 'io.svc.';
