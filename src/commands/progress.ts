/**
 * Progress and notes for people, on stderr only; stdout stays data. Colour is one decision
 * (colourEnabled), and chalk is set to it. The spinner (ora) runs only on a terminal that reports
 * its width: ora 9 loops forever clearing a line on a TTY of 0 columns (`script`, `docker run -t`).
 */
import chalk, { chalkStderr, supportsColor, supportsColorStderr } from 'chalk';
import type { Ora } from 'ora';

export interface Progress {
  update(text: string): void;
  note(text: string): void;
  stop(): void;
}

type Stream = { isTTY?: boolean; columns?: number };

/**
 * Whether svc colours what it writes to `stream`: FORCE_COLOR non-empty forces it (on, or off
 * for 0/false), as node and chalk read it; else NO_COLOR present and non-empty turns it off
 * (no-color.org); else only on a terminal that is not `dumb`.
 */
export function colourEnabled(
  stream: Stream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** Whether a spinner may run on `stream`: a terminal with a width, not `dumb`, not CI. */
export function spinnerAllowed(
  stream: Stream = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0 && env.TERM !== 'dumb' && !env.CI;
}

/** Chalk's own detection ignores NO_COLOR; make both of its instances follow colourEnabled. */
function configureChalk(): void {
  const level = (enabled: boolean, detected: typeof supportsColor) =>
    enabled ? Math.max(detected ? detected.level : 0, 1) : 0;
  chalk.level = level(colourEnabled(process.stdout), supportsColor) as typeof chalk.level;
  chalkStderr.level = level(colourEnabled(process.stderr), supportsColorStderr) as typeof chalk.level;
}
configureChalk();

export async function startProgress(initial: string): Promise<Progress> {
  let spinner: Ora | undefined;
  if (spinnerAllowed()) {
    const { default: ora } = await import('ora');
    spinner = ora({
      text: initial,
      stream: process.stderr,
      color: colourEnabled() ? 'cyan' : false,
      isEnabled: true,
    }).start();
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
