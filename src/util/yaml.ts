/**
 * The yaml package, loaded on first use: only spec files and `-o yaml` need it, and loading it
 * up front cost every command ~70 ms (`svc ls`, `svc --help`).
 */
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');
let loaded: Yaml | undefined;

export function yaml(): Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as Yaml;
  return loaded;
}
