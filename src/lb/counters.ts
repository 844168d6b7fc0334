/**
 * A load balancer's counters, read through the engine: the one-shot client (stats.ts) is written
 * into the container once a container and kind (an archive write is ~0.2 s), then run by exec,
 * and its `show stat` answer parsed.
 */
import type { Engine } from '../engine/engine.js';
import { InternalError } from '../errors.js';
import { LB_DIR } from '../model/naming.js';
import { NEEDS_LUA } from './contract.js';
import {
  type ClientKind,
  type HttpProbe,
  parseShowStat,
  type ServerCounters,
  STATS_DIR,
  statsClientFiles,
} from './stats.js';

export class CounterReader {
  /** The client's files, by container and kind: written, or being written. */
  private readonly written = new Map<string, Promise<void>>();

  constructor(private readonly engine: Engine) {}

  /** Write the one-shot client's files into the load balancer (once; again after a failure). */
  prepare(id: string, kind: ClientKind, http?: HttpProbe): Promise<void> {
    const key = `${id} ${kind} ${http?.path ?? ''}`;
    let written = this.written.get(key);
    if (!written) {
      const files = statsClientFiles(`${LB_DIR}/${STATS_DIR}`, kind, http).map((f) => ({
        name: `${STATS_DIR}/${f.name}`,
        content: f.content,
        mode: 0o644,
      }));
      written = this.engine.writeFiles(id, LB_DIR, [{ name: STATS_DIR, mode: 0o755 }, ...files]);
      written.catch(() => this.written.delete(key));
      this.written.set(key, written);
    }
    return written;
  }

  async read(id: string, kind: ClientKind, http?: HttpProbe): Promise<ServerCounters[]> {
    const dir = `${LB_DIR}/${STATS_DIR}`;
    await this.prepare(id, kind, http);
    const r = await this.engine.exec(id, ['haproxy', '-db', '-f', `${dir}/${kind}.cfg`]);
    if (r.exitCode !== 0 || !r.stdout.startsWith('# ')) {
      const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ');
      const noLua = /lua-load|unknown keyword/.test(said) ? `: ${NEEDS_LUA}` : '';
      throw new InternalError(
        `cannot read the load balancer's counters${noLua} (${said || `exit ${r.exitCode}`})`,
      );
    }
    return parseShowStat(r.stdout);
  }
}
