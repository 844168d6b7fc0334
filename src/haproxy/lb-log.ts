/**
 * What HAProxy prints on stderr in master-worker foreground mode (`haproxy -W -db`), read back:
 * the master's reload messages and the workers' health-check and server-state lines (with
 * `option log-health-checks`, every change of a check's result is printed, the first one too).
 * Every line starts `[LEVEL]   (PID) : `, so each worker's lines can be told apart. Pure.
 *
 * Messages, HAProxy 2.6 to 3.x (src/haproxy.c, src/mworker.c, src/cli.c, src/check.c, src/server.c):
 *   master   `Reloading HAProxy`, `New worker (N) forked` (≤ 3.0) or `Initializing new worker (N)`
 *            (≥ 3.1), `Loading success.`, `Loading failure!` (≤ 3.0) or `Failed to load worker!`
 *            (≥ 3.1), `Former worker (N) exited with code C (…)`, `Current worker (N) exited …`
 *   worker   `Health check for server B/S succeeded|failed, reason: R[, info: …], check duration:
 *            Dms, status: a/b UP|DOWN|DRAIN.`, `Server B/S is UP|DOWN|stopping|going DOWN for
 *            maintenance …`
 */

export type ServerStatus = 'UP' | 'DOWN' | 'DRAIN' | 'MAINT' | 'NOLB' | 'UNKNOWN';

export type LbLogEvent =
  | { kind: 'reloading'; pid: number }
  | { kind: 'worker-started'; pid: number; worker: number }
  | { kind: 'loaded'; pid: number }
  | { kind: 'load-failed'; pid: number }
  | { kind: 'worker-exited'; pid: number; worker: number; code: number }
  | {
      kind: 'server';
      pid: number;
      backend: string;
      server: string;
      status: ServerStatus;
      check?: string;
      /** The HTTP status of an HTTP check's answer (`code: 503`). */
      code?: number;
    }
  | { kind: 'alert'; pid: number; text: string };

/** HAProxy's check results (`check_statuses` in src/check.c): description → code. */
const CHECK_CODES: Record<string, string> = {
  Unknown: 'UNK',
  Initializing: 'INI',
  'Socket error': 'SOCKERR',
  'Health analyze': 'HANA',
  'Layer4 check passed': 'L4OK',
  'Layer4 timeout': 'L4TOUT',
  'Layer4 connection problem': 'L4CON',
  'Layer6 check passed': 'L6OK',
  'Layer6 timeout': 'L6TOUT',
  'Layer6 invalid response': 'L6RSP',
  'Layer7 timeout': 'L7TOUT',
  'Layer7 invalid response': 'L7RSP',
  'Layer7 check passed': 'L7OK',
  'Layer7 check conditionally passed': 'L7OKC',
  'Layer7 wrong status': 'L7STS',
  'External check error': 'PROCERR',
  'External check timeout': 'PROCTOUT',
  'External check passed': 'PROCOK',
};

/** A check code that says the check passed. */
export function isPassedCheck(code: string | undefined): boolean {
  return code !== undefined && /^(L[4-7]OKC?|PROCOK)$/.test(code);
}

const PREFIX = /^(?:\S+Z )?\[(NOTICE|WARNING|ALERT)\]\s+\((\d+)\) : (.*)$/;
const NAME = '([^/\\s]+)/([^\\s,]+?)';
const HEALTH = new RegExp(
  `^(?:Health|Agent) check for (?:backup )?server ${NAME} (?:conditionally )?(succeeded|failed)(?:, reason: ([^,]+))?.*, status: \\d+/\\d+ (UP|DOWN|DRAIN)\\.?$`,
);
const SERVER = new RegExp(`^(?:Backup )?Server ${NAME}(?: \\('[^']*'\\))? (.*)$`);

/**
 * A server's state from the rest of a `Server B/S …` line, and whether that line is an admin or
 * DNS change (no check behind it: the last check result no longer says anything).
 */
function serverStatusOf(rest: string): { status: ServerStatus; admin: boolean } | undefined {
  if (/remains in (forced )?maintenance|enters maintenance|going DOWN for maintenance/.test(rest))
    return { status: 'MAINT', admin: true };
  if (/enters drain state|remains in drain mode/.test(rest)) return { status: 'DRAIN', admin: true };
  if (/^is stopping/.test(rest)) return { status: 'NOLB', admin: false };
  // `is UP`, `is DOWN` (a check's verdict); `is UP/READY (leaving maintenance)`, `is DOWN/READY
  // (resolves again)` (an admin or DNS change).
  const m = /^is (UP|DOWN|DRAIN|MAINT|NOLB)\b/.exec(rest);
  if (m) return { status: m[1] as ServerStatus, admin: /READY|leaving|resolves again/.test(rest) };
  if (/^administratively READY/.test(rest)) return { status: 'UP', admin: true };
  return undefined;
}

/** The event one stderr line of HAProxy carries, or undefined (other lines, other programs). */
export function parseLbLogLine(line: string): LbLogEvent | undefined {
  const m = PREFIX.exec(line.trimEnd());
  if (!m) return undefined;
  const level = m[1] as string;
  const pid = Number(m[2]);
  const text = m[3] as string;
  let w = /^(?:New worker \((\d+)\) forked|Initializing new worker \((\d+)\))/.exec(text);
  if (w) return { kind: 'worker-started', pid, worker: Number(w[1] ?? w[2]) };
  if (/^Loading success\./.test(text)) return { kind: 'loaded', pid };
  if (/^(Loading failure!|Failed to load worker!)/.test(text)) return { kind: 'load-failed', pid };
  if (/^Reloading HAProxy/.test(text)) return { kind: 'reloading', pid };
  w = /^(?:Former|Current) worker \((\d+)\) exited with code (\d+)/.exec(text);
  if (w) return { kind: 'worker-exited', pid, worker: Number(w[1]), code: Number(w[2]) };
  const h = HEALTH.exec(text);
  if (h && text.startsWith('Agent')) return undefined; // svc sets no agent checks
  if (h) {
    const check = h[4] ? CHECK_CODES[h[4].trim()] : undefined;
    const code = /, code: (\d{3}),/.exec(text)?.[1];
    return {
      kind: 'server',
      pid,
      backend: h[1] as string,
      server: h[2] as string,
      status: h[5] as ServerStatus,
      check: check ?? (h[3] === 'succeeded' ? 'L4OK' : 'UNK'),
      ...(code ? { code: Number(code) } : {}),
    };
  }
  const s = SERVER.exec(text);
  const state = s ? serverStatusOf(s[3] as string) : undefined;
  if (s && state) {
    const e: LbLogEvent = {
      kind: 'server',
      pid,
      backend: s[1] as string,
      server: s[2] as string,
      status: state.status,
    };
    // An admin or DNS change: no check result stands for the new state yet.
    if (state.admin) e.check = '';
    return e;
  }
  if (level === 'ALERT') return { kind: 'alert', pid, text };
  return undefined;
}

export interface ServerView {
  status: ServerStatus;
  /** The last check result (`L4OK`, `L4CON`, …); "" when none was printed yet. */
  check: string;
  /** The HTTP status the last check got (HTTP checks); undefined when it got none. */
  code?: number;
}

/** What the log says of the load balancer now. */
export interface LbView {
  /** The worker serving new connections (its PID in the container); undefined before one loaded. */
  worker: number | undefined;
  /** Servers of `backend` the current worker printed something about, by name. */
  servers: Map<string, ServerView>;
  /** Whether the log reached back to that worker's start (else older lines were rotated away). */
  complete: boolean;
  /** The master's alert lines since the last successful load (why a start or reload failed). */
  alerts: string[];
  /** A reload (or the start) that failed since the current worker loaded. */
  failedLoads: number;
  /** Workers that ended, by PID. */
  exited: Set<number>;
}

/**
 * Folds HAProxy's stderr lines, in order, into the current view. Feed it a container's log from
 * its start (or from any point: without the start, the newest worker that printed a server line
 * and did not exit is taken as current, and `complete` is false).
 */
export class LbLogFold {
  private readonly view: LbView = {
    worker: undefined,
    servers: new Map(),
    complete: false,
    alerts: [],
    failedLoads: 0,
    exited: new Set(),
  };
  /** What each worker printed of its servers, by PID: a new worker may print before it is loaded. */
  private readonly byWorker = new Map<number, Map<string, ServerView>>();
  private pending: number | undefined;
  /** The master's PID: the one printing reload messages. */
  private master: number | undefined;

  constructor(private readonly backend: string) {}

  /** Take one line; returns its event (if it had one). */
  push(line: string): LbLogEvent | undefined {
    const e = parseLbLogLine(line);
    if (e) this.apply(e);
    return e;
  }

  private serversOf(pid: number): Map<string, ServerView> {
    let m = this.byWorker.get(pid);
    if (!m) {
      m = new Map();
      this.byWorker.set(pid, m);
    }
    return m;
  }

  private apply(e: LbLogEvent): void {
    const v = this.view;
    if (e.kind !== 'server' && e.kind !== 'alert') this.master = e.pid;
    switch (e.kind) {
      case 'worker-started':
        this.pending = e.worker;
        return;
      case 'loaded':
        if (this.pending !== undefined) {
          v.worker = this.pending;
          v.servers = this.serversOf(this.pending);
          v.complete = true;
          v.failedLoads = 0;
          v.alerts = [];
        }
        this.pending = undefined;
        return;
      case 'load-failed':
        if (this.pending !== undefined) this.byWorker.delete(this.pending);
        this.pending = undefined;
        v.failedLoads++;
        return;
      case 'worker-exited':
        v.exited.add(e.worker);
        if (e.worker !== v.worker) this.byWorker.delete(e.worker);
        return;
      case 'alert':
        // Why a load failed: the master's, or (3.1+, where workers parse the config) the
        // loading worker's; not a serving worker's runtime alerts.
        if (this.master === undefined || e.pid === this.master || e.pid === this.pending)
          v.alerts = [...v.alerts.slice(-9), e.text];
        return;
      case 'server': {
        if (e.backend !== this.backend) return;
        const servers = this.serversOf(e.pid);
        const before = servers.get(e.server);
        // A line without a check result (`Server … is UP`) keeps the last one; an admin or DNS
        // change (check "") or another check's result replaces it.
        const last = e.check === undefined ? before : e;
        const view: ServerView = { status: e.status, check: last?.check ?? '' };
        if (last?.code !== undefined) view.code = last.code;
        servers.set(e.server, view);
        // The log not reaching back to the current worker's start: the newest worker that prints
        // and has not exited is taken as the current one, until a load says otherwise.
        if (!v.complete && e.pid !== v.worker && e.pid !== this.pending && !v.exited.has(e.pid)) {
          v.worker = e.pid;
          v.servers = servers;
        }
        return;
      }
      case 'reloading':
        return;
    }
  }

  current(): LbView {
    return this.view;
  }
}

/** The view of a whole log (lines in order). */
export function foldLbLog(lines: Iterable<string>, backend: string): LbView {
  const fold = new LbLogFold(backend);
  for (const l of lines) fold.push(l);
  return fold.current();
}
