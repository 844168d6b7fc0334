/** A container's last lines of output, as an error quotes them (why a replica exited). */
import type { Engine } from './engine.js';

/** How many lines, and how much of each. */
const LINES = 5;
const LINE_CHARS = 200;

/**
 * `; its last output: "…"` (lines joined by `\n`, JSON-quoted), or "" when it printed nothing or
 * its log cannot be read (a container on another node, or already removed).
 */
export async function lastOutput(engine: Engine, id: string): Promise<string> {
  const lines: string[] = [];
  await engine
    .logs(id, { tail: LINES }, (l) => lines.push(l.text.slice(0, LINE_CHARS)))
    .catch(() => undefined);
  return lines.length > 0 ? `; its last output: ${JSON.stringify(lines.join('\n'))}` : '';
}
