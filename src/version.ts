import { readFileSync } from 'node:fs';

/** Set by the bundler (scripts/build.mjs) to package.json's version; absent when run from source. */
declare const __SVC_VERSION__: string | undefined;

/** svc's version: built in by the bundle, else read from package.json (no other module is loaded for it). */
export function version(): string {
  if (typeof __SVC_VERSION__ === 'string') return __SVC_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
