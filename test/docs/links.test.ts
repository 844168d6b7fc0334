/**
 * The documentation's links hold: every relative link in README.md, docs/ and
 * bench/results/HISTORY.md names a file of the repository and, with #anchor, a heading in it
 * (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const FILES = [
  'README.md',
  'bench/results/HISTORY.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text without fenced blocks and inline code, where brackets are not links. */
const prose = (md: string): string => md.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');

function anchors(file: string): Set<string> {
  const headings = readFileSync(join(ROOT, file), 'utf8').match(/^#+ .*$/gm) ?? [];
  return new Set(
    headings.map((h) =>
      h
        .replace(/^#+ /, '')
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\- _]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

describe('documentation links', () => {
  it.each(FILES)('%s links only to files and headings that exist', (file) => {
    const broken: string[] = [];
    for (const [, target] of prose(readFileSync(join(ROOT, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#');
      const to = path ? relative(ROOT, resolve(ROOT, dirname(file), path)) : file;
      if (!existsSync(join(ROOT, to))) broken.push(`${target}: no file ${to}`);
      else if (anchor && to.endsWith('.md') && !anchors(to).has(anchor)) broken.push(`${target}: no heading`);
    }
    expect(broken).toEqual([]);
  });
});

describe('docs/commands.md', () => {
  it('names every flag of svc create', async () => {
    const { buildProgram } = await import('../../src/program.js');
    const program = buildProgram();
    const global = new Set(program.options.map((o) => o.long));
    const create = program.commands.find((c) => c.name() === 'create');
    const flags = (create?.options ?? [])
      .filter((o) => !o.negate && !global.has(o.long) && o.long !== '--help')
      .map((o) => o.long as string);
    expect(flags.length).toBeGreaterThan(30);
    const doc = readFileSync(join(ROOT, 'docs/commands.md'), 'utf8');
    expect(flags.filter((f) => !doc.includes(`\`${f}`) && !doc.includes(`, ${f}`))).toEqual([]);
  });
});
