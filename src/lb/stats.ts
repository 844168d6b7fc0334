/**
 * HAProxy's own counters (`show stat`), read without a client program in the image: the haproxy
 * binary is the client. A second, short-lived haproxy started by exec loads a few lines of Lua
 * that connect to the load balancer's read-only stats socket (an abstract socket, in the
 * container's network namespace only), print the answer and exit. This needs an HAProxy built
 * with Lua, as every official image is. Pure, but for the file contents it returns.
 *
 * Only the replicas' backend's servers, and not those in maintenance: on Swarm the backend is a
 * `server-template` of up to 1,000 slots, the unfilled ones in maintenance, and reading all of
 * them through a Lua socket took 39 s where the filled ones take 0.3 s.
 */
import { BACKEND_NAME, STATS_SOCKET } from '../haproxy/render-config.js';

/** Where the client's two files go (beside the config; written through the archive API). */
export const STATS_DIR = '.svc-stats';

const CLIENT_LUA = `-- svc stats: print the load balancer's counters, then exit (written by svc; do not edit).
core.register_task(function()
  local s = core.tcp()
  s:settimeout(3)
  if not s:connect("abns@${STATS_SOCKET}") then
    io.stderr:write("svc-stats: cannot connect to the stats socket\\n")
    os.exit(3)
  end
  s:send("show stat ${BACKEND_NAME} 4 -1 no-maint\\n")
  io.stdout:write(s:receive("*a") or "")
  io.stdout:flush()
  os.exit(0)
end)
`;

/** The client's config: Lua, and a listener on an abstract name (HAProxy wants one to start). */
export function statsClientFiles(dir: string): Array<{ name: string; content: string }> {
  const cfg = [
    '# svc stats: a one-shot client of the load balancer (written by svc; do not edit).',
    'global',
    `    lua-load ${dir}/client.lua`,
    '    nbthread 1',
    'defaults',
    '    timeout connect 1s',
    '    timeout client 1s',
    '    timeout server 1s',
    'listen svc_stats_client',
    `    bind abns@${STATS_SOCKET}-client-${process.pid}`,
    '',
  ].join('\n');
  return [
    { name: 'client.cfg', content: cfg },
    { name: 'client.lua', content: CLIENT_LUA },
  ];
}

/** One server's counters, as `svc stats` shows them. */
export interface ServerCounters {
  backend: string;
  server: string;
  /** HAProxy's status column (`UP`, `DOWN`, `MAINT`, `no check`…). */
  status: string;
  check: string;
  /** Sessions open now. */
  sessions: number;
  /** Sessions (requests, in HTTP mode with close; connections in TCP mode) since start. */
  total: number;
  /** Connection errors + response errors + HTTP 5xx answers. */
  errors: number;
  /** Average response time over the last 1024 requests, ms (0 in TCP mode). */
  avgResponseMs: number;
  /** `ip:port`, "" when the slot has no address (Swarm's unfilled slots). */
  address: string;
}

function splitCsv(line: string): string[] {
  return line.split(',');
}

/** The server rows of `show stat` (FRONTEND and BACKEND rows left out). */
export function parseShowStat(text: string): ServerCounters[] {
  const lines = text.split(/\r?\n/);
  const head = lines.find((l) => l.startsWith('# '));
  if (!head) throw new Error(`not "show stat" output: ${JSON.stringify(text.trim().slice(0, 200))}`);
  const cols = splitCsv(head.slice(2));
  const at = (row: string[], name: string) => row[cols.indexOf(name)] ?? '';
  const num = (row: string[], name: string) => Number(at(row, name)) || 0;
  return lines
    .filter((l) => l && !l.startsWith('#'))
    .map(splitCsv)
    .filter((row) => at(row, 'type') === '2')
    .map((row) => ({
      backend: at(row, 'pxname'),
      server: at(row, 'svname'),
      status: at(row, 'status'),
      check: at(row, 'check_status').replace(/^\* /, ''),
      sessions: num(row, 'scur'),
      total: num(row, 'stot'),
      errors: num(row, 'econ') + num(row, 'eresp') + num(row, 'hrsp_5xx'),
      avgResponseMs: num(row, 'rtime'),
      address: at(row, 'addr'),
    }));
}
