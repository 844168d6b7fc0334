import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { expect, it } from 'vitest';

it("puts the run's temporary files in a directory of its own (tmp-root.ts, both projects' set-up)", () => {
  expect(basename(tmpdir())).toMatch(/^svc-tests-/);
  expect(dirname(tmpdir())).not.toMatch(/svc-tests-/);
});
