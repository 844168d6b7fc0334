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
