#!/usr/bin/env node
/**
 * `npm run bench`: svc against Docker Swarm and docker-compose + HAProxy on the local engine, with
 * the offline test images (scripts/build-test-images.sh). Prints one markdown table per scenario,
 * writes the raw numbers to bench/results/<date>.json and the scaling curve to docs/bench-scaling.svg.
 *
 *   npm run bench -- [--only floor,ready,curve,scale,cli,dataplane,failover] [--runs 5] [--curve-runs N]
 *                    [--counts 1,5,10,25,50] [--duration 10] [--budget-scale 1]
 *
 * Every scenario has a time budget: once spent, it stops starting runs and says so. Every load is
 * bounded in time; all traffic goes to 127.0.0.1. Cleans up by label (its own svc tenant), with
 * `docker service rm` and `docker-compose down`, and leaves the swarm if it initialised it.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeScalingSvg } from './chart.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SVC_BIN = join(ROOT, 'bin/svc.js');
const HTTP_IMAGE = 'svc-test/http:local';
const LB_IMAGE = 'svc-test/haproxy:local';
const TENANT = `bec0${randomBytes(14).toString('hex')}`;
const TAG = randomBytes(3).toString('hex');
const SCENARIOS = ['floor', 'swarm', 'ready', 'curve', 'scale', 'cli', 'dataplane', 'failover'];

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const o = {
    only: SCENARIOS,
    runs: 5,
    curveRuns: undefined,
    scaleRuns: undefined,
    counts: [1, 5, 10, 25, 50],
    duration: 10,
    budget: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--only') o.only = v().split(',');
    else if (a === '--runs') o.runs = Number(v());
    else if (a === '--curve-runs') o.curveRuns = Number(v());
    else if (a === '--scale-runs') o.scaleRuns = Number(v());
    else if (a === '--counts') o.counts = v().split(',').map(Number);
    else if (a === '--duration') o.duration = Number(v());
    else if (a === '--budget-scale') o.budget = Number(v());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${readHelp()}\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  for (const s of o.only) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}: ${SCENARIOS}`);
  if (!(o.runs >= 1)) throw new Error('--runs must be ≥ 1');
  o.curveRuns ??= o.runs;
  o.scaleRuns ??= o.runs;
  return o;
}

function readHelp() {
  return [
    'npm run bench -- [options]',
    `  --only LIST        scenarios, comma-separated: ${SCENARIOS.join(',')} (default: all)`,
    '  --runs N           runs per tool and case (default 5; CLI latency uses max(N, 10))',
    '  --curve-runs N     runs per replica count in the scaling curve (default: --runs)',
    '  --scale-runs N     runs of svc scale 10 → 50 → 10 (default: --runs)',
    '  --counts LIST      replica counts of the scaling curve (default 1,5,10,25,50)',
    '  --duration S       seconds of each wrk run (default 10)',
    '  --budget-scale F   multiply every scenario time budget by F (default 1)',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Processes and timing

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Run a command; resolves { code, stdout, stderr, ms }; never rejects; killed after timeoutMs. */
function sh(cmd, args, opts = {}) {
  return new Promise((done) => {
    const t0 = now();
    execFile(
      cmd,
      args,
      { env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 300_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr), ms: now() - t0 });
      },
    );
  });
}

async function must(cmd, args, opts) {
  const r = await sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
  return r;
}

const SVC_ENV = { SVC_TENANT: TENANT, SVC_LB_IMAGE: LB_IMAGE, NO_COLOR: '1' };
const svc = (args, timeoutMs = 300_000) =>
  sh(process.execPath, [SVC_BIN, ...args], { env: SVC_ENV, timeoutMs });
const docker = (args, timeoutMs) => sh('docker', args, { timeoutMs });

function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/** One GET on a fresh connection: the trimmed body on 200, else undefined. */
function getOnce(url, timeoutMs = 2000) {
  return new Promise((res) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c) => {
        body += c;
      });
      r.on('end', () => res(r.statusCode === 200 ? body.trim() : undefined));
      r.on('error', () => res(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => res(undefined));
  });
}

/**
 * Poll until `want` distinct hostnames have answered. `urls()` gives the URLs to poll now (it may
 * change as ports appear). Resolves the time (performance.now) all were seen, or undefined at the
 * deadline.
 */
async function pollDistinct(urls, want, deadline, stop = () => false) {
  const seen = new Set();
  while (now() < deadline && !stop()) {
    const list = await urls();
    const bodies = await Promise.all(list.map((u) => getOnce(u)));
    for (const b of bodies) if (b) seen.add(b);
    if (seen.size >= want) return now();
    await sleep(list.length ? 20 : 100);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Statistics and tables

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
function stat(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  if (!v.length) return undefined;
  return { median: median(v), min: Math.min(...v), max: Math.max(...v), n: v.length };
}
const fmt = (x, unit) => {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (unit === 's') return `${(x / 1000).toFixed(x < 10_000 ? 2 : 1)} s`;
  if (unit === 'ms') return `${x.toFixed(x < 100 ? 1 : 0)} ms`;
  if (unit === 'rps') return `${Math.round(x)}`;
  if (unit === 'x') return `${x.toFixed(2)}×`;
  return String(Math.round(x * 100) / 100);
};
function cell(xs, unit) {
  const s = stat(xs);
  if (!s) return '–';
  return `${fmt(s.median, unit)} (${fmt(s.min, unit)}–${fmt(s.max, unit)}, n=${s.n})`;
}
/** Pairwise ratios a[i]/b[i] (same run), as median (min–max). */
function ratioCell(a, b) {
  const r = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] > 0 && b[i] > 0) r.push(a[i] / b[i]);
  return cell(r, 'x');
}
function ratioMedian(a, b) {
  const r = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] > 0 && b[i] > 0) r.push(a[i] / b[i]);
  return stat(r)?.median;
}
function table(title, header, rows) {
  const lines = [
    `### ${title}`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
  ];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Budgets: each scenario stops starting runs once its time is spent.

function budget(name, seconds, opts) {
  const end = now() + seconds * 1000 * opts.budget;
  return {
    left: () => end - now(),
    ok(notes) {
      if (now() < end) return true;
      const msg = `${name}: time budget (${Math.round(seconds * opts.budget)} s) spent, fewer runs than asked`;
      if (!notes.includes(msg)) notes.push(msg);
      log(msg);
      return false;
    },
  };
}

const log = (m) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

// ---------------------------------------------------------------------------------------------
// svc

async function svcCleanup() {
  const services = (
    await docker(['service', 'ls', '-q', '--filter', `label=io.svc.tenant=${TENANT}`])
  ).stdout.split(/\s+/);
  if (services.filter(Boolean).length) await docker(['service', 'rm', ...services.filter(Boolean)], 120_000);
  const ids = (await docker(['ps', '-aq', '--filter', `label=io.svc.tenant=${TENANT}`])).stdout.split(/\s+/);
  const list = ids.filter(Boolean);
  if (list.length) await docker(['rm', '-f', ...list], 120_000);
  await docker(['network', 'rm', `svc-${TENANT}`]);
}

async function svcCreate(name, replicas, port, extra = []) {
  const args = ['create', '--name', name, '--replicas', String(replicas), '--container-port', '80'];
  args.push('--protocol', 'http', '--wait', '--timeout', '300s', '-q', ...extra);
  if (port) args.push('--service-port', String(port), '--fip', '127.0.0.1');
  else args.push('--service-port', '8080');
  return svc([...args, HTTP_IMAGE], 330_000);
}

/** svc create --wait, then every replica seen through the LB. */
async function svcReady(n) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const t0 = now();
  const r = await svcCreate(`r${n}`, n, port);
  const tCmd = now();
  if (r.code !== 0) throw new Error(`svc create failed: ${r.stderr.slice(0, 400)}`);
  const tSeen = await pollDistinct(async () => [url], n, now() + 120_000);
  await svcCleanup();
  if (tSeen === undefined) throw new Error(`svc: not all ${n} replicas answered`);
  return { cmd: tCmd - t0, ready: Math.max(tSeen, tCmd) - t0 };
}

/**
 * The engine's floor for what a create asks of it: a network plus N+1 containers of the same
 * image (the replicas and the load balancer), started in parallel with `docker run -d`.
 */
async function floorReady(n) {
  const network = `svc-bench-floor-${TAG}`;
  const names = Array.from({ length: n + 1 }, (_, i) => `svc-bench-floor-${TAG}-${i}`);
  const t0 = now();
  await must('docker', ['network', 'create', network]);
  await Promise.all(
    names.map((name) => must('docker', ['run', '-d', '--name', name, '--network', network, HTTP_IMAGE])),
  );
  const t = now() - t0;
  await docker(['rm', '-f', ...names], 120_000);
  await docker(['network', 'rm', network]);
  return t;
}

// ---------------------------------------------------------------------------------------------
// Swarm

let swarmInitialised = false;
async function ensureSwarm() {
  const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim();
  if (state === 'active') return;
  await must('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { timeoutMs: 60_000 });
  swarmInitialised = true;
  log('initialised a one-node swarm (left again at the end)');
}
async function leaveSwarm() {
  if (swarmInitialised) {
    await docker(['swarm', 'leave', '--force'], 60_000);
    swarmInitialised = false;
  }
}
const swarmServices = new Set();

async function swarmRm(name) {
  await docker(['service', 'rm', name], 60_000);
  swarmServices.delete(name);
  const end = now() + 90_000;
  while (now() < end) {
    const ps = await docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${name}`]);
    if (!ps.stdout.trim()) return;
    await sleep(300);
  }
}

/** The host-mode ports of a swarm service's running tasks. */
async function swarmUrls(name) {
  const r = await docker([
    'ps',
    '--filter',
    `label=com.docker.swarm.service.name=${name}`,
    '--format',
    '{{.Ports}}',
  ]);
  const urls = [];
  for (const m of r.stdout.matchAll(/(?:0\.0\.0\.0|127\.0\.0\.1):(\d+)->80\/tcp/g))
    urls.push(`http://127.0.0.1:${m[1]}/`);
  return [...new Set(urls)];
}

/** `docker service create` (synchronous), polling the tasks' host ports from the start. */
async function swarmReady(n) {
  const name = `bench-${TAG}-${n}-${randomBytes(2).toString('hex')}`;
  swarmServices.add(name);
  const t0 = now();
  let cmdDone = false;
  const poll = pollDistinct(() => swarmUrls(name), n, t0 + 300_000);
  const r = await docker(
    [
      'service',
      'create',
      '--name',
      name,
      '--replicas',
      String(n),
      '--publish',
      'mode=host,target=80',
      HTTP_IMAGE,
    ],
    300_000,
  );
  cmdDone = true;
  const tCmd = now();
  const tSeen = await poll;
  await swarmRm(name);
  if (r.code !== 0) throw new Error(`docker service create failed: ${r.stderr.slice(0, 400)}`);
  if (tSeen === undefined) throw new Error(`swarm: not all ${n} tasks answered`);
  return { cmd: tCmd - t0, ready: tSeen - t0, cmdDone };
}

/**
 * Swarm's floor for what svc asks of it: a new overlay network and N+1 tasks of the same image on
 * it (the replicas and the load balancer), each publishing a host port so it can be seen
 * answering; `docker service create -d`, tasks polled from the start.
 */
async function swarmFloorReady(n) {
  const network = `svc-bench-swarm-floor-${TAG}`;
  const name = `bench-floor-${TAG}-${n}-${randomBytes(2).toString('hex')}`;
  swarmServices.add(name);
  const t0 = now();
  await must('docker', ['network', 'create', '-d', 'overlay', '--attachable', network]);
  const poll = pollDistinct(() => swarmUrls(name), n + 1, t0 + 300_000);
  const r = await docker(
    [
      'service',
      'create',
      '-d',
      '-q',
      '--name',
      name,
      '--replicas',
      String(n + 1),
      '--network',
      network,
      '--publish',
      'mode=host,target=80',
      HTTP_IMAGE,
    ],
    300_000,
  );
  const tSeen = await poll;
  await swarmRm(name);
  await docker(['network', 'rm', network]);
  if (r.code !== 0) throw new Error(`docker service create failed: ${r.stderr.slice(0, 400)}`);
  if (tSeen === undefined) throw new Error(`swarm floor: not all ${n + 1} tasks answered`);
  return tSeen - t0;
}

// ---------------------------------------------------------------------------------------------
// docker-compose + a hand-written HAProxy

async function ensureTool(bin, pkg) {
  if ((await sh('sh', ['-c', `command -v ${bin}`])).code === 0) return;
  log(`installing ${pkg} (apt-get)`);
  await sh('apt-get', ['update', '-qq'], { timeoutMs: 300_000 });
  await must('apt-get', ['install', '-y', '-qq', pkg], {
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    timeoutMs: 600_000,
  });
}

function composeProject(n, port) {
  const dir = mkdtempSync(join(tmpdir(), 'svc-bench-compose-'));
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    [
      'global',
      '  maxconn 4096',
      'resolvers docker',
      '  nameserver dns 127.0.0.11:53',
      '  accepted_payload_size 8192',
      '  hold valid 1s',
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 1m',
      '  timeout server 1m',
      'frontend fe',
      '  bind :80',
      '  default_backend web',
      'backend web',
      '  balance roundrobin',
      `  server-template web ${n} web:80 check inter 1s resolvers docker init-addr none`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'docker-compose.yml'),
    [
      "version: '2.4'",
      'services:',
      '  web:',
      `    image: ${HTTP_IMAGE}`,
      '  lb:',
      `    image: ${LB_IMAGE}`,
      '    ports:',
      `      - '127.0.0.1:${port}:80'`,
      '    volumes:',
      '      - ./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro',
      '',
    ].join('\n'),
  );
  return dir;
}

async function composeReady(n) {
  const port = await freePort();
  const dir = composeProject(n, port);
  const project = `svcbench${TAG}${n}`;
  const base = ['-p', project, '-f', join(dir, 'docker-compose.yml')];
  const t0 = now();
  const r = await sh('docker-compose', [...base, 'up', '-d', '--scale', `web=${n}`], { timeoutMs: 300_000 });
  const tCmd = now();
  const tSeen =
    r.code === 0
      ? await pollDistinct(async () => [`http://127.0.0.1:${port}/`], n, now() + 120_000)
      : undefined;
  await sh('docker-compose', [...base, 'down', '-t', '5', '--remove-orphans'], { timeoutMs: 120_000 });
  rmSync(dir, { recursive: true, force: true });
  if (r.code !== 0) throw new Error(`docker-compose up failed: ${r.stderr.slice(0, 400)}`);
  if (tSeen === undefined) throw new Error(`compose: not all ${n} replicas answered`);
  return { cmd: tCmd - t0, ready: Math.max(tSeen, tCmd) - t0 };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/** svc create --wait against the engine's floor, paired in each run. */
async function scenarioFloor(opts, out) {
  const b = budget('floor', 600, opts);
  const raw = {};
  const rows = [];
  for (const n of [2, 10]) {
    const m = { svc: [], floor: [] };
    for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
      const f = await floorReady(n);
      const s = await svcReady(n);
      m.floor.push(f);
      m.svc.push(s.cmd);
      log(`floor n=${n} run ${i + 1}: svc create --wait ${fmt(s.cmd, 's')}, floor ${fmt(f, 's')}`);
    }
    raw[n] = m;
    rows.push(
      [`${n}`, 'svc create --wait (returns)', cell(m.svc, 's'), '–'],
      [
        `${n}`,
        `floor: network + ${n + 1} × docker run -d, in parallel`,
        cell(m.floor, 's'),
        ratioCell(m.svc, m.floor),
      ],
    );
    out.targets.push(
      target(`svc create --wait ≤ 1.25× the floor (${n} replicas)`, ratioMedian(m.svc, m.floor), 1.25),
    );
  }
  out.raw.floor = raw;
  out.tables.push(
    table(
      'svc create --wait against the engine floor',
      ['replicas', 'what', 'median (min–max)', 'svc / this (same run)'],
      rows,
    ),
  );
}

/** svc create --wait --backend swarm, then every replica seen through its load balancer. */
async function svcSwarmReady(n) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const t0 = now();
  const args = [
    'create',
    '--backend',
    'swarm',
    '--name',
    `s${n}`,
    '--replicas',
    String(n),
    '--container-port',
    '80',
  ];
  args.push(
    '--protocol',
    'http',
    '--wait',
    '--timeout',
    '300s',
    '-q',
    '--service-port',
    String(port),
    '--fip',
    '0.0.0.0',
  );
  const r = await svc([...args, HTTP_IMAGE], 330_000);
  const tCmd = now();
  if (r.code !== 0) throw new Error(`svc create --backend swarm failed: ${r.stderr.slice(0, 400)}`);
  const tSeen = await pollDistinct(async () => [url], n, now() + 120_000);
  await svc(['rm', `s${n}`], 120_000);
  if (tSeen === undefined) throw new Error(`svc (swarm): not all ${n} replicas answered`);
  return { cmd: tCmd - t0, ready: Math.max(tSeen, tCmd) - t0 };
}

/** svc on Swarm against docker service create (synchronous, and its tasks polled), paired. */
async function scenarioSwarm(opts, out) {
  const b = budget('swarm', 1200, opts);
  await ensureSwarm();
  const raw = {};
  const rows = [];
  for (const n of [2, 10]) {
    const m = { svc: [], swarm: [], swarmSync: [], floor: [] };
    for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
      const s = await svcSwarmReady(n);
      const w = await swarmReady(n);
      const f = await swarmFloorReady(n);
      m.svc.push(s.ready);
      m.swarm.push(w.ready);
      m.swarmSync.push(w.cmd);
      m.floor.push(f);
      log(
        `swarm n=${n} run ${i + 1}: svc ${fmt(s.ready, 's')}, docker service create ${fmt(w.cmd, 's')} (tasks answer ${fmt(w.ready, 's')}), floor ${fmt(f, 's')}`,
      );
    }
    raw[n] = m;
    rows.push(
      [`${n}`, 'svc create --wait --backend swarm', cell(m.svc, 's'), '–'],
      [
        `${n}`,
        'docker service create (command returns)',
        cell(m.swarmSync, 's'),
        ratioCell(m.svc, m.swarmSync),
      ],
      [
        `${n}`,
        'docker service create -d (tasks answer, polled)',
        cell(m.swarm, 's'),
        ratioCell(m.svc, m.swarm),
      ],
      [
        `${n}`,
        `floor: new overlay network + ${n + 1} tasks on it (-d, tasks answer, polled)`,
        cell(m.floor, 's'),
        ratioCell(m.svc, m.floor),
      ],
    );
    out.targets.push(
      target(
        `swarm: svc create --wait ≤ 0.5× docker service create (${n} replicas)`,
        ratioMedian(m.svc, m.swarmSync),
        0.5,
      ),
    );
  }
  out.raw.swarm = raw;
  out.tables.push(
    table(
      'On Swarm: time to ready (command start → every replica answered once)',
      ['replicas', 'tool', 'median (min–max)', 'svc / this (same run)'],
      rows,
    ),
  );
}

async function scenarioReady(opts, out) {
  const b = budget('ready', 1500, opts);
  await ensureSwarm();
  await ensureTool('docker-compose', 'docker-compose');
  const raw = {};
  const rows = [];
  for (const n of [2, 10]) {
    const m = { svc: [], svcCmd: [], swarm: [], swarmSync: [], compose: [], floor: [] };
    for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
      // The tools one after the other in each run, so pairs share the machine's load.
      const s = await svcReady(n);
      const w = await swarmReady(n);
      const c = await composeReady(n);
      m.floor.push(await floorReady(n));
      m.svc.push(s.ready);
      m.svcCmd.push(s.cmd);
      m.swarm.push(w.ready);
      m.swarmSync.push(w.cmd);
      m.compose.push(c.ready);
      log(
        `ready n=${n} run ${i + 1}: svc ${fmt(s.ready, 's')}, swarm ${fmt(w.ready, 's')} (sync ${fmt(w.cmd, 's')}), compose ${fmt(c.ready, 's')}`,
      );
    }
    raw[n] = m;
    rows.push(
      [`${n}`, 'svc create --wait', cell(m.svc, 's'), '–'],
      [`${n}`, 'docker service create (tasks answer)', cell(m.swarm, 's'), ratioCell(m.svc, m.swarm)],
      [
        `${n}`,
        'docker service create (command returns)',
        cell(m.swarmSync, 's'),
        ratioCell(m.svc, m.swarmSync),
      ],
      [`${n}`, 'docker-compose up -d --scale + HAProxy', cell(m.compose, 's'), ratioCell(m.svc, m.compose)],
      [
        `${n}`,
        `floor: network + ${n + 1} × docker run -d, in parallel`,
        cell(m.floor, 's'),
        ratioCell(m.svc, m.floor),
      ],
    );
    out.targets.push(
      target(`time to ready ≤ 0.5× swarm (${n} replicas)`, ratioMedian(m.svc, m.swarm), 0.5),
      target(`time to ready ≤ 0.5× compose (${n} replicas)`, ratioMedian(m.svc, m.compose), 0.5),
    );
  }
  out.raw.ready = raw;
  out.tables.push(
    table(
      'Time to ready (command start → every replica answered once)',
      ['replicas', 'tool', 'median (min–max)', 'svc / this (same run)'],
      rows,
    ),
  );
}

async function scenarioCurve(opts, out) {
  const b = budget('curve', 2400, opts);
  await ensureSwarm();
  const raw = { counts: opts.counts, svc: {}, swarm: {}, swarmSync: {} };
  const rows = [];
  for (const n of opts.counts) {
    raw.svc[n] = [];
    raw.swarm[n] = [];
    raw.swarmSync[n] = [];
    for (let i = 0; i < opts.curveRuns && b.ok(out.notes); i++) {
      const s = await svcReady(n);
      const w = await swarmReady(n);
      raw.svc[n].push(s.ready);
      raw.swarm[n].push(w.ready);
      raw.swarmSync[n].push(w.cmd);
      log(`curve n=${n} run ${i + 1}: svc ${fmt(s.ready, 's')}, swarm ${fmt(w.ready, 's')}`);
    }
    rows.push([
      `${n}`,
      cell(raw.svc[n], 's'),
      cell(raw.swarm[n], 's'),
      cell(raw.swarmSync[n], 's'),
      ratioCell(raw.svc[n], raw.swarm[n]),
    ]);
  }
  const lo = stat(raw.svc[5] ?? [])?.median;
  const hi = stat(raw.svc[50] ?? [])?.median;
  if (lo && hi) out.targets.push(target('50 replicas ≤ 5× the time of 5 (svc)', hi / lo, 5));
  const wlo = stat(raw.swarm[5] ?? [])?.median;
  const whi = stat(raw.swarm[50] ?? [])?.median;
  if (wlo && whi) out.notes.push(`swarm: 50 replicas took ${fmt(whi / wlo, 'x')} the time of 5`);
  out.raw.curve = raw;
  out.tables.push(
    table(
      'Scaling curve: time to ready by replica count',
      ['replicas', 'svc', 'swarm (tasks answer)', 'swarm (command returns)', 'svc / swarm'],
      rows,
    ),
  );
  const svgPath = join(ROOT, 'docs', 'bench-scaling.svg');
  writeScalingSvg(svgPath, opts.counts, [
    { name: 'svc create --wait', color: '#1f77b4', points: opts.counts.map((n) => stat(raw.svc[n])?.median) },
    {
      name: 'swarm (tasks answer)',
      color: '#d62728',
      points: opts.counts.map((n) => stat(raw.swarm[n])?.median),
    },
    {
      name: 'swarm (command returns)',
      color: '#ff7f0e',
      points: opts.counts.map((n) => stat(raw.swarmSync[n])?.median),
    },
  ]);
  out.files.push(svgPath);
}

async function scenarioScale(opts, out) {
  const b = budget('scale', 1200, opts);
  const up = [];
  const down = [];
  for (let i = 0; i < opts.scaleRuns && b.ok(out.notes); i++) {
    const port = await freePort();
    const c = await svcCreate('sc', 10, port);
    if (c.code !== 0) throw new Error(`svc create failed: ${c.stderr.slice(0, 400)}`);
    const u = await svc(['scale', 'sc=50', '--timeout', '300s'], 330_000);
    const d = await svc(['scale', 'sc=10', '--timeout', '300s'], 330_000);
    await svcCleanup();
    if (u.code !== 0 || d.code !== 0)
      throw new Error(`svc scale failed: ${u.stderr}${d.stderr}`.slice(0, 400));
    up.push(u.ms);
    down.push(d.ms);
    log(`scale run ${i + 1}: 10→50 ${fmt(u.ms, 's')}, 50→10 ${fmt(d.ms, 's')}`);
  }
  out.raw.scale = { up, down };
  out.tables.push(
    table(
      'svc scale',
      ['change', 'median (min–max)'],
      [
        ['10 → 50', cell(up, 's')],
        ['50 → 10', cell(down, 's')],
      ],
    ),
  );
}

async function scenarioCli(opts, out) {
  const b = budget('cli', 600, opts);
  const runs = Math.max(10, opts.runs);
  // 20 services of one replica each, 4 created at a time.
  const names = Array.from({ length: 20 }, (_, i) => `ls${i + 1}`);
  for (let i = 0; i < names.length; i += 4) {
    const rs = await Promise.all(
      names
        .slice(i, i + 4)
        .map((n) => svc(['create', '--name', n, '--service-port', '8080', '-q', HTTP_IMAGE])),
    );
    for (const r of rs) if (r.code !== 0) throw new Error(`svc create failed: ${r.stderr.slice(0, 400)}`);
  }
  const cases = [
    ['node -e 0', process.execPath, ['-e', '0']],
    ['svc --version', process.execPath, [SVC_BIN, '--version']],
    ['svc ls (20 services)', process.execPath, [SVC_BIN, 'ls']],
    ['svc inspect ls1', process.execPath, [SVC_BIN, 'inspect', 'ls1']],
    ['docker ps', 'docker', ['ps']],
  ];
  const m = Object.fromEntries(cases.map(([k]) => [k, []]));
  for (const [, cmd, args] of cases) await sh(cmd, args, { env: SVC_ENV }); // warm the page cache
  for (let i = 0; i < runs && b.ok(out.notes); i++) {
    for (const [k, cmd, args] of cases) {
      const r = await sh(cmd, args, { env: SVC_ENV, timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`${k} exited ${r.code}: ${r.stderr.slice(0, 300)}`);
      m[k].push(r.ms);
    }
  }
  const api = await apiRate(names.length, b, out);
  await svcCleanup();
  const floor = m['node -e 0'];
  out.raw.cli = m;
  out.raw.api = api;
  if (api) {
    out.tables.push(
      table(
        `HTTP API: GET /services with ${names.length} services vs svc ls (${API_SECONDS} s each)`,
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
      cases.map(([k]) => [k, cell(m[k], 'ms'), ratioCell(m[k], floor), ratioCell(m[k], m['docker ps'])]),
    ),
  );
  out.targets.push(
    target('svc --version ≤ 1.5× node -e 0', ratioMedian(m['svc --version'], floor), 1.5),
    target('svc ls (20 services) ≤ 3× node -e 0', ratioMedian(m['svc ls (20 services)'], floor), 3),
  );
}

const API_SECONDS = 5;

/**
 * `svc serve` answering `GET /services` for the bench tenant (its services already exist) on
 * 127.0.0.1 over plain HTTP, against `svc ls` run one after the other, each for API_SECONDS.
 */
async function apiRate(services, b, out) {
  if (!b.ok(out.notes)) return undefined;
  const configDir = mkdtempSync(join(tmpdir(), 'svc-bench-api-'));
  const env = { ...SVC_ENV, SVC_CONFIG_DIR: configDir };
  const key = await must(process.execPath, [SVC_BIN, 'serve', 'keys', 'create', '--tenant', TENANT], { env });
  const token = JSON.parse(key.stdout).SecretKey;
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
    const get = () =>
      new Promise((res) => {
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
              r.on('end', () => res(r.statusCode));
            },
          )
          .on('error', () => res(0));
      });
    for (let i = 0; i < 100 && (await get()) !== 200; i++) await sleep(100);
    let ok = 0;
    const until = now() + API_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (now() < until) if ((await get()) === 200) ok++;
      }),
    );
    agent.destroy();
    let runs = 0;
    const cliUntil = now() + API_SECONDS * 1000;
    while (now() < cliUntil) if ((await svc(['ls', '-q'])).code === 0) runs++;
    log(`api: ${ok} GET /services in ${API_SECONDS} s (${services} services); svc ls ${runs} times`);
    return { apiRps: ok / API_SECONDS, cliRps: runs / API_SECONDS };
  } finally {
    server.kill('SIGTERM');
  }
}

/** wrk: requests/s, p50 and p99 in ms, errors. */
async function wrk(url, seconds, extra = []) {
  const args = ['-t2', '-c16', `-d${seconds}s`, '--timeout', '5s', '--latency', ...extra, url];
  const r = await sh('wrk', args, { timeoutMs: (seconds + 30) * 1000 });
  const ms = (v, u) => Number(v) * (u === 'us' ? 0.001 : u === 's' ? 1000 : 1);
  const pct = (p) => {
    const x = r.stdout.match(new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`));
    return x ? ms(x[1], x[2]) : undefined;
  };
  const sock = r.stdout.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = Number(r.stdout.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  return {
    rps: Number(r.stdout.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? Number.NaN),
    p50: pct(50),
    p99: pct(99),
    errors: non2xx + (sock ? sock.slice(1).reduce((a, x) => a + Number(x), 0) : 0),
  };
}

async function scenarioDataplane(opts, out) {
  const b = budget('dataplane', 900, opts);
  await ensureTool('wrk', 'wrk');
  const port = await freePort();
  const c = await svcCreate('dp', 2, port);
  if (c.code !== 0) throw new Error(`svc create failed: ${c.stderr.slice(0, 400)}`);
  const direct = `svc-bench-direct-${TAG}`;
  await must('docker', ['run', '-d', '--name', direct, '-p', '127.0.0.1::80', HTTP_IMAGE]);
  try {
    const dport = (await must('docker', ['port', direct, '80/tcp'])).stdout.match(/:(\d+)/)?.[1];
    const lbUrl = `http://127.0.0.1:${port}/`;
    const directUrl = `http://127.0.0.1:${dport}/`;
    await pollDistinct(async () => [directUrl], 1, now() + 30_000);
    const modes = [
      ['keep-alive', []],
      ['fresh connection', ['-H', 'Connection: close']],
    ];
    const raw = {};
    const rows = [];
    for (const [mode, extra] of modes) {
      const m = { svc: [], direct: [] };
      for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
        m.svc.push(await wrk(lbUrl, opts.duration, extra));
        m.direct.push(await wrk(directUrl, opts.duration, extra));
        log(
          `dataplane ${mode} run ${i + 1}: svc ${fmt(m.svc.at(-1).rps, 'rps')} req/s, direct ${fmt(m.direct.at(-1).rps, 'rps')} req/s`,
        );
      }
      raw[mode] = m;
      const f = (xs, k) => xs.map((x) => x[k]);
      for (const [who, xs] of [
        ['svc LB (2 replicas)', m.svc],
        ['direct (1 replica)', m.direct],
      ]) {
        rows.push([
          mode,
          who,
          cell(f(xs, 'rps'), 'rps'),
          cell(f(xs, 'p50'), 'ms'),
          cell(f(xs, 'p99'), 'ms'),
          String(f(xs, 'errors').reduce((a, x) => a + x, 0)),
        ]);
      }
      rows.push([
        mode,
        '**svc / direct**',
        ratioCell(f(m.svc, 'rps'), f(m.direct, 'rps')),
        ratioCell(f(m.svc, 'p50'), f(m.direct, 'p50')),
        ratioCell(f(m.svc, 'p99'), f(m.direct, 'p99')),
        '',
      ]);
      if (mode === 'keep-alive') {
        out.targets.push(
          target(
            'LB throughput ≥ 0.8× direct (keep-alive)',
            ratioMedian(f(m.svc, 'rps'), f(m.direct, 'rps')),
            0.8,
            '≥',
          ),
          target('LB p99 ≤ 2× direct (keep-alive)', ratioMedian(f(m.svc, 'p99'), f(m.direct, 'p99')), 2),
        );
      }
    }
    out.raw.dataplane = raw;
    out.tables.push(
      table(
        `Data plane (wrk -t2 -c16 -d${opts.duration}s, 127.0.0.1)`,
        ['mode', 'target', 'requests/s', 'p50', 'p99', 'errors (all runs)'],
        rows,
      ),
    );
  } finally {
    await docker(['rm', '-f', direct]);
    await svcCleanup();
  }
}

/**
 * When HAProxy says a server is no longer UP, as svc learns it: its stderr (the workers'
 * health-check and server-state lines), followed with `docker logs -f`. Resolves with the time
 * of the first such line after `after`, or undefined at `deadline`.
 */
function firstDown(lb, after, deadline) {
  return new Promise((resolve) => {
    const child = spawn('docker', ['logs', '-f', '--tail', '0', lb], { stdio: ['ignore', 'ignore', 'pipe'] });
    let rest = '';
    const done = (t) => {
      clearTimeout(timer);
      child.kill();
      resolve(t);
    };
    const timer = setTimeout(() => done(undefined), Math.max(0, deadline - now()));
    child.stderr.on('data', (b) => {
      const lines = (rest + b).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        if (/Server svc_replicas\/r\d+ is DOWN|status: \d+\/\d+ DOWN|going DOWN/.test(l) && now() >= after)
          done(now());
      }
    });
  });
}

/** Bounded load: keep-alive and fresh-connection workers; every request timed and recorded. */
function startLoad(url, maxMs) {
  const started = now();
  const events = [];
  let stopping = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const once = (ag) =>
    new Promise((res) => {
      const t = now();
      const done = (ok) => {
        events.push({ t, ms: now() - t, ok });
        res();
      };
      const req = http.get(url, { agent: ag, timeout: 10_000 }, (r) => {
        r.resume();
        r.on('end', () => done(r.statusCode === 200));
        r.on('error', () => done(false));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(false));
    });
  const worker = async (ag) => {
    while (!stopping && now() - started < maxMs && events.length < 500_000) await once(ag);
  };
  const workers = [...Array.from({ length: 4 }, () => worker(agent)), worker(false), worker(false)];
  return {
    async stop() {
      stopping = true;
      await Promise.all(workers);
      agent.destroy();
      return events;
    },
  };
}

async function scenarioFailover(opts, out) {
  const b = budget('failover', 900, opts);
  const rows = [];
  const raw = [];
  for (let i = 0; i < opts.runs && b.ok(out.notes); i++) {
    const port = await freePort();
    const c = await svcCreate('fo', 3, port);
    if (c.code !== 0) throw new Error(`svc create failed: ${c.stderr.slice(0, 400)}`);
    const lb = (
      await must('docker', [
        'ps',
        '-q',
        '--filter',
        `label=io.svc.tenant=${TENANT}`,
        '--filter',
        'label=io.svc.role=lb',
      ])
    ).stdout.trim();
    const victim = (
      await must('docker', [
        'ps',
        '--filter',
        `label=io.svc.tenant=${TENANT}`,
        '--filter',
        'label=io.svc.role=replica',
        '--filter',
        'label=io.svc.replica=2',
        '--format',
        '{{.Names}}',
      ])
    ).stdout.trim();
    const load = startLoad(`http://127.0.0.1:${port}/`, 40_000);
    await sleep(3000);
    const tKill = now();
    // Eviction: HAProxy says one server is no longer UP.
    const evicted = firstDown(lb, tKill, tKill + 30_000);
    await must('docker', ['kill', victim]);
    const tEvict = await evicted;
    await sleep(3000);
    const events = await load.stop();
    await svcCleanup();
    const after = events.filter((e) => e.t >= tKill);
    const failed = events.filter((e) => !e.ok).length;
    const slow = after.filter((e) => e.ms > 500);
    const lastSlow = slow.length ? Math.max(...slow.map((e) => e.t + e.ms)) - tKill : 0;
    const r = {
      evictMs: tEvict === undefined ? Number.NaN : tEvict - tKill,
      failed,
      requests: events.length,
      slow: slow.length,
      disruptionMs: lastSlow,
      maxMs: Math.max(0, ...after.map((e) => e.ms)),
    };
    raw.push(r);
    log(`failover run ${i + 1}: evicted after ${fmt(r.evictMs, 'ms')}, ${failed} failed of ${events.length}`);
  }
  const f = (k) => raw.map((r) => r[k]);
  rows.push(
    ['kill → HAProxy marks it down', cell(f('evictMs'), 'ms')],
    ['failed requests (per run)', cell(f('failed'))],
    ['requests per run', cell(f('requests'))],
    ['requests slower than 500 ms after the kill', cell(f('slow'))],
    ['kill → last slow request done', cell(f('disruptionMs'), 'ms')],
    ['slowest request after the kill', cell(f('maxMs'), 'ms')],
  );
  out.raw.failover = raw;
  const totalFailed = f('failed').reduce((a, x) => a + x, 0);
  out.targets.push({
    name: 'failover: 0 failed requests, eviction ≤ fall × interval (3 × 5 s)',
    measured: `${totalFailed} failed in ${raw.length} runs; eviction median ${fmt(stat(f('evictMs'))?.median, 'ms')}`,
    met:
      raw.length > 0 && totalFailed === 0 && (stat(f('evictMs'))?.max ?? Number.POSITIVE_INFINITY) <= 15_000,
  });
  out.tables.push(
    table(
      'Failover (svc, 3 replicas, `docker kill` of one under load: 4 keep-alive + 2 fresh-connection clients)',
      ['measure', 'median (min–max)'],
      rows,
    ),
  );
}

function target(name, ratio, limit, dir = '≤') {
  const met = ratio !== undefined && (dir === '≤' ? ratio <= limit : ratio >= limit);
  return {
    name,
    measured: ratio === undefined ? 'not measured' : fmt(ratio, 'x'),
    met: ratio !== undefined && met,
  };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = new Date();
  const out = { tables: [], targets: [], notes: [], raw: {}, files: [] };
  const env = {
    date: started.toISOString(),
    node: process.version,
    docker: (await docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
    compose: (await sh('docker-compose', ['version', '--short'])).stdout.trim() || undefined,
    tenant: TENANT,
    opts,
  };
  for (const img of [HTTP_IMAGE, LB_IMAGE])
    if ((await docker(['image', 'inspect', img])).code !== 0)
      throw new Error(`${img} is missing: run scripts/build-test-images.sh first`);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: cleaning up');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const run = {
    floor: scenarioFloor,
    swarm: scenarioSwarm,
    ready: scenarioReady,
    curve: scenarioCurve,
    scale: scenarioScale,
    cli: scenarioCli,
    dataplane: scenarioDataplane,
    failover: scenarioFailover,
  };
  try {
    for (const s of SCENARIOS) {
      if (!opts.only.includes(s) || interrupted) continue;
      log(`scenario ${s}`);
      try {
        await run[s](opts, out);
      } catch (err) {
        out.notes.push(`${s}: failed: ${err.message}`);
        log(`${s} failed: ${err.stack}`);
      }
      await svcCleanup();
    }
  } finally {
    for (const name of [...swarmServices]) await swarmRm(name);
    await docker(['network', 'rm', `svc-bench-swarm-floor-${TAG}`]);
    await leaveSwarm();
    await svcCleanup();
  }
  const targets = out.targets.map((t) => `| ${t.name} | ${t.measured} | ${t.met ? 'met' : '**not met**'} |`);
  const report = [
    `## svc benchmark, ${env.date} (Docker ${env.docker}, Node ${env.node})`,
    '',
    ...out.tables,
    ...(targets.length
      ? ['### Targets', '', '| target | measured (median) | |', '| --- | --- | --- |', ...targets, '']
      : []),
    ...(out.notes.length ? ['Notes:', ...out.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
  process.stdout.write(`${report}\n`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${env.date.replace(/[:]/g, '-').replace(/\..*/, '')}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ env, raw: out.raw, targets: out.targets, notes: out.notes }, null, 2)}\n`,
  );
  writeFileSync(join(dir, 'latest.md'), `${report}\n`);
  log(`raw numbers: ${file}${out.files.length ? `; chart: ${out.files.join(', ')}` : ''}`);
}

main().catch(async (err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  await leaveSwarm().catch(() => undefined);
  await svcCleanup().catch(() => undefined);
  process.exitCode = 1;
});
