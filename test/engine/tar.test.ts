import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTar } from '../../src/engine/tar.js';

describe('createTar', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('writes an archive that GNU tar extracts with the given contents and modes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svc-tar-'));
    dirs.push(dir);
    const big = 'x'.repeat(1300);
    const archive = createTar([
      { name: 'haproxy.cfg', content: 'global\n', mode: 0o644 },
      { name: 'certs', mode: 0o700 },
      { name: 'certs/service.pem', content: big, mode: 0o600 },
    ]);
    expect(archive.length % 512).toBe(0);
    writeFileSync(join(dir, 'a.tar'), archive);
    const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
    expect(listing).toMatch(/-rw-r--r-- .* haproxy\.cfg/);
    expect(listing).toMatch(/drwx------ .* certs\//);
    execFileSync('tar', ['-xf', join(dir, 'a.tar'), '-C', dir]);
    expect(readFileSync(join(dir, 'haproxy.cfg'), 'utf8')).toBe('global\n');
    expect(readFileSync(join(dir, 'certs/service.pem'), 'utf8')).toBe(big);
    expect(statSync(join(dir, 'certs/service.pem')).mode & 0o777).toBe(0o600);
  });

  it('refuses names that would escape the target directory', () => {
    expect(() => createTar([{ name: '../etc/passwd', content: '', mode: 0o644 }])).toThrow(/unsafe/);
    expect(() => createTar([{ name: '/etc/passwd', content: '', mode: 0o644 }])).toThrow(/unsafe/);
  });
});
