/**
 * A bounded HTTP client loop on a tenant's network, for what the host cannot reach (a service
 * with no FIP): a container of the test HTTP image (busybox) sending GET / to NAME:PORT with nc,
 * one request after another (the name resolved each time), printing `ok`, or `FAIL` and what nc
 * said; stopped when told or at its bounds.
 */
import { LABEL, labelFilter, names } from '../../../src/model/naming.js';
import { engine, HTTP_IMAGE, run } from './harness.js';

export interface NetworkLoadResult {
  requests: number;
  /** What nc said of each failed request ("" when it got no answer and said nothing). */
  failures: string[];
}

export interface NetworkLoad {
  stop(): Promise<NetworkLoadResult>;
}

export async function startNetworkLoad(
  tenant: string,
  target: string,
  opts: { maxRequests?: number; maxSeconds?: number } = {},
): Promise<NetworkLoad> {
  const max = opts.maxRequests ?? 5000;
  const until = opts.maxSeconds ?? 120;
  const [host, port] = target.split(':');
  // busybox nc (its static wget crashes resolving names in this image): a status line of 200 is
  // ok. Its -w bounds the connect only: a connection whose peer vanished would hang it.
  const get = `out=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 6 nc -w 5 ${host} ${port} 2>&1 | head -n 1)`;
  const check = `case "$out" in *' 200 '*) echo ok ;; *) echo "FAIL $out" ;; esac`;
  const script = `end=$(($(date +%s)+${until})); i=0; while [ $i -lt ${max} ] && [ $(date +%s) -lt $end ] && [ ! -e /tmp/stop ]; do ${get}; ${check}; i=$((i+1)); done; echo done`;
  const { stdout } = await run('docker', [
    'run',
    '-d',
    '--network',
    names.network(tenant),
    '--label',
    `${LABEL.managed}=1`,
    '--label',
    `${LABEL.tenant}=${tenant}`,
    '--entrypoint',
    'sh',
    HTTP_IMAGE,
    '-c',
    script,
  ]);
  const id = stdout.trim();
  return {
    async stop() {
      await run('docker', ['exec', id, 'touch', '/tmp/stop']).catch(() => undefined);
      await run('docker', ['wait', id]);
      const { stdout: log } = await run('docker', ['logs', id], { maxBuffer: 16 * 1024 * 1024 });
      await run('docker', ['rm', '-f', id]);
      const lines = log.split('\n');
      const failures = lines.filter((l) => l.startsWith('FAIL')).map((l) => l.slice(5));
      return { requests: lines.filter((l) => l === 'ok').length + failures.length, failures };
    },
  };
}

/**
 * A request the client sent (or resolved the name for) just before the old load balancer left the
 * network gets no answer (nc times out), as one in flight on a killed replica; bounded by the
 * requests in flight at that instant: one, for this client. The engine gives a freed address to
 * the next container that joins the network at once, so the retried SYN of such a request may
 * reach a container that does not listen yet: refused by an address in `gone` (one a load
 * balancer had, and left, during the case) is the same cut. Any other failure (refused by any
 * other address, an error answer) is a lost request.
 */
export function splitNetworkFailures(
  failures: string[],
  gone: ReadonlySet<string> = new Set(),
): { cut: string[]; lost: string[] } {
  const isCut = (f: string) => {
    const refused = /can't connect to remote host \(([\d.]+)\): Connection refused/.exec(f);
    return /timed out/.test(f) || f === '' || (refused !== null && gone.has(refused[1] as string));
  };
  return { cut: failures.filter(isCut), lost: failures.filter((f) => !isCut(f)) };
}

/** The addresses the service's load balancers have on the tenant's network, by container ID. */
export async function lbAddresses(tenant: string, service: string): Promise<Map<string, string>> {
  const format = '{{range $id, $c := .Containers}}{{$id}} {{$c.IPv4Address}}{{"\\n"}}{{end}}';
  const { stdout } = await run('docker', ['network', 'inspect', names.network(tenant), '--format', format]);
  const lbs = new Set((await engine.listContainers(labelFilter(tenant, service, 'lb'))).map((c) => c.id));
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [id, cidr] = line.trim().split(' ');
    if (id && cidr && lbs.has(id)) out.set(id, cidr.split('/')[0] as string);
  }
  return out;
}
