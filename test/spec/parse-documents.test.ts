/** A YAML stream of several service documents (svc apply -f), each located in the one text. */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { parseSpecDocuments } from '../../src/spec/parse-document.js';

describe('parseSpecDocuments', () => {
  it('one document, with or without a leading or trailing ---', () => {
    for (const text of ['Name: a\n', '---\nName: a\n', 'Name: a\n---\n'])
      expect(parseSpecDocuments('s.yaml', text).map((d) => d.entries)).toEqual([
        [{ key: 'Name', value: 'a' }],
      ]);
  });

  it('several documents in order, each locating its values in the whole text', () => {
    const docs = parseSpecDocuments('s.yaml', 'Name: a\n---\nName: b\nReplicas: 2\n');
    expect(docs.map((d) => d.entries[0]?.value)).toEqual(['a', 'b']);
    expect(docs[1]?.locate(['Replicas'])).toBe('s.yaml:4:11');
  });

  it('an error in the second document is reported at its line', () => {
    expect(() => parseSpecDocuments('s.yaml', 'Name: a\n---\nName: b\nName: c\n')).toThrow(SpecError);
    expect(() => parseSpecDocuments('s.yaml', 'Name: a\n---\nName: b\nName: c\n')).toThrow(/s\.yaml:4:1/);
  });

  it('an empty stream is an empty document', () => {
    expect(() => parseSpecDocuments('s.yaml', '')).toThrow(/empty document/);
  });
});
