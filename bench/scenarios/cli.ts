/**
 * `cli`: the CLI's latency (`svc --version`, `svc ls` with 20 services, `svc inspect`) against
 * `node -e 0` and `docker ps`, interleaved; and `svc serve` answering GET /services against `svc ls`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Budget,
  budget,
  cell,
  type Out,
  ratioCell,
  ratioMedian,
  type Scenario,
  table,
  target,
} from '../lib/report.js';
import {
  freePort,
  HTTP_IMAGE,
  log,
  must,
  now,
  SVC_BIN,
  SVC_ENV,
  sh,
  sleep,
  svc,
  TENANT,
} from '../lib/run.js';
import { svcCleanup } from '../lib/svc.js';

const API_SECONDS = 5;
const SERVICES = 20;

/** 20 services of one replica each, 4 created at a time. */
async function makeServices(): Promise<string[]> {
  const names = Array.from({ length: SERVICES }, (_, i) => `ls${i + 1}`);
  for (let i = 0; i < names.length; i += 4) {
    const rs = await Promise.all(
      names
        .slice(i, i + 4)
        .map((n) => svc(['create', '--name', n, '--service-port', '8080', '-q', HTTP_IMAGE])),
    );
    for (const r of rs) if (r.code !== 0) throw new Error(`svc create failed: ${r.stderr.slice(0, 400)}`);
  }
  return names;
}

/** GET /v1.23/services with a bearer token; resolves the status (0 on a connection error). */
function getServices(port: number, token: string, agent: http.Agent): Promise<number> {
  return new Promise((res) => {
    http
      .get(
        {
          host: '127.0.0.1',
          port,
          path: '/v1.23/services',
          agent,
          headers: { authorization: `Bearer ${token}` },
        },
        (r) => {
          r.resume();
          r.on('end', () => res(r.statusCode ?? 0));
        },
      )
      .on('error', () => res(0));
  });
}

/**
 * `svc serve` answering `GET /services` for the bench tenant (its services already exist) on
 * 127.0.0.1 over plain HTTP, against `svc ls` run one after the other, each for API_SECONDS.
 */
async function apiRate(b: Budget, out: Out): Promise<{ apiRps: number; cliRps: number } | undefined> {
  if (!b.ok(out.notes)) return undefined;
  const env = { ...SVC_ENV, SVC_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'svc-bench-api-')) };
  const key = await must(process.execPath, [SVC_BIN, 'serve', 'keys', 'create', '--tenant', TENANT], { env });
  const token = JSON.parse(key.stdout).SecretKey as string;
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [SVC_BIN, 'serve', '--insecure-http', '--listen', `127.0.0.1:${port}`],
    {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    },
  );
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    for (let i = 0; i < 100 && (await getServices(port, token, agent)) !== 200; i++) await sleep(100);
    let ok = 0;
    const until = now() + API_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (now() < until) if ((await getServices(port, token, agent)) === 200) ok++;
      }),
    );
    agent.destroy();
    let runs = 0;
    const cliUntil = now() + API_SECONDS * 1000;
    while (now() < cliUntil) if ((await svc(['ls', '-q'])).code === 0) runs++;
    log(`api: ${ok} GET /services in ${API_SECONDS} s (${SERVICES} services); svc ls ${runs} times`);
    return { apiRps: ok / API_SECONDS, cliRps: runs / API_SECONDS };
  } finally {
    server.kill('SIGTERM');
  }
}

const CASES: Array<[label: string, cmd: string, args: string[]]> = [
  ['node -e 0', process.execPath, ['-e', '0']],
  ['svc --version', process.execPath, [SVC_BIN, '--version']],
  [`svc ls (${SERVICES} services)`, process.execPath, [SVC_BIN, 'ls']],
  ['svc inspect ls1', process.execPath, [SVC_BIN, 'inspect', 'ls1']],
  ['docker ps', 'docker', ['ps']],
];

export const cli: Scenario = {
  name: 'cli',
  about:
    'svc --version, svc ls (20 services), svc inspect against node -e 0 and docker ps; the API against svc ls',
  async run(opts, out) {
    const b = budget('cli', 600, opts);
    const runs = Math.max(10, opts.runs);
    await makeServices();
    const m: Record<string, number[]> = Object.fromEntries(CASES.map(([k]) => [k, []]));
    for (const [, cmd, args] of CASES) await sh(cmd, args, { env: SVC_ENV }); // warm the page cache
    for (let i = 0; i < runs && b.ok(out.notes); i++) {
      for (const [k, cmd, args] of CASES) {
        const r = await sh(cmd, args, { env: SVC_ENV, timeoutMs: 60_000 });
        if (r.code !== 0) throw new Error(`${k} exited ${r.code}: ${r.stderr.slice(0, 300)}`);
        m[k]?.push(r.ms);
      }
    }
    const api = await apiRate(b, out);
    await svcCleanup();
    const of = (k: string): number[] => m[k] ?? [];
    const floor = of('node -e 0');
    out.raw.cli = m;
    out.raw.api = api;
    if (api) {
      out.tables.push(
        table(
          `HTTP API: GET /services with ${SERVICES} services vs svc ls (${API_SECONDS} s each)`,
          ['client', 'requests/s'],
          [
            ['GET /v1.23/services, 4 keep-alive connections, bearer token', api.apiRps.toFixed(1)],
            ['svc ls, one after the other', api.cliRps.toFixed(2)],
            ['API ÷ CLI', (api.apiRps / api.cliRps).toFixed(1)],
          ],
        ),
      );
    }
    out.tables.push(
      table(
        `CLI latency (${runs} runs each, interleaved)`,
        ['command', 'median (min–max)', '÷ node -e 0 (same run)', '÷ docker ps (same run)'],
        CASES.map(([k]) => [
          k,
          cell(of(k), 'ms'),
          ratioCell(of(k), floor),
          ratioCell(of(k), of('docker ps')),
        ]),
      ),
    );
    out.targets.push(
      target('svc --version ≤ 1.5× node -e 0', ratioMedian(of('svc --version'), floor), 1.5),
      target(
        `svc ls (${SERVICES} services) ≤ 3× node -e 0`,
        ratioMedian(of(`svc ls (${SERVICES} services)`), floor),
        3,
      ),
    );
  },
};
