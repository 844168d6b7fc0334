import { readFileSync } from 'node:fs';

/** svc's version, from package.json (cheap: no other module is loaded for it). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
