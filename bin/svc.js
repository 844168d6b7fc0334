#!/usr/bin/env node
// Loads the build (dist/, made by `npm run build`; `npm pack` builds it first). All code is in src/.
import('../dist/cli.js').then(
  (cli) => cli.main(process.argv),
  (err) => {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli.js')) throw err;
    process.stderr.write('Error: svc is not built: run npm run build in its directory\n');
    process.exitCode = 1;
  },
);
