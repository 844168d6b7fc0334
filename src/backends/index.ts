/**
 * The backends, and the one place that chooses one for a new service: --backend, else
 * SVC_BACKEND, else local. An existing service's backend is the one that observed it.
 */
import type { Backend } from '../core/backend.js';
import { UsageError } from '../errors.js';
import { localBackend } from './local/index.js';
import { swarmBackend } from './swarm/index.js';

/** Every backend, each observing its own services. */
export const BACKENDS: readonly Backend[] = [localBackend, swarmBackend];

/** Where a new service runs when nothing says. */
export const DEFAULT_BACKEND: Backend = localBackend;

/** The names --backend takes. */
export const BACKEND_NAMES = BACKENDS.map((b) => b.name);

/** Help for --backend, and an example of it. */
export const BACKEND_HELP = {
  create: 'where the service runs: local containers, or swarm services (env SVC_BACKEND)',
  serve: 'where created services run: local or swarm (env SVC_BACKEND)',
  example: '  $ svc create -f service.yaml --backend swarm --wait   # on a Docker Swarm manager',
};

/** The backend a new service runs on (`flag`: --backend; else SVC_BACKEND; else local). */
export function chooseBackend(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Backend {
  const value = (flag || env.SVC_BACKEND || DEFAULT_BACKEND.name).toLowerCase();
  const backend = BACKENDS.find((b) => b.name === value);
  if (!backend)
    throw new UsageError(
      `${flag ? '--backend' : 'SVC_BACKEND'}: expected ${BACKEND_NAMES.join(' or ')}, got "${value}"`,
    );
  return backend;
}
