/**
 * An engine for the load balancer driver's waits: its log stream stays open (as a running load
 * balancer's does) and the test writes lines into it; it answers only what those paths ask.
 */
import { vi } from 'vitest';
import type { Engine, ExecResult, LogOptions } from '../../src/engine/engine.js';

/** An engine whose log stream stays open until aborted; `say` writes lines into it. */
export function logEngine(
  exec: () => Promise<ExecResult> = async () => ({ exitCode: 0, stdout: '', stderr: '' }),
  startedAt = '',
) {
  let onLine: ((l: { stream: 'stderr'; text: string }) => void) | undefined;
  const writes: string[] = [];
  const engine = {
    async logs(_id: string, opts: LogOptions, cb: typeof onLine) {
      onLine = cb;
      opts.onOpen?.();
      await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve()));
    },
    async writeFiles(id: string) {
      writes.push(id);
    },
    exec: vi.fn(exec),
    async inspectContainer() {
      return { startedAt };
    },
  } as unknown as Engine & { exec: ReturnType<typeof vi.fn> };
  const say = (...lines: string[]) => {
    for (const text of lines) onLine?.({ stream: 'stderr', text });
  };
  return { engine, say, writes };
}
