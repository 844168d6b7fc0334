/**
 * The server-state file of the load balancer (`server-state-file`, read by HAProxy when it starts
 * or reloads, as `load-server-state-from-file global` asks): the servers it lists as DOWN start
 * DOWN with no health, so they take no request until `rise` checks in a row have passed. HAProxy
 * otherwise starts every server UP, and a replica joining a running service (scale, rolling
 * update) would be given requests before its first check: an app that listens before it is
 * ready (a JVM, a Rails app warming up) would answer them 503.
 *
 * Format version 1, the same from HAProxy 2.6 to 3.x (src/server_state.c): one line a server,
 * matched by backend and server name (the ids are not forced, so they are not compared). The
 * address is `-` (the server resolves its name as the config says), the port the config's.
 * Pure.
 */
import { fail } from './check-input.js';
import { BACKEND_NAME, type LbServer } from './render-config.js';

const SERVER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** The columns HAProxy writes (`show servers state`); the 20 of every version from 2.6 on. */
const COLUMNS = [
  'be_id',
  'be_name',
  'srv_id',
  'srv_name',
  'srv_addr',
  'srv_op_state',
  'srv_admin_state',
  'srv_uweight',
  'srv_iweight',
  'srv_time_since_last_change',
  'srv_check_status',
  'srv_check_result',
  'srv_check_health',
  'srv_check_state',
  'srv_agent_state',
  'bk_f_forced_id',
  'srv_f_forced_id',
  'srv_fqdn',
  'srv_port',
  'srvrecord',
];

/** SRV_ST_STOPPED, HCHK_STATUS_INI, CHK_RES_UNKNOWN, CHK_ST_CONFIGURED | CHK_ST_ENABLED. */
const STOPPED = 0;
const CHECK_INITIALIZING = 1;
const RESULT_UNKNOWN = 0;
const CHECK_CONFIGURED_ENABLED = 6;

/**
 * The state file for a (re)load after which `down` (names of `servers`) start DOWN; every other
 * server starts as HAProxy starts it (UP, until a check fails). No `down`: a file that changes
 * nothing.
 */
export function renderServerState(servers: readonly LbServer[], down: readonly string[] = []): string {
  const lines = ['1', `# ${COLUMNS.join(' ')}`];
  const byName = new Map(servers.map((s) => [s.name, s]));
  for (const name of [...new Set(down)].sort()) {
    const s = byName.get(name);
    if (!s) fail('server to start DOWN', name, 'is not one of the servers');
    if (!SERVER_NAME.test(s.name)) fail('server name', s.name, `does not match ${SERVER_NAME}`);
    if (!Number.isSafeInteger(s.port) || s.port < 1 || s.port > 65535)
      fail(`port of ${s.name}`, s.port, 'is not a port');
    const health = 0;
    lines.push(
      [
        1,
        BACKEND_NAME,
        1,
        s.name,
        '-',
        STOPPED,
        0,
        1,
        1,
        0,
        CHECK_INITIALIZING,
        RESULT_UNKNOWN,
        health,
        CHECK_CONFIGURED_ENABLED,
        0,
        0,
        0,
        '-',
        s.port,
        '-',
      ].join(' '),
    );
  }
  return `${lines.join('\n')}\n`;
}
