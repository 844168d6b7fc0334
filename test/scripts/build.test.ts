/**
 * The bundle (scripts/build.mjs) loads only what a command uses: built into a temporary
 * directory, run with a module hook that records every file node loads, each file mapped back
 * to the sources it holds (esbuild's metafile).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let dir: string;
let outdir: string;
let meta: Metafile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'svc-build-'));
  outdir = join(dir, 'dist');
  // yaml stays outside the bundle and is found in node_modules, as in an installed package.
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const { buildCli } = (await import(pathToFileURL(join(ROOT, 'scripts/build.mjs')).href)) as {
    buildCli: (o: { outdir: string }) => Promise<Metafile>;
  };
  meta = await buildCli({ outdir });
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.SVC_LOADED, url + '\\n');
  return next(url, context);
}`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    // ESM through the load hook; CommonJS require() (how yaml is loaded) through Module._load.
    `import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { pathToFileURL } from 'node:url';
register('./hooks.mjs', import.meta.url);
const load = Module._load;
Module._load = function (request, parent, ...rest) {
  const file = Module._resolveFilename(request, parent);
  if (file.startsWith('/')) appendFileSync(process.env.SVC_LOADED, pathToFileURL(file).href + '\\n');
  return load.call(this, request, parent, ...rest);
};`,
  );
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The sources (src/… or node_modules/PKG) of every file node loaded to run `svc ARGS`. */
function loadedSources(args: string[], input = ''): { sources: string[]; status: number | null } {
  const log = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const script = `import(${JSON.stringify(pathToFileURL(join(outdir, 'cli.js')).href)}).then((m) => m.main(['node', 'svc', ...${JSON.stringify(args)}]))`;
  const r = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(join(dir, 'register.mjs')).href, '-e', script],
    {
      env: {
        ...process.env,
        SVC_LOADED: log,
        DOCKER_HOST: `unix://${dir}/no-engine.sock`,
        SVC_TENANT: '7e57'.padEnd(32, '0'),
      },
      input,
      encoding: 'utf8',
    },
  );
  const sources = new Set<string>();
  for (const url of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const file = decodeURIComponent(new URL(url).pathname);
    const output = relative(ROOT, file);
    const held = meta.outputs[output]?.inputs;
    if (held) for (const input of Object.keys(held)) sources.add(packageOf(input));
    else sources.add(packageOf(relative(dir, file)));
  }
  return { sources: [...sources].sort(), status: r.status };
}

/** `node_modules/commander/lib/x.js` → `commander`; a source file stays as it is. */
function packageOf(path: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  return m ? (m[1] as string) : path;
}

describe('the bundle', () => {
  it('answers svc --version without commander, dockerode, the server or yaml', () => {
    const { sources, status } = loadedSources(['--version']);
    expect(status).toBe(0);
    expect(sources).toEqual(['src/cli.ts', 'src/version.ts']);
    expect(sources).not.toContain('commander');
    expect(sources).not.toContain('dockerode');
    expect(sources.filter((s) => /^src\/(engine|server|commands|spec)\//.test(s))).toEqual([]);
    expect(sources).not.toContain('yaml');
  });

  it('runs svc ls with dockerode, without the server, yaml, ora, tar, gRPC or ssh2', () => {
    const { sources, status } = loadedSources(['ls']);
    expect(status).toBe(5); // no engine at that socket
    expect(sources).toContain('commander');
    expect(sources).toContain('src/engine/docker-engine.ts');
    expect(sources).toContain('dockerode');
    expect(sources).toContain('docker-modem');
    expect(sources.filter((s) => s.startsWith('src/server/'))).toEqual([]);
    expect(sources).not.toContain('yaml');
    expect(sources).not.toContain('ora');
    // dockerode requires these eagerly; src/engine/dockerode-client.ts defers them to first use.
    for (const pkg of [
      '@grpc/grpc-js',
      '@grpc/proto-loader',
      'protobufjs',
      'ssh2',
      'tar-stream',
      'readable-stream',
    ])
      expect(sources).not.toContain(pkg);
  });

  it('never loads dockerode for --help, schema or completion', () => {
    for (const args of [['--help'], ['schema'], ['completion', 'bash']]) {
      const { sources, status } = loadedSources(args);
      expect(status).toBe(0);
      expect(sources.filter((s) => /^(dockerode|docker-modem|src\/engine\/docker)/.test(s))).toEqual([]);
    }
  });

  it('loads yaml for a YAML spec, still without the server', () => {
    const { sources, status } = loadedSources(
      ['create', '-f', '-', '--dry-run'],
      'Name: w\nImage: nginx\nServicePort: 80\n',
    );
    // The spec was read (yaml), then the dry run looked at the engine: none at that socket.
    expect(status).toBe(5);
    expect(sources).toContain('yaml');
    expect(sources.filter((s) => s.startsWith('src/server/'))).toEqual([]);
  });

  it('keeps the server in chunks of its own, loaded by svc serve', () => {
    const program = Object.entries(meta.outputs).find(([, o]) => o.entryPoint === 'src/cli.ts');
    expect(program).toBeDefined();
    const serverChunks = Object.entries(meta.outputs).filter(([, o]) =>
      Object.keys(o.inputs).includes('src/server/server.ts'),
    );
    expect(serverChunks).toHaveLength(1);
  });

  it('has no source maps and lists the licences of what it bundles', () => {
    expect(Object.keys(meta.outputs).filter((o) => o.endsWith('.map'))).toEqual([]);
    const licences = readFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    for (const pkg of ['commander', 'chalk', 'ora']) expect(licences).toMatch(new RegExp(`^${pkg}@`, 'm'));
    // Runtime dependencies stay in node_modules, with their own licences.
    for (const pkg of ['yaml', 'dockerode', 'tar-stream'])
      expect(licences).not.toMatch(new RegExp(`^${pkg}@`, 'm'));
  });
});

describe('SVC_COMPLETE_DEADLINE_MS (what shell completion asks names with)', () => {
  it('ends svc quietly (exit 124) when the engine does not answer in time', async () => {
    const socket = join(dir, 'silent.sock');
    const silent = net.createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => silent.listen(socket, r));
    try {
      const started = Date.now();
      const child = spawn(
        process.execPath,
        [
          '-e',
          `import(${JSON.stringify(pathToFileURL(join(outdir, 'cli.js')).href)}).then((m) => m.main(['node', 'svc', 'ls', '-q']))`,
        ],
        {
          env: {
            ...process.env,
            DOCKER_HOST: `unix://${socket}`,
            SVC_TENANT: '7e57'.padEnd(32, '0'),
            SVC_COMPLETE_DEADLINE_MS: '500',
          },
        },
      );
      let output = '';
      child.stdout.on('data', (b) => (output += b));
      child.stderr.on('data', (b) => (output += b));
      const code = await new Promise((r) => child.on('close', r));
      expect(code).toBe(124);
      expect(output).toBe('');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });
});

describe('a reader that goes away (svc … | head)', () => {
  it('ends svc quietly with its own exit code, not an EPIPE crash', async () => {
    // The reader closes its end at once, so svc's writes meet EPIPE (an unhandled error event
    // before: exit 1 and a stack trace).
    const child = spawn(
      process.execPath,
      [
        '-e',
        `import(${JSON.stringify(pathToFileURL(join(outdir, 'cli.js')).href)}).then((m) => m.main(['node', 'svc', 'update-cert', '--help']))`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const code = await new Promise((r) => child.on('close', r));
    expect(stderr).not.toMatch(/EPIPE/);
    expect(code).toBe(0);
  });
});
