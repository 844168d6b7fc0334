import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { linePrefixer, parseTail } from '../../src/commands/logs.js';
import { parseParallelism } from '../../src/commands/rolling-update.js';
import type { ServiceLogLine } from '../../src/core/log-lines.js';
import { buildProgram } from '../../src/program.js';

function helpOf(name: string): string {
  const cmd = buildProgram().commands.find((c) => c.name() === name) as Command;
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

describe('ls, inspect, rm, logs: help', () => {
  it.each(['ls', 'inspect', 'rm', 'logs'])('%s has the common options and examples', (name) => {
    const help = helpOf(name);
    expect(help).toContain('-o, --output <format>');
    expect(help).toContain('-q, --quiet');
    expect(help).toContain('--tenant <id>');
    expect(help).toMatch(new RegExp(`Examples:\\n {2}\\$ svc ${name} `));
  });
});

describe('rolling-update: --parallelism', () => {
  it('takes a whole number of replicas from 1 to 1000, and says so for anything else', () => {
    expect(parseParallelism('1')).toBe(1);
    expect(parseParallelism('3')).toBe(3);
    expect(parseParallelism('1000')).toBe(1000);
    for (const bad of ['0', '-1', '1.5', 'two', '', '1001', '1e2'])
      expect(() => parseParallelism(bad)).toThrow(
        `--parallelism: expected a whole number from 1 to 1000, got "${bad}"`,
      );
  });

  it('is in the help, with an example', () => {
    const help = helpOf('rolling-update');
    expect(help).toContain('--parallelism <n>');
    expect(help).toMatch(/\$ svc rolling-update --image app:2 --parallelism 3 web/);
  });
});

describe('logs: parseTail', () => {
  it('takes a number of lines or all', () => {
    expect(parseTail(undefined)).toBeUndefined();
    expect(parseTail('all')).toBeUndefined();
    expect(parseTail('0')).toBe(0);
    expect(parseTail('20')).toBe(20);
    expect(() => parseTail('-1')).toThrow(/--tail: expected a number of lines/);
    expect(() => parseTail('ten')).toThrow(/--tail/);
  });
});

describe('logs: linePrefixer', () => {
  const line = (source: string, replica: number | null): ServiceLogLine => ({
    source,
    replica,
    stream: 'stdout',
    time: '',
    text: 'x',
  });

  it('pads every source to the widest, like docker compose', () => {
    const prefix = linePrefixer(['web-1', 'web-10', 'lb']);
    expect(prefix(line('web-1', 1))).toBe('web-1  | ');
    expect(prefix(line('web-10', 10))).toBe('web-10 | ');
    expect(prefix(line('lb', null))).toBe('lb     | ');
  });

  it('colours each replica its own way when given a colour level', () => {
    const prefix = linePrefixer(['web-1', 'web-2'], new Chalk({ level: 1 }));
    const one = prefix(line('web-1', 1));
    const two = prefix(line('web-2', 2));
    const ESC = String.fromCharCode(27);
    expect(one.startsWith(`${ESC}[`) && one.includes('web-1 | ') && one.endsWith('m')).toBe(true);
    expect(one.slice(0, 5)).not.toBe(two.slice(0, 5));
    expect(linePrefixer(['web-1'])(line('web-1', 1))).not.toContain(ESC);
  });
});
