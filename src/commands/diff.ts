/** `svc diff -f FILE`: what `svc apply` would change, field by field and step by step; changes nothing. */
import { Command } from 'commander';
import { addApplyOptions, applyAll, firstFailure, readSpecs } from './apply.js';
import { addCommonOptions } from './common.js';

const EXAMPLES = `
Examples:
  $ svc diff -f service.yaml             # exit 0: nothing would change; 1: something would
  $ svc diff -f services/ || svc apply -f services/
  $ svc diff -f service.yaml --pull always   # see whether the registry moved the tag

For each service: a line "# NAME: what apply would do", the fields that differ
("Env: [...] → [...] (replaced)"; replaced, load balancer, replicas or refused), then the steps of
the plan, as svc apply --dry-run prints them. A field that cannot change in place is an error
(exit 2). Exit 0 when nothing would change, 1 when something would, 2 or more on an error.
`;

async function run(flags: Parameters<typeof applyAll>[1]): Promise<void> {
  const specs = await readSpecs(flags);
  const { results, failures } = await applyAll(specs, { ...flags, wait: true }, true);
  for (const r of results) process.stdout.write(`# ${r.name}: ${r.summary}\n${r.text}\n`);
  const failed = firstFailure(failures);
  if (failed) throw failed;
  if (results.some((r) => r.action !== 'unchanged')) process.exitCode = 1;
}

export function diffCommand(): Command {
  const cmd = new Command('diff')
    .summary('show what svc apply would change (exit 1 when something would)')
    .description(
      'Compare each service file with the service it names and print the plan of the least change; change nothing.',
    );
  addApplyOptions(cmd);
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((flags: Parameters<typeof applyAll>[1]) => run(flags));
  return cmd;
}
