/** The inputs of svc apply and svc diff: files, YAML streams, directories, stdin's name, flags. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServiceFiles } from '../../src/commands/spec-files.js';
import { makeCerts } from '../support/certs.js';

const doc = (name: string, port: number) => `Name: ${name}\nImage: app:1\nServicePort: ${port}\n`;
const opts = { allowExpired: false };

describe('readServiceFiles', () => {
  it('a directory: its *.yaml, *.yml and *.json in name order, each a stream of documents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svc-specs-'));
    writeFileSync(join(dir, 'b.yml'), doc('b', 2));
    writeFileSync(join(dir, 'a.yaml'), `${doc('a1', 1)}---\n${doc('a2', 1)}`);
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ Name: 'c', Image: 'app:1', ServicePort: 3 }));
    writeFileSync(join(dir, 'notes.txt'), 'not a spec');
    expect(readServiceFiles([dir], opts).map((s) => s.Name)).toEqual(['a1', 'a2', 'b', 'c']);
  });

  it('every example in examples/ is a valid service for apply (https-term with --ssl-cert)', () => {
    const examples = resolve(import.meta.dirname, '../../examples');
    const certs = makeCerts();
    try {
      // security-group.yaml is a group (svc sg create), not a service.
      for (const name of readdirSync(examples).filter(
        (n) => n.endsWith('.yaml') && n !== 'security-group.yaml',
      )) {
        const flags =
          name === 'https-term.yaml'
            ? {
                fields: {
                  SSLCert: [{ flag: '--ssl-cert', value: certs.leaf.pem, location: certs.leaf.pemFile }],
                },
              }
            : { fields: {} };
        expect(readServiceFiles([join(examples, name)], opts, flags)).toHaveLength(1);
      }
    } finally {
      certs.cleanup();
    }
  });

  it('refuses two documents naming one service, and spec flags with several documents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svc-specs-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, `${doc('a', 1)}---\n${doc('a', 2)}`);
    expect(() => readServiceFiles([file], opts)).toThrow(/service "a" is given twice/);
    writeFileSync(file, `${doc('a', 1)}---\n${doc('b', 2)}`);
    const flags = { fields: { Replicas: [{ flag: '--replicas', value: '3' }] } };
    expect(() => readServiceFiles([file], opts, flags)).toThrow(/taken with one service document only/);
    writeFileSync(file, doc('a', 1));
    expect(readServiceFiles([file], opts, flags)[0]?.Replicas).toBe(3);
  });

  it('no -f at all, or an empty directory, is a usage error', () => {
    expect(() => readServiceFiles([], opts)).toThrow(/give the service file/);
    expect(() => readServiceFiles([mkdtempSync(join(tmpdir(), 'svc-specs-'))], opts)).toThrow(/holds no/);
  });
});
