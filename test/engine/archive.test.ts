import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createTar, readTar } from '../../src/engine/archive.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'svc-tar-'));
  dirs.push(dir);
  return dir;
}

describe('createTar', () => {
  it('writes an archive that GNU tar extracts with the given contents, modes and owners', async () => {
    const dir = tempDir();
    const big = 'x'.repeat(1300);
    const archive = await createTar([
      { name: 'haproxy.cfg', content: 'global\n', mode: 0o644 },
      { name: 'certs', mode: 0o700, uid: 99, gid: 98 },
      { name: 'certs/service.pem', content: big, mode: 0o600, uid: 99, gid: 98 },
    ]);
    expect(archive.length % 512).toBe(0);
    writeFileSync(join(dir, 'a.tar'), archive);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', join(dir, 'a.tar')], {
      encoding: 'utf8',
    });
    expect(listing).toMatch(/-rw-r--r-- 0\/0 .* haproxy\.cfg/);
    expect(listing).toMatch(/drwx------ 99\/98 .* certs\//);
    expect(listing).toMatch(/-rw------- 99\/98 .* certs\/service\.pem/);
    execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
    expect(readFileSync(join(dir, 'haproxy.cfg'), 'utf8')).toBe('global\n');
    expect(readFileSync(join(dir, 'certs/service.pem'), 'utf8')).toBe(big);
    expect(statSync(join(dir, 'certs/service.pem')).mode & 0o777).toBe(0o600);
  });

  it('refuses names that would escape the target directory', async () => {
    await expect(createTar([{ name: '../etc/passwd', content: '', mode: 0o644 }])).rejects.toThrow(/unsafe/);
    await expect(createTar([{ name: '/etc/passwd', content: '', mode: 0o644 }])).rejects.toThrow(/unsafe/);
  });
});

describe('readTar', () => {
  it('reads back what createTar wrote, from a buffer or a stream', async () => {
    const entries = [
      { name: 'etc', mode: 0o755, uid: 0, gid: 0 },
      { name: 'etc/passwd', content: Buffer.from('root:x:0:0\n'), mode: 0o644, uid: 0, gid: 0 },
      { name: 'etc/secret', content: Buffer.from('k\n'), mode: 0o600, uid: 99, gid: 98 },
    ];
    const archive = await createTar(entries);
    expect(await readTar(archive)).toEqual(entries);
    expect(await readTar(Readable.from([archive.subarray(0, 700), archive.subarray(700)]))).toEqual(entries);
  });

  it('reads what GNU tar writes, long names included, and leaves out symbolic links', async () => {
    const dir = tempDir();
    const long = `${'d'.repeat(80)}/${'f'.repeat(80)}`;
    execFileSync('sh', [
      '-c',
      `cd ${dir} && mkdir -p src/${'d'.repeat(80)} && printf hi > src/${long} && ln -s x src/link && ` +
        'tar --format=pax -cf a.tar -C src .',
    ]);
    const got = await readTar(readFileSync(join(dir, 'a.tar')));
    expect(got.find((e) => e.name === `./${long}`)?.content?.toString()).toBe('hi');
    expect(got.some((e) => e.name === './link')).toBe(false);
  });
});
