/**
 * A test hook for the fault suite (docs/survival.md): with SVC_TEST_KILL_BEFORE_STEP=N in the
 * environment, the process sends itself SIGKILL just before it begins the Nth step it runs,
 * counted over every plan it executes in order (each plan's phases, then its cleanup, as
 * `--dry-run` prints them). A real SIGKILL: nothing is undone or closed, as after `kill -9` or a
 * closed laptop. Without the variable it does nothing.
 */
export const KILL_HOOK = 'SVC_TEST_KILL_BEFORE_STEP';

let begun = 0;

/** Called by the executor as each step begins. */
export function beforeStep(describe: () => string): void {
  const at = process.env[KILL_HOOK];
  if (!at) return;
  begun += 1;
  if (begun !== Number(at)) return;
  process.stderr.write(`svc: ${KILL_HOOK}: SIGKILL before step ${begun}: ${describe()}\n`);
  process.kill(process.pid, 'SIGKILL');
}
