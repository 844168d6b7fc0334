#!/usr/bin/env node
/**
 * `npm run build`: bundle the CLI with esbuild into dist/ (what bin/svc.js loads). One entry,
 * dist/cli.js, split at every dynamic import() so that a command loads only what it uses: the
 * entry alone answers `svc --version` (no commander, no engine client); the engine client, the
 * API server (`svc serve`) and ora are chunks of their own. The packages in `dependencies` stay
 * outside the bundle and load from node_modules when used (yaml); everything else (commander,
 * chalk, ora…) is bundled, its licences collected in dist/THIRD-PARTY-LICENSES.txt. No source
 * maps: the package ships no sources for them to point at. `node scripts/build.mjs bench` builds
 * the benchmark instead (buildBench).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `import text from './file?raw'`: the file's text, built into the bundle (as vitest does for the
 * unit tests). The dashboard's page, script and style ship this way, with no files beside dist/.
 */
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)),
      namespace: 'raw-text',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, (args) => ({
      contents: readFileSync(args.path, 'utf8'),
      loader: 'text',
      watchFiles: [args.path],
    }));
  },
};

/** Builds into `outdir` (default dist/); returns esbuild's metafile (which inputs each output holds). */
export async function buildCli({ outdir = join(ROOT, 'dist') } = {}) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'src/cli.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    external: Object.keys(pkg.dependencies ?? {}),
    define: { __SVC_VERSION__: JSON.stringify(pkg.version) },
    // Bundled CommonJS (commander) calls require() for node built-ins: give the ESM output one.
    banner: {
      js: "import { createRequire as __svcCreateRequire } from 'node:module'; const require = __svcCreateRequire(import.meta.url);",
    },
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [rawText],
  });
  writeFileSync(join(outdir, 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(result.metafile));
  return result.metafile;
}

/** The packages bundled (from node_modules), each with its licence text. */
function thirdPartyLicenses(metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const sections = [...dirs].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
    const file = readdirSync(join(ROOT, dir)).find((f) => /^licen[cs]e/i.test(f));
    const text = file ? readFileSync(join(ROOT, dir, file), 'utf8').trim() : `License: ${pkg.license}`;
    return `${pkg.name}@${pkg.version} (${pkg.license})\n\n${text}\n`;
  });
  return `svc bundles these packages:\n\n${sections.join(`\n${'-'.repeat(72)}\n\n`)}`;
}

/**
 * The benchmark (bench/main.ts and its modules, TypeScript checked by `npm run lint`) as one file,
 * bench/.build/bench.mjs, which `npm run bench` runs; its packages load from node_modules.
 */
export async function buildBench() {
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['bench/main.ts'],
    outfile: join(ROOT, 'bench', '.build', 'bench.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'bench') await buildBench();
  else {
    await buildCli();
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('build: dist/cli.js is missing');
  }
}
