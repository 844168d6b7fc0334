/**
 * dockerode's failures as svc's typed errors (src/errors.ts), in the engine's own words:
 * unreachable → EngineUnavailableError (hint: unreachable-engine), 404 → NotFoundError,
 * 409 → ConflictError, 403/503 → EngineUnavailableError, anything else → SvcError 500.
 */
import { ConflictError, EngineUnavailableError, NotFoundError, SvcError } from '../errors.js';
import { lastHostKeyRefusal } from './ssh.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
]);

/** What dockerode (docker-modem) rejects with: an engine answer, or a connection failure. */
interface ModemError {
  statusCode?: number;
  /** The engine's answer: `{ message }` as JSON, else its text or bytes. */
  json?: unknown;
  code?: string;
  /** ssh2's failures carry the stage they happened at (client-socket, client-authentication…). */
  level?: string;
  message?: string;
}

/**
 * The engine's own words: its JSON `message`, else the text it answered, else the error's
 * (for a streamed request docker-modem keeps the answer only in its message,
 * `(HTTP code 404) no such container - <the engine's words> `).
 */
export function engineWords(err: unknown): string {
  const e = err as ModemError | undefined;
  const json = e?.json;
  if (json && typeof json === 'object' && !Buffer.isBuffer(json)) {
    const message = (json as { message?: unknown }).message;
    if (typeof message === 'string' && message.trim()) return message.trim();
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json) && json.length) return json.toString('utf8').trim();
  const message = (e?.message ?? String(err)).trim();
  if (e?.statusCode === undefined) return message;
  return /^\(HTTP code \d+\) .*? - ([\s\S]*)$/.exec(message)?.[1]?.trim() || message;
}

/** Why the engine could not be reached (an error code, or ssh's reason), if that is what failed. */
function unreachable(e: ModemError | undefined): string | undefined {
  if (!e || e.statusCode !== undefined) return undefined;
  if (e.code && UNREACHABLE_CODES.has(e.code)) return e.code;
  if (e.level?.startsWith('client-') || /^Host denied/.test(e.message ?? ''))
    return `ssh: ${/^Host denied/.test(e.message ?? '') ? (lastHostKeyRefusal() ?? e.message) : e.message}`;
  return undefined;
}

/**
 * Map an engine call's failure to a typed error, keeping the engine's own words; `where` names
 * the engine (the endpoint's display form) when it cannot be reached.
 */
export function engineError(err: unknown, what: string, where: string): SvcError {
  if (err instanceof SvcError) return err;
  const e = err as ModemError | undefined;
  const why = unreachable(e);
  if (why)
    return new EngineUnavailableError(
      `cannot reach the Docker engine at ${where} (${why}) while trying to ${what}`,
      { cause: err, hint: { kind: 'unreachable-engine' } },
    );
  const detail = engineWords(err);
  switch (e?.statusCode) {
    case 404:
      return new NotFoundError(`${what}: ${detail}`, { cause: err });
    case 409:
      return new ConflictError(`${what}: ${detail}`, { cause: err });
    case 403:
    case 503:
      return new EngineUnavailableError(`the Docker engine refused to ${what}: ${detail}`, { cause: err });
    default:
      return new SvcError(500, `Docker engine error while trying to ${what}: ${detail}`, { cause: err });
  }
}

/** Whether the engine answered with one of these statuses. */
export function isStatus(err: unknown, ...codes: number[]): boolean {
  const status = (err as ModemError | undefined)?.statusCode;
  return status !== undefined && codes.includes(status);
}

/** A request for which these error statuses mean "already so" (404: already gone, …). */
export async function unlessStatus(codes: number[], request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!isStatus(err, ...codes)) throw err;
  }
}
