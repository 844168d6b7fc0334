/** The plain types both the engine and its swarm part speak: labels and log lines. */

export type Labels = Record<string, string>;

export interface LogOptions {
  follow?: boolean;
  /** Last N lines. */
  tail?: number;
  /** Unix seconds (fractions allowed). */
  since?: number;
  timestamps?: boolean;
  /** Which streams (default both). */
  streams?: 'stdout' | 'stderr' | 'both';
  /** Swarm service logs: each line starts with its task's details (`com.docker.swarm.task.id=…`). */
  details?: boolean;
  signal?: AbortSignal;
  onOpen?: () => void;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** What the engine said happened to a container (its events API), as it happened. */
export interface ContainerEvent {
  /** `create`, `start`, `die`, `stop`, `kill`, `destroy`, `rename`, `health_status: healthy`, … */
  action: string;
  id: string;
  /** The container's name (its new one after a rename). */
  name: string;
  /** Its labels (the engine sends them with every event). */
  labels: Labels;
  /** Unix seconds, with fractions. */
  time: number;
  /** A `die`'s exit code. */
  exitCode?: number;
}

export interface EventOptions {
  signal?: AbortSignal;
  /** Called once the engine streams (an event after that is never missed). */
  onOpen?: () => void;
  /**
   * The engine's past events from then on (Unix seconds by its clock, with fractions) come
   * first; it keeps its last 256 events. With `until`, only those up to then, and the stream
   * ends once they are sent.
   */
  since?: number;
  until?: number;
  /** These actions (e.g. `kill`, which the lifecycle ones leave out) instead of the lifecycle ones. */
  actions?: string[];
}
