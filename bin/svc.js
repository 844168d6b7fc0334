#!/usr/bin/env node
// Loads the build (npm run build); all code lives in src/.
import('../dist/cli.js').then((cli) => cli.main(process.argv));
