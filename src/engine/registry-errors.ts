/**
 * A registry's refusal, as the engine reports it when a pull or a digest lookup fails, as svc's
 * typed errors: refused credentials (or none where a login is needed) are 503 (exit 5), an image
 * the registry does not have is 404 (exit 3), and so is Docker Hub's "does not exist or may
 * require 'docker login'"; each names the registry, and says to log in where that may help.
 * The secret, should the engine's words ever hold it, is blanked out.
 */
import { EngineUnavailableError, NotFoundError, type SvcError } from '../errors.js';
import { engineWords } from './engine-error.js';
import { type Credentials, registryName } from './registry-credentials.js';

/** What registries (docker's distribution, Docker Hub, the clouds') answer a missing or wrong login with. */
const REFUSED =
  /no basic auth credentials|unauthorized|authentication required|access to the resource is denied|pull access denied|incorrect username or password|\bdenied\b/i;
/** Docker Hub's answer to a name it does not have or will not show without a login. */
const AMBIGUOUS = /repository does not exist/i;
/** …and an image they do not have. */
const MISSING = /manifest unknown|name unknown|not found/i;

/** The engine's words with any secret of `creds` blanked out. */
export function withoutSecrets(text: string, creds: Credentials): string {
  const a = creds.auth;
  const secrets = [a?.password, a?.identitytoken, a?.registrytoken].filter((s): s is string => Boolean(s));
  return secrets.reduce((t, s) => t.split(s).join('***'), text);
}

/**
 * The typed error for a registry's refusal to give image `ref`, or undefined when the failure is
 * something else (the engine unreachable, the registry down…), which the caller reports as it is.
 */
export function registryError(err: unknown, ref: string, creds: Credentials): SvcError | undefined {
  const status = (err as { statusCode?: number } | undefined)?.statusCode;
  const words = withoutSecrets(engineWords(err), creds);
  const registry = registryName(creds.registry);
  const hint = { kind: 'registry-login' as const, registry: creds.registry };
  if (AMBIGUOUS.test(words)) {
    const or = creds.auth
      ? `the login for it from ${creds.from} may not read it`
      : `it needs a login and there is none for it in ${creds.from}`;
    return new NotFoundError(`image "${ref}" is not in registry ${registry}, or ${or} (${words})`, {
      cause: err,
      hint,
    });
  }
  if (REFUSED.test(words) || status === 401) {
    const why = creds.auth
      ? `refused the login for it from ${creds.from}`
      : `wants a login, and there is none for it in ${creds.from}`;
    return new EngineUnavailableError(`cannot pull "${ref}": registry ${registry} ${why} (${words})`, {
      cause: err,
      hint,
    });
  }
  if (MISSING.test(words) || status === 404) {
    return new NotFoundError(
      `image "${ref}" is not in registry ${registry} (${words}): check its name and tag${creds.auth ? '' : ', and whether it needs a login'}`,
      { cause: err, hint: creds.auth ? undefined : hint },
    );
  }
  return undefined;
}
