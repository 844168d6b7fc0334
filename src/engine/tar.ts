/**
 * A minimal ustar writer: enough to hand files to the Docker API's archive endpoint (PUT
 * /containers/{id}/archive) with exact modes and owners, so nothing is written on the host.
 */

export interface ArchiveEntry {
  /** Relative path inside the archive, `/`-separated, at most 100 bytes. */
  name: string;
  /** File content; omit for a directory. */
  content?: string | Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  uid?: number;
  gid?: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width includes the terminating NUL
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(entry: ArchiveEntry, size: number, isDir: boolean, mtime: number): Buffer {
  const name = isDir && !entry.name.endsWith('/') ? `${entry.name}/` : entry.name;
  if (Buffer.byteLength(name) > 100) throw new Error(`archive entry name too long: ${name}`);
  if (name.startsWith('/') || name.split('/').includes('..'))
    throw new Error(`unsafe archive entry name: ${name}`);
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(entry.uid ?? 0, 8), 108, 8, 'ascii');
  h.write(octal(entry.gid ?? 0, 8), 116, 8, 'ascii');
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(isDir ? '5' : '0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

/** The tar archive holding `entries`, in order (list a directory before its files). */
export function createTar(entries: ArchiveEntry[], mtime = Math.floor(Date.now() / 1000)): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const isDir = entry.content === undefined;
    const body = isDir ? Buffer.alloc(0) : Buffer.from(entry.content ?? '');
    parts.push(header(entry, body.length, isDir, mtime));
    if (body.length > 0) {
      parts.push(body);
      const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
      if (pad > 0) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

function field(h: Buffer, start: number, length: number): string {
  const raw = h.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

function octalField(h: Buffer, start: number, length: number): number {
  const text = field(h, start, length).trim();
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** PAX extended header records (`LEN key=value\n`…): the ones svc reads (`path`). */
function paxRecords(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space < 0) break;
    const len = Number(body.subarray(i, space).toString('ascii'));
    if (!Number.isSafeInteger(len) || len <= 0) break;
    const record = body.subarray(space + 1, i + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * The regular files and directories of a tar archive (ustar, with PAX `path` and GNU long
 * names, as the Docker engine writes them); symbolic links and other kinds are left out.
 */
export function readTar(archive: Buffer): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const h = archive.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    const size = octalField(h, 124, 12);
    const type = String.fromCharCode(h[156] ?? 0x30);
    const body = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      longName = paxRecords(body).path ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = field(body, 0, body.length);
      continue;
    }
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    const base = { name: name.replace(/\/$/, ''), mode: octalField(h, 100, 8) & 0o7777 };
    const owner = { uid: octalField(h, 108, 8), gid: octalField(h, 116, 8) };
    if (type === '5') entries.push({ ...base, ...owner });
    else if (type === '0' || type === '\0') entries.push({ ...base, ...owner, content: Buffer.from(body) });
  }
  return entries;
}
