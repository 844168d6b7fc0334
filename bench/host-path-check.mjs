#!/usr/bin/env node
/**
 * What the engine-side host path check of `svc serve --allow-host-path` costs a request:
 *
 *   npm run build && node bench/host-path-check.mjs [--runs 10]
 *
 * Two creates that are refused (so nothing is made and only the check differs): one by the policy
 * alone (a writable host path, judged without the engine) and one after the check (`..` out of
 * the allowed prefix, resolved in a one-shot container on the engine); the difference is the
 * check. Beside them, `docker run --rm` of the same container with the docker CLI, the floor such
 * a check could get to. Prints a markdown table; the engine is DOCKER_HOST's, the traffic 127.0.0.1.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SVC_BIN = join(ROOT, 'bin/svc.js');
const LB_IMAGE = 'svc-test/haproxy:local';
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 10) || 10;

const run = (cmd, args, env = {}) =>
  new Promise((res, rej) =>
    execFile(cmd, args, { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      err ? rej(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : res(stdout),
    ),
  );

function freePort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function timed(n, fn) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b);
}

const at = (xs, q) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const cell = (xs) => `${at(xs, 0.5).toFixed(0)} ms (p90 ${at(xs, 0.9).toFixed(0)})`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'svc-bench-paths-'));
  const allowed = join(dir, 'allowed');
  mkdirSync(join(allowed, 'site'), { recursive: true });
  const config = join(dir, 'config');
  const env = { SVC_CONFIG_DIR: config, SVC_LB_IMAGE: LB_IMAGE, NO_COLOR: '1' };
  const tenant = `bec0${randomBytes(14).toString('hex')}`;
  const key = JSON.parse(await run('node', [SVC_BIN, 'serve', 'keys', 'create', '--tenant', tenant], env));
  const port = await freePort();
  const args = ['serve', '--insecure-http', '--listen', `127.0.0.1:${port}`, '--allow-host-path', allowed];
  const server = spawn('node', [SVC_BIN, ...args], { env: { ...process.env, ...env } });
  const listening = await new Promise((res, rej) => {
    let buf = '';
    server.stderr.on('data', (c) => {
      buf += c;
      const line = buf.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) res(JSON.parse(line));
    });
    server.on('exit', (code) => rej(new Error(`svc serve exited ${code}: ${buf}`)));
  });
  const create = async (volume, want) => {
    const body = JSON.stringify({
      Name: 'bench',
      Image: 'svc-test/http:local',
      ServicePort: 8080,
      Volumes: [volume],
    });
    const r = await fetch(`http://127.0.0.1:${port}/v1.23/services/create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key.SecretKey}`, 'Content-Type': 'application/json' },
      body,
    });
    const text = await r.text();
    if (!want.test(text)) throw new Error(`unexpected answer ${r.status}: ${text}`);
  };
  try {
    await create(`${allowed}/../x:/x:ro`, /outside|not exist/); // warm-up
    const policy = await timed(runs, () => create(`${allowed}/site:/x`, /read-only/));
    const checked = await timed(runs, () => create(`${allowed}/../x:/x:ro`, /outside|not exist/));
    const docker = await timed(runs, () =>
      run('docker', [
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
      ]),
    );
    const diff = checked.map((x, i) => x - (policy[i] ?? 0)).sort((a, b) => a - b);
    process.stdout.write(
      [
        `#### Host path check (${runs} runs each; svc serve started with its prefix check in ${listening.policy.hostPathCheckMs} ms)`,
        '',
        '| request | time |',
        '|---|---|',
        `| create refused by the policy alone (no engine call) | ${cell(policy)} |`,
        `| create refused after the engine-side check | ${cell(checked)} |`,
        `| the check (difference, run by run) | ${cell(diff)} |`,
        `| \`docker run --rm\` of the same check, docker CLI | ${cell(docker)} |`,
        '',
        `The check takes ${(at(diff, 0.5) / at(docker, 0.5)).toFixed(2)}x the time of \`docker run --rm\` (medians, this run).`,
        '',
      ].join('\n'),
    );
  } finally {
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
