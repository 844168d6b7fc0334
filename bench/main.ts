/**
 * `npm run bench`: svc against Docker Swarm and docker-compose + HAProxy on the local engine, with
 * the offline test images (scripts/build-test-images.sh). Prints one markdown table per scenario,
 * writes the raw numbers to bench/results/<date>.json (the tables to bench/results/latest.md) and
 * the scaling curve to docs/bench-scaling.svg. `npm run bench -- --help` lists the scenarios
 * (bench/scenarios/, one file each) and options.
 *
 * Every scenario has a time budget: once spent, it stops starting runs and says so. Every load is
 * bounded in time; all traffic goes to 127.0.0.1. Cleans up by label (its own svc tenant), with
 * `docker service rm` and `docker-compose down`, and leaves the swarm if it initialised it.
 * Built into bench/.build/bench.mjs by `node scripts/build.mjs bench` (what `npm run bench` runs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Options, Out } from './lib/report.js';
import { docker, HTTP_IMAGE, LB_IMAGE, log, ROOT, STUBBORN_IMAGE, sh, TENANT } from './lib/run.js';
import { svcCleanup } from './lib/svc.js';
import { leaveSwarm, swarmCleanup } from './lib/swarm.js';
import { parseArgs, SCENARIOS, usage } from './options.js';

/** The report: every table, the targets, the notes. */
function report(title: string, out: Out): string {
  const targets = out.targets.map((t) => `| ${t.name} | ${t.measured} | ${t.met ? 'met' : '**not met**'} |`);
  return [
    title,
    '',
    ...out.tables,
    ...(targets.length
      ? ['### Targets', '', '| target | measured (median) | |', '| --- | --- | --- |', ...targets, '']
      : []),
    ...(out.notes.length ? ['Notes:', ...out.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

/** Runs the chosen scenarios in order; one that fails is a note, and the next one runs. */
async function runScenarios(opts: Options, out: Out): Promise<void> {
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: cleaning up');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (const s of SCENARIOS) {
      if (!opts.only.includes(s.name) || interrupted) continue;
      log(`scenario ${s.name}`);
      try {
        await s.run(opts, out);
      } catch (err) {
        out.notes.push(`${s.name}: failed: ${(err as Error).message}`);
        log(`${s.name} failed: ${(err as Error).stack}`);
      }
      await svcCleanup();
    }
  } finally {
    await swarmCleanup();
    await svcCleanup();
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const out: Out = { tables: [], targets: [], notes: [], raw: {}, files: [] };
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    docker: (await docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim(),
    compose: (await sh('docker-compose', ['version', '--short'])).stdout.trim() || undefined,
    tenant: TENANT,
    opts,
  };
  for (const img of [HTTP_IMAGE, STUBBORN_IMAGE, LB_IMAGE])
    if ((await docker(['image', 'inspect', img])).code !== 0)
      throw new Error(`${img} is missing: run scripts/build-test-images.sh first`);
  await runScenarios(opts, out);
  const text = report(`## svc benchmark, ${env.date} (Docker ${env.docker}, Node ${env.node})`, out);
  process.stdout.write(`${text}\n`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${env.date.replace(/[:]/g, '-').replace(/\..*/, '')}.json`);
  const json = { env, raw: out.raw, targets: out.targets, notes: out.notes };
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.md'), `${text}\n`);
  log(`raw numbers: ${file}${out.files.length ? `; chart: ${out.files.join(', ')}` : ''}`);
}

main().catch(async (err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  await leaveSwarm().catch(() => undefined);
  await svcCleanup().catch(() => undefined);
  process.exitCode = 1;
});
