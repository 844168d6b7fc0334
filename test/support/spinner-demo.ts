/**
 * A command's progress as svc shows it, for test/commands/progress-pty.test.ts (bundled with
 * esbuild and run on a pseudo-terminal): a spinner for a while, a note, a new text, stop.
 */
import { startProgress } from '../../src/commands/progress.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const progress = await startProgress('working');
await sleep(300);
progress.note('half-way');
progress.update('still working');
await sleep(200);
progress.stop();
process.stdout.write('done\n');
