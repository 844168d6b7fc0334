/**
 * Progress and notes for people, on stderr only. A spinner (ora) only when stderr is a TTY;
 * colour only on a TTY and never with NO_COLOR. Stdout stays data.
 */
import { chalkStderr } from 'chalk';
import type { Ora } from 'ora';

export interface Progress {
  update(text: string): void;
  note(text: string): void;
  stop(): void;
}

export function colourEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
}

export async function startProgress(initial: string): Promise<Progress> {
  let spinner: Ora | undefined;
  if (process.stderr.isTTY && !process.env.CI) {
    const { default: ora } = await import('ora');
    spinner = ora({ text: initial, stream: process.stderr }).start();
  }
  const notePrefix = colourEnabled() ? chalkStderr.yellow('note:') : 'note:';
  return {
    update(text) {
      if (spinner) spinner.text = text;
    },
    note(text) {
      if (spinner) spinner.clear();
      process.stderr.write(`${notePrefix} ${text}\n`);
      spinner?.render();
    },
    stop() {
      spinner?.stop();
    },
  };
}
