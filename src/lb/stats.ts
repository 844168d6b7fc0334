/**
 * HAProxy's own counters (`show stat`), read without a client program in the image: the haproxy
 * binary is the client. A second, short-lived haproxy started by exec loads a few lines of Lua
 * that connect to the load balancer's stats socket (an abstract socket, in the
 * container's network namespace only), print the answer and exit. This needs an HAProxy built
 * with Lua, as every official image is. Pure, but for the file contents it returns.
 *
 * Only the replicas' backend's servers, and not those in maintenance: on Swarm the backend is a
 * `server-template` of up to 1,000 slots, the unfilled ones in maintenance, and reading all of
 * them through a Lua socket took 39 s where the filled ones take 0.3 s.
 */
import { BACKEND_NAME, STATS_SOCKET } from '../haproxy/render-config.js';

/** Where the client's files go (beside the config; written through the archive API). */
export const STATS_DIR = '.svc-stats';

/**
 * What the one-shot client does: `stats` prints `show stat`; `probe` also connects to each
 * server with an address, from the load balancer's own network namespace (what HAProxy's
 * layer-4 check does; with an HttpProbe, an HTTP GET passing on 2xx and 3xx), and prints `#probe <server> ok|failed` lines after it.
 */
export type ClientKind = 'stats' | 'probe';

/** The HTTP check a probe makes instead of a bare connection (HealthCheckPath): what HAProxy's does. */
export interface HttpProbe {
  path: string;
  host: string;
}

/** What may stand in the Lua text: the config's own allow-lists (a URL path, a DNS label). */
const PROBE_PATH = /^\/(?:[A-Za-z0-9\-._~!&()*+,;=:@/?]|%[0-9A-Fa-f]{2}){0,1023}$/;
const PROBE_HOST = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The HTTP check the load balancer's config makes (render-config.ts writes it as `http-check
 * send meth GET uri PATH ver HTTP/1.1 hdr Host NAME`), or undefined: a TCP check.
 */
export function httpProbeOf(config: string): HttpProbe | undefined {
  const m = /^\s*http-check send meth GET uri (\S+) ver HTTP\/1\.1 hdr Host (\S+)$/m.exec(config);
  if (!m || !PROBE_PATH.test(m[1] as string) || !PROBE_HOST.test(m[2] as string)) return undefined;
  return { path: m[1] as string, host: m[2] as string };
}

const PROBE_LUA = `
  local col = {}
  for line in text:gmatch("[^\\n]+") do
    if line:sub(1, 2) == "# " then
      local i = 0
      for name in (line:sub(3) .. ","):gmatch("([^,]*),") do i = i + 1; col[name] = i end
    elseif col.addr then
      local f, i = {}, 0
      for v in (line .. ","):gmatch("([^,]*),") do i = i + 1; f[i] = v end
      local ip, port = (f[col.addr] or ""):gsub("[%[%]]", ""):match("^(.+):(%d+)$")
      if ip and f[col.type] == "2" then
        local c = core.tcp()
        c:settimeout(1)
        local connected = c:connect(ip, tonumber(port))
        local ok = connected
        if connected and HTTP_PATH then
          c:send("GET " .. HTTP_PATH .. " HTTP/1.1\\r\\nHost: " .. HTTP_HOST .. "\\r\\nConnection: close\\r\\n\\r\\n")
          local code = tonumber(((c:receive("*l")) or ""):match("^HTTP/%d%.%d (%d%d%d)"))
          ok = code ~= nil and code >= 200 and code < 400
        end
        if connected then c:close() end
        io.stdout:write("#probe " .. f[col.svname] .. " " .. (ok and "ok" or "failed") .. "\\n")
      end
    end
  end`;

function clientLua(kind: ClientKind, http: HttpProbe | undefined): string {
  const check =
    kind === 'probe' && http && PROBE_PATH.test(http.path) && PROBE_HOST.test(http.host)
      ? `local HTTP_PATH, HTTP_HOST = "${http.path}", "${http.host}"`
      : 'local HTTP_PATH, HTTP_HOST = nil, nil';
  return `-- svc ${kind}: print the load balancer's counters, then exit (written by svc; do not edit).
${check}
core.register_task(function()
  local s = core.tcp()
  s:settimeout(3)
  if not s:connect("abns@${STATS_SOCKET}") then
    io.stderr:write("svc-stats: cannot connect to the stats socket\\n")
    os.exit(3)
  end
  s:send("show stat ${BACKEND_NAME} 4 -1 no-maint\\n")
  local text = s:receive("*a") or ""
  io.stdout:write(text)${kind === 'probe' ? PROBE_LUA : ''}
  io.stdout:flush()
  os.exit(0)
end)
`;
}

/**
 * The client's config (Lua, and a listener on an abstract name: HAProxy wants one to start; the
 * process id in it lets two svc processes read one load balancer at once) and its Lua.
 */
export function statsClientFiles(
  dir: string,
  kind: ClientKind = 'stats',
  http?: HttpProbe,
): Array<{ name: string; content: string }> {
  const cfg = [
    `# svc ${kind}: a one-shot client of the load balancer (written by svc; do not edit).`,
    'global',
    `    lua-load ${dir}/${kind}.lua`,
    '    nbthread 1',
    'defaults',
    '    timeout connect 1s',
    '    timeout client 1s',
    '    timeout server 1s',
    'listen svc_stats_client',
    `    bind abns@${STATS_SOCKET}-${kind}-${process.pid}`,
    '',
  ].join('\n');
  return [
    { name: `${kind}.cfg`, content: cfg },
    { name: `${kind}.lua`, content: clientLua(kind, http) },
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
  /** Connection errors + response errors + HTTP 5xx answers (what clients got). */
  errors: number;
  /**
   * Connections to it that failed and were tried again, on it or another replica (`wretr` +
   * `wredis`): errors of this replica that no client saw.
   */
  retried: number;
  /** Average response time over the last 1024 requests, ms (0 in TCP mode). */
  avgResponseMs: number;
  /** `ip:port`, "" when the slot has no address (Swarm's unfilled slots). */
  address: string;
  /** From a probe only: whether a TCP connection from the load balancer to it was accepted. */
  reachable?: boolean;
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
  const probed = new Map(
    lines.flatMap((l) => {
      const m = /^#probe (\S+) (ok|failed)$/.exec(l);
      return m ? [[m[1], m[2] === 'ok'] as const] : [];
    }),
  );
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
      retried: num(row, 'wretr') + num(row, 'wredis'),
      avgResponseMs: num(row, 'rtime'),
      address: at(row, 'addr'),
      ...(probed.has(at(row, 'svname')) ? { reachable: probed.get(at(row, 'svname')) } : {}),
    }));
}
