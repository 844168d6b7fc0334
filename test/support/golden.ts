/** Golden files of plans' text forms: `UPDATE_GOLDEN=1` rewrites them; a missing one is written and fails. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describePlan, type Plan } from '../../src/core/steps.js';

export function goldenPlan(dir: string, name: string, plan: Plan | undefined, prefix = ''): void {
  const text = `${prefix}${plan ? describePlan(plan) : '(nothing to do)'}\n`;
  const file = join(dir, `${name}.txt`);
  const update = process.env.UPDATE_GOLDEN === '1';
  if (update || !existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
    if (!update) throw new Error(`wrote the missing golden file ${file}; check it and run again`);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}
