/**
 * Where strict JSON goes wrong, as `line:col` and what was expected there: JSON.parse does not
 * always say where, and a 400 should. Pure.
 */

/** `line:col` (1-based) of a character offset in `text`. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, col: (lines[lines.length - 1] as string).length + 1 };
}

export interface JsonSyntaxError {
  offset: number;
  message: string;
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

/** A scanner of one JSON text that throws a JsonSyntaxError at the first thing out of place. */
class Scanner {
  private i = 0;

  constructor(private readonly text: string) {}

  /** The whole text: one value, blanks around it. */
  document(): void {
    this.value();
    this.ws();
    if (this.i < this.text.length) this.fail(`unexpected ${this.found()} after the JSON value`);
  }

  private fail(message: string): never {
    throw { offset: this.i, message } satisfies JsonSyntaxError;
  }

  private ws(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i] as string)) this.i++;
  }

  private found(): string {
    return this.i >= this.text.length ? 'the end of the body' : JSON.stringify(this.text[this.i]);
  }

  private value(): void {
    this.ws();
    const c = this.text[this.i];
    const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : undefined;
    if (c === '{') this.items('}', () => this.member(), 'a property value');
    else if (c === '[') this.items(']', () => this.value(), 'a list item');
    else if (c === '"') this.string();
    else if (word) this.literal(word);
    else this.number();
  }

  private number(): void {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail(`unexpected ${this.found()}; expected a value`);
    this.i += m[0].length;
  }

  /** An object's or a list's items (`item` each), from its opening bracket to `close`. */
  private items(close: string, item: () => void, what: string): void {
    this.i++;
    this.ws();
    if (this.text[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      item();
      this.ws();
      if (this.text[this.i] === ',') this.i++;
      else if (this.text[this.i] === close) {
        this.i++;
        return;
      } else this.fail(`unexpected ${this.found()}; expected ',' or '${close}' after ${what}`);
    }
  }

  /** `"name": value` in an object. */
  private member(): void {
    this.ws();
    if (this.text[this.i] !== '"')
      this.fail(`unexpected ${this.found()}; expected a double-quoted property name`);
    this.string();
    this.ws();
    if (this.text[this.i] !== ':')
      this.fail(`unexpected ${this.found()}; expected ':' after the property name`);
    this.i++;
    this.value();
  }

  private literal(word: string): void {
    if (this.text.startsWith(word, this.i)) this.i += word.length;
    else this.fail(`unexpected ${this.found()}; expected a value`);
  }

  private string(): void {
    const { text } = this;
    this.i++;
    for (;;) {
      if (this.i >= text.length) this.fail('unterminated string');
      const c = text[this.i] as string;
      if (c === '"') {
        this.i++;
        return;
      }
      if (c < ' ') this.fail('control character in a string; escape it');
      if (c !== '\\') {
        this.i++;
        continue;
      }
      const e = text[this.i + 1] ?? '';
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 2, this.i + 6))) this.fail('bad \\u escape');
        this.i += 6;
      } else if ('"\\/bfnrt'.includes(e) && e !== '') this.i += 2;
      else this.fail('bad escape in a string');
    }
  }
}

/**
 * Where strict JSON first goes wrong in `text`, and what was expected there; undefined when it is
 * valid.
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (err) {
    return err as JsonSyntaxError;
  }
}
