import { describe, expect, it } from 'vitest';
import { editDistance, suggest, suggestOneOf } from '../../src/spec/suggest.js';

describe('editDistance', () => {
  it('counts edits, an adjacent swap as one', () => {
    expect(editDistance('replica', 'replicas')).toBe(1);
    expect(editDistance('imgae', 'image')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('suggest', () => {
  const fields = ['Name', 'Replicas', 'ServicePort', 'ContainerPort'].map((f) => [f, f] as const);
  it('suggests the closest candidate, ignoring case and separators', () => {
    expect(suggest('Replica', fields)).toBe('Replicas');
    expect(suggest('service_prot', fields)).toBe('ServicePort');
    expect(suggest('container-port', fields)).toBe('ContainerPort');
  });
  it('suggests nothing when nothing is close', () => {
    expect(suggest('Port', fields)).toBeUndefined();
    expect(suggest('', fields)).toBeUndefined();
  });
  it('suggestOneOf', () => {
    expect(suggestOneOf('htp', ['http', 'https', 'tcp'])).toBe('http');
  });
});
