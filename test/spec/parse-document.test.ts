import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpecDocument, STDIN_ORIGIN } from '../../src/spec/parse-document.js';
import { issuesOf } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseSpecDocument', () => {
  it('gives the top-level keys as written, with plain JS values', () => {
    const parsed = parseSpecDocument('seed.yaml', fixture('seed.yaml'));
    expect(parsed.origin).toBe('seed.yaml');
    expect(parsed.entries).toEqual([
      { key: 'Name', value: 'http' },
      { key: 'Image', value: 'nginx' },
      { key: 'ContainerPort', value: 80 },
      { key: 'Replicas', value: 2 },
      { key: 'Protocol', value: 'http' },
      { key: 'ServicePort', value: 80 },
      { key: 'Labels', value: { app: 'nginx' } },
    ]);
  });

  it('locates top-level keys and values, list items and map keys', () => {
    const parsed = parseSpecDocument('s.yaml', 'name: web\nEnv:\n  - A=1\n  - B=2\nLabels:\n  app: x\n');
    expect(parsed.locate(['name'], 'key')).toBe('s.yaml:1:1');
    expect(parsed.locate(['name'])).toBe('s.yaml:1:7');
    expect(parsed.locate(['Env', 1])).toBe('s.yaml:4:5');
    expect(parsed.locate(['Labels', 'app'], 'key')).toBe('s.yaml:6:3');
    expect(parsed.locate(['Labels', 'app'])).toBe('s.yaml:6:8');
    // A path that goes too deep falls back to the nearest place found.
    expect(parsed.locate(['Env', 7])).toBe('s.yaml:3:3');
    expect(parsed.locate(['Nope'])).toBeUndefined();
  });

  it('keeps the source text of plain scalars', () => {
    const parsed = parseSpecDocument('s.yaml', 'Env:\n  V: 1.10\n  H: 0x1F\n  Q: "1.10"\n');
    expect(parsed.entries[0]?.value).toEqual({ V: 1.1, H: 31, Q: '1.10' });
    expect(parsed.sourceText(['Env', 'V'])).toBe('1.10');
    expect(parsed.sourceText(['Env', 'H'])).toBe('0x1F');
    expect(parsed.sourceText(['Env', 'Q'])).toBeUndefined();
  });

  it('reads JSON, with positions', () => {
    const parsed = parseSpecDocument('seed.json', fixture('seed.json'));
    expect(parsed.entries.map((e) => e.key)).toEqual([
      'Name',
      'Image',
      'ContainerPort',
      'Replicas',
      'Protocol',
      'ServicePort',
      'Labels',
    ]);
    expect(parsed.locate(['Replicas'])).toBe('seed.json:5:15');
    expect(parsed.locate(['Labels', 'app'], 'key')).toBe('seed.json:9:5');
  });

  it('uses YAML 1.2 core: yes/no/on stay strings, no timestamps', () => {
    const parsed = parseSpecDocument('s.yaml', 'a: yes\nb: on\nc: 2001-12-14\nd: true\n');
    expect(parsed.entries.map((e) => e.value)).toEqual(['yes', 'on', '2001-12-14', true]);
  });

  it('names stdin as <stdin>', () => {
    const issues = issuesOf(() => parseSpecDocument(STDIN_ORIGIN, 'a: [1,\n'));
    expect(issues[0]?.location).toMatch(/^<stdin>:\d+:\d+$/);
  });

  it('reports YAML syntax errors with line:col', () => {
    const issues = issuesOf(() => parseSpecDocument('bad.yaml', 'Name: web\nImage: "nginx\n'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: '(document)', location: 'bad.yaml:3:1' });
    expect(issues[0]?.message).toMatch(/^YAML: .*quote/);
  });

  it('reports every duplicate key, also duplicates differing only in case', () => {
    const issues = issuesOf(() =>
      parseSpecDocument('dup.yaml', 'replicas: 1\nName: a\nReplicas: 2\nLabels:\n  a: 1\n  a: 2\n  A: 3\n'),
    );
    expect(issues).toEqual([
      {
        path: 'Replicas',
        message: 'duplicate key "Replicas", first at line 1:1 (keys match case-insensitively: "replicas")',
        location: 'dup.yaml:3:1',
      },
      { path: 'Labels.a', message: 'duplicate key "a", first at line 5:3', location: 'dup.yaml:6:3' },
    ]);
  });

  it('refuses an empty document', () => {
    for (const text of ['', '\n\n', '# only a comment\n', '---\n', '~\n']) {
      const issues = issuesOf(() => parseSpecDocument('empty.yaml', text));
      expect(issues).toEqual([
        {
          path: '(document)',
          message: 'empty document; expected a mapping of fields such as Name, Image and ServicePort',
          location: 'empty.yaml:1:1',
        },
      ]);
    }
  });

  it('refuses a root that is not a mapping', () => {
    expect(issuesOf(() => parseSpecDocument('l.yaml', '\n- Name: web\n'))).toEqual([
      {
        path: '(document)',
        message: 'expected a mapping of fields at the top level, got list',
        location: 'l.yaml:2:1',
      },
    ]);
    expect(issuesOf(() => parseSpecDocument('s.json', '"nginx"'))[0]?.message).toBe(
      'expected a mapping of fields at the top level, got string',
    );
  });

  it('refuses more than one document and unknown tags', () => {
    expect(issuesOf(() => parseSpecDocument('m.yaml', 'Name: a\n---\nName: b\n'))[0]).toMatchObject({
      message: 'YAML: more than one YAML document (---); put one service spec a file',
      location: 'm.yaml:2:1',
    });
    expect(issuesOf(() => parseSpecDocument('t.yaml', 'Name: !foo a\n'))[0]).toMatchObject({
      location: 't.yaml:1:7',
    });
  });

  it('refuses keys that are not plain scalars', () => {
    expect(issuesOf(() => parseSpecDocument('k.yaml', '? [a, b]\n: 1\n'))[0]).toMatchObject({
      message: 'keys must be plain strings, got list',
      location: 'k.yaml:1:3',
    });
  });
});
