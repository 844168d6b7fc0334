/**
 * `host-path`: what the engine-side host path check of `svc serve --allow-host-path` costs a
 * request. Two creates that are refused, so that nothing is made and only the check differs: one
 * by the policy alone (a writable host path, judged without the engine) and one after the check
 * (`..` out of the allowed prefix, resolved in a one-shot container on the engine); the difference
 * is the check. Beside them, `docker run --rm` of the same container with the docker CLI, the
 * floor such a check could get to. The three one after the other in each run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budget, cell, fmt, type Out, ratioCell, type Scenario, table } from '../lib/report.js';
import {
  docker,
  freePort,
  HTTP_IMAGE,
  LB_IMAGE,
  log,
  must,
  now,
  SVC_BIN,
  SVC_ENV,
  TENANT,
} from '../lib/run.js';

/** What the server said when it listened: how long its check of the prefixes took. */
interface Listening {
  policy?: { hostPathCheckMs?: number };
}

/** `svc serve` on 127.0.0.1 allowing `allowed`; resolves once it listens. */
function startServer(
  port: number,
  allowed: string,
  env: NodeJS.ProcessEnv,
): Promise<[ChildProcess, Listening]> {
  const args = ['serve', '--insecure-http', '--listen', `127.0.0.1:${port}`, '--allow-host-path', allowed];
  const server = spawn(process.execPath, [SVC_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`svc serve did not listen in 60 s: ${buf}`)), 60_000);
    server.stderr?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const line = buf.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (!line) return;
      clearTimeout(timer);
      res([server, JSON.parse(line) as Listening]);
    });
    server.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`svc serve exited ${code}: ${buf}`));
    });
  });
}

/** POST /services/create with one volume; its time (ms), once the answer says what `want` says. */
async function refusedCreate(port: number, token: string, volume: string, want: RegExp): Promise<number> {
  const t0 = now();
  const r = await fetch(`http://127.0.0.1:${port}/v1.23/services/create`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ Name: 'bench', Image: HTTP_IMAGE, ServicePort: 8080, Volumes: [volume] }),
  });
  const text = await r.text();
  const ms = now() - t0;
  if (r.status !== 403 || !want.test(text)) throw new Error(`unexpected answer ${r.status}: ${text}`);
  return ms;
}

/** The check's container as the docker CLI runs it: the same image, mounts, user and limits. */
async function dockerCheck(allowed: string): Promise<number> {
  const t0 = now();
  await must('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '-u',
    '0',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--cap-add',
    'DAC_READ_SEARCH',
    '--mount',
    `type=bind,source=${allowed},target=/.svc-check/0,readonly`,
    '--entrypoint',
    'realpath',
    LB_IMAGE,
    '/.svc-check/0/site',
  ]);
  return now() - t0;
}

interface Samples {
  policy: number[];
  checked: number[];
  check: number[];
  docker: number[];
}

function report(m: Samples, startMs: number | undefined, out: Out): void {
  out.raw['host-path'] = { ...m, prefixCheckAtStartMs: startMs };
  out.tables.push(
    table(
      `Host path check of svc serve (${m.policy.length} runs, one after the other in each)`,
      ['request', 'median (min–max)', '÷ docker run --rm (same run)'],
      [
        ['create refused by the policy alone (no engine call)', cell(m.policy, 'ms'), '–'],
        ['create refused after the engine-side check', cell(m.checked, 'ms'), '–'],
        ['the check (the two above, run by run)', cell(m.check, 'ms'), ratioCell(m.check, m.docker)],
        ['`docker run --rm` of the same check, docker CLI', cell(m.docker, 'ms'), '–'],
      ],
    ),
  );
  out.notes.push(`host-path: svc serve checked its prefix at start in ${fmt(startMs, 'ms')}`);
}

export const hostPath: Scenario = {
  name: 'host-path',
  about: 'svc serve --allow-host-path: the engine-side check a create pays, against docker run --rm of it',
  async run(opts, out) {
    const b = budget('host-path', 300, opts);
    const dir = mkdtempSync(join(tmpdir(), 'svc-bench-paths-'));
    const allowed = join(dir, 'allowed');
    mkdirSync(join(allowed, 'site'), { recursive: true });
    const env = { ...SVC_ENV, SVC_CONFIG_DIR: join(dir, 'config') };
    const key = await must(process.execPath, [SVC_BIN, 'serve', 'keys', 'create', '--tenant', TENANT], {
      env,
    });
    const token = (JSON.parse(key.stdout) as { SecretKey: string }).SecretKey;
    const port = await freePort();
    const [server, listening] = await startServer(port, allowed, env);
    const outside = /leads outside|does not exist/;
    try {
      await refusedCreate(port, token, `${allowed}/../x:/x:ro`, outside); // warm-up
      await docker(['run', '--rm', '--entrypoint', 'true', LB_IMAGE]);
      const m: Samples = { policy: [], checked: [], check: [], docker: [] };
      for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
        const policy = await refusedCreate(port, token, `${allowed}/site:/x`, /read-only/);
        const checked = await refusedCreate(port, token, `${allowed}/../x:/x:ro`, outside);
        const floor = await dockerCheck(allowed);
        m.policy.push(policy);
        m.checked.push(checked);
        m.check.push(checked - policy);
        m.docker.push(floor);
        log(
          `host-path run ${i + 1}: check ${fmt(checked - policy, 'ms')}, docker run --rm ${fmt(floor, 'ms')}`,
        );
      }
      report(m, listening.policy?.hostPathCheckMs, out);
    } finally {
      server.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
