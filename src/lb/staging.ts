/**
 * The load balancer driver's file changes: a change staged beside the live files and checked by
 * HAProxy (`haproxy -c`) before it is installed, and the files from before put back. Apart from
 * driver.ts, which reloads and waits.
 */
import type { ArchiveEntry, Engine } from '../engine/engine.js';
import { InternalError } from '../errors.js';
import { renderServerState } from '../haproxy/server-state.js';
import { LB_DIR, LB_FILES, LB_STAGING } from '../model/naming.js';
import { LB_IMAGE_CONTRACT } from './contract.js';
import { entries, type LbState, LIVE, render, STAGED, settleFile } from './files.js';
import type { Owner } from './processes.js';

/** Stage the files beside the live ones and have HAProxy check them; throws what it said. */
export async function checkStaged(
  engine: Engine,
  id: string,
  state: LbState,
  files: { cert?: string; allow?: string; state: string; joining?: string[] },
  owner: Owner,
): Promise<void> {
  const where = {
    cert: files.cert ? STAGED.cert : LIVE.cert,
    allow: files.allow ? STAGED.allow : LIVE.allow,
    state: STAGED.state,
    settle: STAGED.settle,
  };
  const { joining, ...rest } = files;
  // A certificate staged by a command killed before it blanked it goes now.
  const blank = state.spec.Protocol === 'httpsTerm' ? '' : undefined;
  const staged = {
    config: render(state, where, joining),
    ...rest,
    cert: rest.cert ?? blank,
    settle: settleFile(state.spec),
  };
  await engine.writeFiles(id, LB_DIR, entries(staged, LB_STAGING, owner));
  const r = await engine.exec(id, ['haproxy', '-c', '-f', STAGED.config]);
  if (r.exitCode === 0) return;
  if (files.cert) await engine.writeFiles(id, LB_DIR, entries({ cert: '' }, LB_STAGING, owner));
  const said = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-6).join(' | ');
  throw new InternalError(
    `the load balancer refused the new configuration (nothing was changed): ${said || `haproxy -c exited with ${r.exitCode}`}` +
      (r.exitCode === 126 || r.exitCode === 127 ? `; ${LB_IMAGE_CONTRACT}` : ''),
  );
}

/**
 * Write `before` (what readFiles gave for LB_DIR) back, without the staging area, and with a
 * server-state file that starts no server DOWN: the servers of `before` are the ones serving.
 */
export async function putBack(engine: Engine, id: string, before: ArchiveEntry[]): Promise<void> {
  const prefix = `${LB_DIR.slice(LB_DIR.lastIndexOf('/') + 1)}/`;
  const skip = [`${prefix}${LB_STAGING}`, `${prefix}${LB_FILES.state}`];
  const back = before
    .filter((e) => e.name.startsWith(prefix) && !skip.some((p) => e.name.startsWith(p)))
    .map((e) => ({ ...e, name: e.name.slice(prefix.length) }));
  back.push({ name: LB_FILES.state, content: renderServerState([]), mode: 0o644 });
  await engine.writeFiles(id, LB_DIR, back);
}

/** `before` (readFiles of LB_DIR) with `written` (entries relative to LB_DIR) written over it. */
export function overlay(before: ArchiveEntry[], written: ArchiveEntry[]): ArchiveEntry[] {
  const prefix = `${LB_DIR.slice(LB_DIR.lastIndexOf('/') + 1)}/`;
  const byName = new Map(before.map((e) => [e.name, e]));
  for (const e of written) byName.set(`${prefix}${e.name}`, { ...e, name: `${prefix}${e.name}` });
  return [...byName.values()];
}
