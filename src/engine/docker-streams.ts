/**
 * The engine's streamed answers through dockerode: logs (line by line, followed until aborted),
 * exec output and pull progress. Non-TTY logs and exec output are multiplexed (8-byte frame
 * headers); docker-modem's demuxStream splits them into stdout and stderr.
 */
import type { IncomingMessage } from 'node:http';
import type Dockerode from 'dockerode';
import type {
  ContainerEvent,
  EventOptions,
  ExecResult,
  LogLine,
  LogOptions,
  PullProgress,
} from './engine.js';

/** Lines of a byte stream, as they complete; the last unterminated one at the end. */
export function lineSplitter(onLine: (text: string) => void): { write(b: Buffer): boolean; end(): void } {
  let rest = '';
  return {
    write(b) {
      const parts = (rest + b.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) onLine(text);
      return true;
    },
    end() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

/** What docker-modem's demuxStream writes to (it only calls write). */
type Sink = { write(b: Buffer): boolean };
const asWritable = (sink: Sink) => sink as unknown as NodeJS.WritableStream;

/** Resolves once `res` has ended (or was destroyed by an abort of `signal`). */
function finished(res: IncomingMessage, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => res.destroy();
    const done = (err?: Error) => {
      signal?.removeEventListener('abort', abort);
      if (err && !signal?.aborted) reject(err);
      else resolve();
    };
    res.once('end', () => done());
    res.once('close', () => done(res.readableEnded ? undefined : new Error('the engine closed the stream')));
    res.once('error', done);
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Whose logs: a container's, or a Swarm service's (all its tasks'). */
export interface LogSource {
  kind: 'containers' | 'services';
  id: string;
  /** A TTY's output is not multiplexed (for a container, read from its config when not given). */
  tty?: boolean;
}

/** Always a stream, also without follow (dockerode then buffers the answer, or parses it as JSON). */
function logStream(docker: Dockerode, from: LogSource, opts: LogOptions): Promise<IncomingMessage> {
  const streams = opts.streams ?? 'both';
  const query: Record<string, string | number | boolean> = {
    stdout: streams !== 'stderr',
    stderr: streams !== 'stdout',
    timestamps: opts.timestamps ?? false,
    since: opts.since ?? 0,
    follow: opts.follow ?? false,
  };
  if (opts.tail !== undefined) query.tail = opts.tail;
  if (opts.details) query.details = true;
  return new Promise((resolve, reject) =>
    docker.modem.dial(
      {
        path: `/${from.kind}/${encodeURIComponent(from.id)}/logs?`,
        method: 'GET',
        isStream: true,
        statusCodes: { 200: true, 404: `no such ${from.kind.slice(0, -1)}`, 500: 'server error' },
        options: query,
      },
      (err, res) => (err ? reject(err) : resolve(res as IncomingMessage)),
    ),
  );
}

/** The output, line by line; `onOpen` once the engine streams. */
export async function readLogs(
  docker: Dockerode,
  from: LogSource,
  opts: LogOptions,
  onLine: (line: LogLine) => void,
): Promise<void> {
  const tty = from.tty ?? Boolean((await docker.getContainer(from.id).inspect()).Config?.Tty);
  const res = await logStream(docker, from, opts);
  opts.onOpen?.();
  const out = lineSplitter((text) => onLine({ stream: 'stdout', text }));
  const err = lineSplitter((text) => onLine({ stream: 'stderr', text }));
  if (tty) res.on('data', (chunk: Buffer) => out.write(chunk));
  else docker.modem.demuxStream(res, asWritable(out), asWritable(err));
  await finished(res, opts.signal);
  // Every line is delivered before this returns.
  out.end();
  err.end();
}

/** One line of the engine's event stream as a container's event; undefined for anything else. */
export function containerEventOf(text: string): ContainerEvent | undefined {
  let e: {
    Type?: string;
    Action?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
    time?: number;
    timeNano?: number;
  };
  try {
    e = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (e.Type !== 'container' || !e.Action || !e.Actor?.ID) return undefined;
  // The attributes are the container's labels and a few of the event's own.
  const { name = '', exitCode, image: _i, signal: _s, oldName: _o, ...labels } = e.Actor.Attributes ?? {};
  return {
    action: e.Action,
    id: e.Actor.ID,
    name,
    labels,
    time: e.timeNano ? e.timeNano / 1e9 : (e.time ?? 0),
    ...(exitCode !== undefined ? { exitCode: Number(exitCode) } : {}),
  };
}

/**
 * What a container's life is made of; not `exec_*` (the counters' execs would be a stream of
 * their own), `kill` or `stop` (a `die` follows), `attach`, `top`, `archive-path`, `resize`.
 * `health_status` matches `health_status: healthy` and the others (the engine's filter says so).
 */
const LIFECYCLE = [
  'create',
  'start',
  'restart',
  'die',
  'oom',
  'destroy',
  'rename',
  'health_status',
  'pause',
  'unpause',
];

/** The lifecycle events of containers with these labels, until `opts.signal` aborts or the engine ends them. */
export async function readEvents(
  docker: Dockerode,
  labels: string[],
  opts: EventOptions,
  onEvent: (e: ContainerEvent) => void,
): Promise<void> {
  const res = (await docker.getEvents({
    filters: { type: ['container'], label: labels, event: opts.actions ?? LIFECYCLE },
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.until !== undefined ? { until: opts.until } : {}),
  })) as unknown as IncomingMessage;
  opts.onOpen?.();
  const lines = lineSplitter((text) => {
    const e = text.trim() ? containerEventOf(text) : undefined;
    if (e) onEvent(e);
  });
  res.on('data', (chunk: Buffer) => lines.write(chunk));
  await finished(res, opts.signal);
  lines.end();
}

/** Run `argv` in the container; its exit code and output, stdout and stderr apart. */
export async function runExec(docker: Dockerode, id: string, argv: string[]): Promise<ExecResult> {
  const exec = await docker.getContainer(id).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  // Without hijacking, the engine answers 200 and streams until the process ends.
  const res = (await exec.start({
    hijack: false,
    stdin: false,
    Detach: false,
    Tty: false,
  })) as unknown as IncomingMessage;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (into: Buffer[]) => asWritable({ write: (b) => into.push(Buffer.from(b)) > 0 });
  docker.modem.demuxStream(res, sink(out), sink(err));
  await finished(res);
  const result = await exec.inspect();
  return {
    exitCode: result.ExitCode ?? -1,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

/** Pull `ref` (with `auth`, the registry login), reporting progress; the engine's error line (if any) is thrown. */
export async function pull(
  docker: Dockerode,
  ref: string,
  onProgress?: (p: PullProgress) => void,
  auth?: object,
): Promise<void> {
  const res = (await docker.pull(ref, auth ? { authconfig: auth } : {})) as IncomingMessage;
  let failure: string | undefined;
  const lines = lineSplitter((text) => {
    if (!text.trim()) return;
    let event: PullProgress & { error?: string; errorDetail?: { message?: string } };
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    if (event.error || event.errorDetail) failure ??= event.errorDetail?.message ?? event.error;
    else onProgress?.({ status: event.status, id: event.id, progress: event.progress });
  });
  for await (const chunk of res) lines.write(chunk as Buffer);
  lines.end();
  if (failure) throw new Error(failure);
}
