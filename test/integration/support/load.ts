/**
 * A bounded HTTP (or HTTPS, certificate not checked) load from 127.0.0.1: workers on keep-alive
 * connections and workers opening a fresh connection a request, counting every non-2xx answer
 * and every connection error. It stops when told, or at its own bounds (time and request count),
 * whichever comes first.
 */
import http from 'node:http';
import https from 'node:https';

export interface LoadResult {
  requests: number;
  ok: number;
  failures: string[];
  /** Bodies seen (trimmed), counted. */
  bodies: Map<string, number>;
  durationMs: number;
}

export interface Load {
  stop(): Promise<LoadResult>;
}

export function startLoad(
  url: string,
  opts: { keepAliveWorkers?: number; freshWorkers?: number; maxMs?: number; maxRequests?: number } = {},
): Load {
  const maxMs = opts.maxMs ?? 120_000;
  const maxRequests = opts.maxRequests ?? 50_000;
  const started = Date.now();
  const result: LoadResult = { requests: 0, ok: 0, failures: [], bodies: new Map(), durationMs: 0 };
  let stopping = false;
  const tls = url.startsWith('https:');
  const client = tls ? https : http;
  const Agent = tls ? https.Agent : http.Agent;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: opts.keepAliveWorkers ?? 2 });

  const once = (agent: http.Agent | false) =>
    new Promise<void>((resolve) => {
      const req = client.get(url, { agent, timeout: 10_000, rejectUnauthorized: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) {
            result.ok++;
            const b = body.trim();
            result.bodies.set(b, (result.bodies.get(b) ?? 0) + 1);
          } else result.failures.push(`HTTP ${code}`);
          resolve();
        });
        res.on('error', (err) => {
          result.failures.push(`response: ${err.message}`);
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => {
        result.failures.push(`request: ${err.message}`);
        resolve();
      });
    });

  const worker = async (agent: http.Agent | false) => {
    while (!stopping && Date.now() - started < maxMs && result.requests < maxRequests) {
      result.requests++;
      await once(agent);
    }
  };
  const workers = [
    ...Array.from({ length: opts.keepAliveWorkers ?? 2 }, () => worker(keepAlive)),
    ...Array.from({ length: opts.freshWorkers ?? 2 }, () => worker(false)),
  ];
  return {
    async stop() {
      stopping = true;
      await Promise.all(workers);
      keepAlive.destroy();
      result.durationMs = Date.now() - started;
      return result;
    },
  };
}

/**
 * A SIGKILLed replica cannot finish a response it had begun to write: the client sees the
 * response start and then end early (`aborted`), and no proxy can complete it (HAProxy retries a
 * request only until the response headers arrive). Such cuts are bounded by the requests in
 * flight at the instant of the kill; every other failure (refused, reset before a response, 5xx,
 * timeout) is a lost request.
 */
export function splitCutResponses(failures: string[]): { cut: string[]; lost: string[] } {
  const isCut = (f: string) => f === 'response: aborted';
  return { cut: failures.filter(isCut), lost: failures.filter((f) => !isCut(f)) };
}
