/**
 * The load balancer's runtime API (`stats socket ipv4@127.0.0.1:9999 level admin`), reached with
 * `docker exec LB sh -c "echo 'CMD' | nc 127.0.0.1 9999"`: which commands may be sent, the argv
 * that sends one, and a parser for the server states `show stat` reports.
 */
import { BACKEND_NAME, HAPROXY_RUNTIME_HOST, HAPROXY_RUNTIME_PORT } from './render-config.js';

/** Lists every proxy's counters as CSV (one header line starting `# `, then one row a line). */
export const SHOW_STAT_COMMAND = 'show stat';

export type ServerStatus = 'UP' | 'DOWN' | 'DRAIN' | 'MAINT' | 'NOLB' | 'UNKNOWN';

export interface ServerStat {
  /** Proxy name (`pxname`), e.g. `svc_replicas`. */
  backend: string;
  /** Server name (`svname`), e.g. `r1`. */
  server: string;
  status: ServerStatus;
  /** Last health check result (`check_status`), e.g. `L4OK`, `L4CON`, `L4TOUT`, `INI`; "" if none. */
  checkStatus: string;
  /** Current `ip:port` (`addr`); "" while the server has no address (e.g. not resolved yet). */
  address: string;
  /** Sessions open on the server now (`scur`): in-flight requests and tunnels. */
  sessions: number;
}

/** Runtime API admin states a server can be put in. */
export type ServerAdminState = 'ready' | 'drain' | 'maint';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NAME_SRC = '[a-zA-Z0-9][a-zA-Z0-9_.-]*';

/** The only runtime API commands {@link runtimeCommandArgv} sends. */
const ALLOWED_COMMANDS: readonly RegExp[] = [
  /^show stat$/,
  /^show info$/,
  new RegExp(`^show servers state(?: ${NAME_SRC})?$`),
  new RegExp(`^set server ${NAME_SRC}/${NAME_SRC} state (?:ready|drain|maint)$`),
  new RegExp(`^(?:enable|disable) server ${NAME_SRC}/${NAME_SRC}$`),
];
const MAX_COMMAND_LENGTH = 200;

/** True when `command` is one {@link runtimeCommandArgv} accepts. */
export function isAllowedRuntimeCommand(command: string): boolean {
  return (
    typeof command === 'string' &&
    command.length <= MAX_COMMAND_LENGTH &&
    ALLOWED_COMMANDS.some((re) => re.test(command))
  );
}

/**
 * `set server BACKEND/SERVER state STATE`: `drain` stops new connections (sticky ones included)
 * while in-flight ones finish, `maint` takes the server out, `ready` puts it back.
 */
export function setServerStateCommand(
  server: string,
  state: ServerAdminState,
  backend: string = BACKEND_NAME,
): string {
  for (const [what, value] of [
    ['backend', backend],
    ['server', server],
  ] as const) {
    if (typeof value !== 'string' || !NAME.test(value) || value.length > 64) {
      throw new Error(`invalid HAProxy ${what} name ${JSON.stringify(value)}`);
    }
  }
  if (state !== 'ready' && state !== 'drain' && state !== 'maint') {
    throw new Error(`invalid HAProxy server state ${JSON.stringify(state)}`);
  }
  return `set server ${backend}/${server} state ${state}`;
}

/**
 * The argv that runs one runtime API command inside the load balancer container (for
 * `docker exec`): `['sh', '-c', "echo 'show stat' | nc 127.0.0.1 9999"]`. Only the commands of a
 * fixed grammar are accepted (show stat/info/servers state, set server state, enable/disable
 * server), with names restricted to `[a-zA-Z0-9_.-]`, so nothing can reach the shell or chain a
 * second command; anything else throws.
 */
export function runtimeCommandArgv(command: string, port: number = HAPROXY_RUNTIME_PORT): string[] {
  if (!isAllowedRuntimeCommand(command)) {
    throw new Error(`refusing to send HAProxy runtime command ${JSON.stringify(command)}: not allowed`);
  }
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) {
    throw new Error(`invalid HAProxy runtime API port ${JSON.stringify(port)}`);
  }
  return ['sh', '-c', `echo '${command}' | nc ${HAPROXY_RUNTIME_HOST} ${port}`];
}

/**
 * Maps HAProxy's server `status` column to {@link ServerStatus}:
 *
 * | HAProxy says | status | why |
 * |---|---|---|
 * | `UP`, `UP 1/3` (going down), `UP (agent)` | UP | still receives traffic |
 * | `DOWN`, `DOWN 1/2` (going up), `DOWN (agent)` | DOWN | receives no traffic |
 * | `NOLB`, `NOLB 1/2` | NOLB | serves sticky traffic only (stopping) |
 * | `DRAIN`, `DRAIN (agent)` | DRAIN | finishes current traffic, takes no new one |
 * | `MAINT`, `MAINT (via px/srv)`, `MAINT (resolution)` | MAINT | taken out: by an admin, a tracked server, or because its name does not resolve |
 * | `no check` | UNKNOWN | HAProxy sends it traffic but does not know its health |
 * | anything else (empty, new words) | UNKNOWN | |
 */
export function mapServerStatus(raw: string): ServerStatus {
  const text = raw.trim();
  if (/^no check$/i.test(text)) return 'UNKNOWN';
  const word = /^([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase();
  switch (word) {
    case 'UP':
    case 'DOWN':
    case 'NOLB':
    case 'DRAIN':
    case 'MAINT':
      return word;
    default:
      return 'UNKNOWN';
  }
}

/** Splits one CSV line; HAProxy quotes a field with `"` (doubling inner ones) when it must. */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  fields.push(field);
  return fields;
}

/**
 * Parses `show stat` output into one entry per server row, in output order; FRONTEND and
 * BACKEND rows (and listeners) are left out. Columns are found by the header's names, so
 * HAProxy versions that add columns parse alike. Throws when the text has no `show stat` header
 * (e.g. an error message from the runtime API, or no answer).
 */
export function parseServerStats(text: string): ServerStat[] {
  const lines = text.split(/\r?\n/);
  const isHeader = (l: string) => {
    if (!l.startsWith('# ')) return false;
    const names = splitCsvLine(l.slice(2));
    return names.includes('pxname') && names.includes('svname');
  };
  const headerIndex = lines.findIndex(isHeader);
  if (headerIndex < 0) {
    const first = text.trim().split(/\r?\n/)[0] ?? '';
    throw new Error(`not HAProxy "show stat" output: ${JSON.stringify(first.slice(0, 200))}`);
  }
  const header = splitCsvLine((lines[headerIndex] as string).slice(2));
  const col = (name: string) => header.indexOf(name);
  const iPx = col('pxname');
  const iSv = col('svname');
  const iStatus = col('status');
  const iCheck = col('check_status');
  const iAddr = col('addr');
  const iType = col('type');
  const iSessions = col('scur');
  if (iStatus < 0) {
    throw new Error('HAProxy "show stat" header lacks the status column');
  }
  const at = (fields: string[], i: number) => (i < 0 ? '' : (fields[i] ?? ''));

  const stats: ServerStat[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = splitCsvLine(line);
    const server = at(fields, iSv);
    const type = at(fields, iType);
    const isServer = iType >= 0 ? type === '2' : server !== 'FRONTEND' && server !== 'BACKEND';
    if (!isServer) continue;
    stats.push({
      backend: at(fields, iPx),
      server,
      status: mapServerStatus(at(fields, iStatus)),
      checkStatus: at(fields, iCheck).replace(/^\* /, ''),
      address: at(fields, iAddr),
      sessions: Number(at(fields, iSessions)) || 0,
    });
  }
  return stats;
}
