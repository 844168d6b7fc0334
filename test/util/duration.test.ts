import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseDuration } from '../../src/util/duration.js';

describe('parseDuration', () => {
  it('reads plain seconds and unit suffixes', () => {
    expect(parseDuration('90', '--timeout')).toBe(90_000);
    expect(parseDuration('90s', '--timeout')).toBe(90_000);
    expect(parseDuration('2m', '--timeout')).toBe(120_000);
    expect(parseDuration('1m30s', '--timeout')).toBe(90_000);
    expect(parseDuration('500ms', '--timeout')).toBe(500);
  });
  it('refuses anything else, naming the flag', () => {
    for (const bad of ['', 'soon', '5 s', '5x', '-1s', '1.5s']) {
      expect(() => parseDuration(bad, '--timeout')).toThrow(UsageError);
    }
    expect(() => parseDuration('soon', '--timeout')).toThrow(/--timeout/);
  });
});
