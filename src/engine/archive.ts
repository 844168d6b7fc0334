/**
 * Tar archives for the engine's archive API (PUT and GET /containers/{id}/archive), through
 * tar-stream: files handed to a container with exact modes and owners (nothing is written on the
 * host), and a container's files read back. tar-stream loads on first use, or when
 * `preloadTar` says it soon will be.
 */
import type { Readable } from 'node:stream';

let tarStream: Promise<typeof import('tar-stream')> | undefined;

const loadTarStream = () => {
  tarStream ??= import('tar-stream');
  return tarStream;
};

/**
 * Load tar-stream now, in the background (10–25 ms of module loading): called while the engine
 * works on a request, so that a first archive does not wait for it.
 */
export function preloadTar(): void {
  loadTarStream().catch(() => undefined);
}

export interface ArchiveEntry {
  /** Relative path inside the archive, `/`-separated. */
  name: string;
  /** File content; omit for a directory. */
  content?: string | Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  uid?: number;
  gid?: number;
}

function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.split('/').includes('..'))
    throw new Error(`unsafe archive entry name: ${name}`);
}

/** The tar archive holding `entries`, in order (list a directory before its files). */
export async function createTar(entries: ArchiveEntry[], mtime = new Date()): Promise<Buffer> {
  for (const entry of entries) checkName(entry.name);
  const { pack } = await loadTarStream();
  const archive = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of archive) chunks.push(chunk as Buffer);
  })();
  for (const entry of entries) {
    const isDir = entry.content === undefined;
    const name = entry.name.replace(/\/$/, '');
    const header = {
      // A directory's name ends in `/`, as tar(1) and the engine write it.
      name: isDir ? `${name}/` : name,
      type: isDir ? ('directory' as const) : ('file' as const),
      mode: entry.mode & 0o7777,
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtime,
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null) => (err ? reject(err) : resolve());
      if (isDir) archive.entry(header, cb);
      else archive.entry(header, Buffer.from(entry.content ?? ''), cb);
    });
  }
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * The regular files and directories of a tar archive (as the engine writes it: ustar with PAX
 * long names); symbolic links and other kinds are left out.
 */
export async function readTar(archive: Readable | Buffer): Promise<ArchiveEntry[]> {
  const { extract } = await loadTarStream();
  const parser = extract();
  if (Buffer.isBuffer(archive)) parser.end(archive);
  else {
    archive.on('error', (err) => parser.destroy(err));
    archive.pipe(parser);
  }
  const entries: ArchiveEntry[] = [];
  for await (const entry of parser) {
    const { name, type, mode = 0, uid = 0, gid = 0 } = entry.header;
    const base = { name: name.replace(/\/$/, ''), mode: mode & 0o7777, uid, gid };
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (type === 'directory') entries.push(base);
    else if (type === 'file' || type === 'contiguous-file')
      entries.push({ ...base, content: Buffer.concat(chunks) });
  }
  return entries;
}
