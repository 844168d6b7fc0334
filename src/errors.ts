/**
 * Typed errors. Each is thrown where the problem happens, with context, and caught once in
 * src/cli.ts, which maps `status` (the original API's HTTP status) to an exit code (`exitCodeFor`).
 */
export type ErrorStatus = 400 | 404 | 409 | 500 | 503;

/**
 * What the user could do next, said neutrally by the core; each front end phrases it (the CLI as
 * a command line, the API not at all), so no core message names a command or a flag.
 */
export type Hint =
  | { kind: 'remove'; service: string }
  | { kind: 'start-lb'; container: string }
  | { kind: 'rollback'; service: string }
  | { kind: 'detach-fip'; service: string }
  | { kind: 'create-group'; group: string }
  | { kind: 'update-group'; group: string }
  | { kind: 'unreachable-engine' }
  /** Log in to this registry (host[:port]; `docker.io` is Docker Hub). */
  | { kind: 'registry-login'; registry: string };

export class SvcError extends Error {
  readonly status: ErrorStatus;
  hint?: Hint;
  constructor(status: ErrorStatus, message: string, options?: { cause?: unknown; hint?: Hint }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.hint = options?.hint;
  }
}

/** One problem found in a service spec: where it is and what is wrong. */
export interface SpecIssue {
  /** Field path, e.g. `Replicas`, `Env[2]`, `Labels.app`, or a flag such as `--replicas`. */
  path: string;
  message: string;
  /** `file:line:col` when the value came from a file. */
  location?: string;
}

export class SpecError extends SvcError {
  readonly issues: SpecIssue[];
  constructor(issues: SpecIssue[]) {
    super(400, formatIssues(issues));
    this.issues = issues;
  }
}

/** Issues with a file position first, in the order they stand in the file; the rest after, as found. */
function inReadingOrder(issues: SpecIssue[]): SpecIssue[] {
  const position = (i: SpecIssue): [number, number] => {
    const m = i.location?.match(/:(\d+):(\d+)$/);
    return m ? [Number(m[1]), Number(m[2])] : [Number.POSITIVE_INFINITY, 0];
  };
  return issues
    .map((issue, index) => ({ issue, index, pos: position(issue) }))
    .sort((a, b) => a.pos[0] - b.pos[0] || a.pos[1] - b.pos[1] || a.index - b.index)
    .map((x) => x.issue);
}

export function formatIssues(issues: SpecIssue[]): string {
  const lines = inReadingOrder(issues).map(
    (i) => `  ${i.location ? `${i.location}: ` : ''}${i.path}: ${i.message}`,
  );
  const noun = issues.length === 1 ? 'problem' : 'problems';
  return `invalid service spec (${issues.length} ${noun}):\n${lines.join('\n')}`;
}

/** Bad command-line usage that is not about the spec itself (400). */
export class UsageError extends SvcError {
  constructor(message: string) {
    super(400, message);
  }
}

export class NotFoundError extends SvcError {
  constructor(message: string, options?: { cause?: unknown; hint?: Hint }) {
    super(404, message, options);
  }
}

export class ConflictError extends SvcError {
  constructor(message: string, options?: { cause?: unknown; hint?: Hint }) {
    super(409, message, options);
  }
}

export class EngineUnavailableError extends SvcError {
  constructor(message: string, options?: { cause?: unknown; hint?: Hint }) {
    super(503, message, options);
  }
}

export class InternalError extends SvcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(500, message, options);
  }
}

/**
 * The engine refused to run what was asked, and waiting cannot change that (a Swarm task
 * rejected: an image no node has, a constraint no node meets): 404 for a missing image, else 409.
 * A create that meets it removes what it made.
 */
export class RejectedError extends SvcError {
  constructor(status: 404 | 409, message: string) {
    super(status, message);
  }
}

/** The exit code of an API status: 2 for 400, 3 for 404, 4 for 409, 5 for 503, else 1. */
export function exitCodeFor(status: ErrorStatus): number {
  switch (status) {
    case 400:
      return 2;
    case 404:
      return 3;
    case 409:
      return 4;
    case 503:
      return 5;
    default:
      return 1;
  }
}

/** The user interrupted (Ctrl-C / SIGTERM); what this command made has been removed. */
export class InterruptedError extends SvcError {
  constructor(message: string) {
    super(500, message);
  }
}
