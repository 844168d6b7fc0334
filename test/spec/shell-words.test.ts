import { describe, expect, it } from 'vitest';
import { ShellWordsError, splitShellWords } from '../../src/spec/shell-words.js';

describe('splitShellWords', () => {
  it('splits on blanks', () => {
    expect(splitShellWords('  nginx -g   "daemon off;"\t')).toEqual(['nginx', '-g', 'daemon off;']);
  });
  it('keeps single quotes literal', () => {
    expect(splitShellWords(`sh -c 'echo "$HOME" \\n'`)).toEqual(['sh', '-c', 'echo "$HOME" \\n']);
  });
  it('honours the escapes of double quotes only', () => {
    expect(splitShellWords('"a \\"b\\" \\$x \\\\ \\n"')).toEqual(['a "b" $x \\ \\n']);
  });
  it('escapes with a backslash outside quotes and joins continued lines', () => {
    expect(splitShellWords('a\\ b c\\\nd')).toEqual(['a b', 'cd']);
  });
  it('keeps empty quoted words and glues adjacent parts', () => {
    expect(splitShellWords(`'' a"b"'c'`)).toEqual(['', 'abc']);
  });
  it('expands nothing', () => {
    expect(splitShellWords('echo $HOME *.txt && ls # no comment')).toEqual([
      'echo',
      '$HOME',
      '*.txt',
      '&&',
      'ls',
      '#',
      'no',
      'comment',
    ]);
  });
  it('gives no words for blank input', () => {
    expect(splitShellWords(' \t\n')).toEqual([]);
  });
  it('refuses unterminated quotes and a trailing backslash', () => {
    expect(() => splitShellWords("echo 'hi")).toThrow(ShellWordsError);
    expect(() => splitShellWords('echo "hi')).toThrow(/unterminated double quote/);
    expect(() => splitShellWords('echo \\')).toThrow(/backslash/);
  });
});
