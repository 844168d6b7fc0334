/**
 * Splits a command line into words the way a POSIX shell would, without expanding anything:
 * blanks separate words, '…' is literal, "…" honours \" \\ \$ \` and line continuations, a
 * backslash outside quotes escapes the next character. `$VAR`, globs, `;`, `|`, `&&` and `#` stay
 * literal text (as in docker compose). Pure.
 */
export class ShellWordsError extends Error {}

const BLANKS = new Set([' ', '\t', '\n']);
const ESCAPABLE_IN_DOUBLE_QUOTES = new Set(['$', '`', '"', '\\', '\n']);

export function splitShellWords(input: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (BLANKS.has(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw new ShellWordsError(`unterminated single quote at character ${i + 1}`);
      word += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      inWord = true;
      i++;
      for (;;) {
        if (i >= input.length)
          throw new ShellWordsError(`unterminated double quote at character ${start + 1}`);
        const d = input[i] as string;
        if (d === '"') {
          i++;
          break;
        }
        const next = input[i + 1];
        if (d === '\\' && next !== undefined && ESCAPABLE_IN_DOUBLE_QUOTES.has(next)) {
          if (next !== '\n') word += next;
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === '\\') {
      const next = input[i + 1];
      if (next === undefined) throw new ShellWordsError('ends with a lone backslash');
      if (next !== '\n') {
        word += next;
        inWord = true;
      }
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
