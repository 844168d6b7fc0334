/**
 * Global set-up of both test projects: every temporary file a run makes (config directories of
 * each CLI run, keys, specs, certificates…) goes into one directory of its own, removed when the
 * run ends, so that runs do not pile hundreds of directories into the machine's /tmp. It works
 * through TMPDIR, which os.tmpdir() reads and the test workers and the svc processes they start
 * inherit. `npm test` runs both projects in one process: the first set-up makes the directory,
 * the second finds it (SVC_TEST_TMPDIR) and leaves it to the first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  if (process.env.SVC_TEST_TMPDIR) return () => undefined;
  const root = mkdtempSync(join(tmpdir(), 'svc-tests-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = root;
  process.env.SVC_TEST_TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    delete process.env.SVC_TEST_TMPDIR;
    rmSync(root, { recursive: true, force: true });
  };
}
