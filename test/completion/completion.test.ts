/**
 * The completion scripts, sourced in real shells: bash (COMP_WORDS/COMP_CWORD and the completion
 * function, as bash calls it), zsh (the driver with compadd/_describe stubbed to print) and fish
 * (`complete -C`). Service names come from a fake `svc` first on PATH, which records how it was
 * asked (`ls -q` with the line's -H/--context/--tenant).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { completionScript } from '../../src/commands/completion.js';
import { buildProgram } from '../../src/program.js';

let dir: string;
const calls = () => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').filter(Boolean);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'svc-completion-'));
  for (const shell of ['bash', 'zsh', 'fish'] as const)
    writeFileSync(join(dir, `svc.${shell}`), completionScript(buildProgram(), shell));
  // The svc the scripts call for names: services for `ls -q`, groups for `sg ls -q`.
  writeFileSync(
    join(dir, 'svc'),
    `#!/bin/sh\necho "$*" >> ${dir}/calls\ncase "$1" in ls) printf 'web\\napi\\n' ;; sg) printf 'office\\n' ;; esac\n`,
  );
  chmodSync(join(dir, 'svc'), 0o755);
  writeFileSync(join(dir, 'spec.yaml'), 'Name: web\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => writeFileSync(join(dir, 'calls'), ''));

const env = () => ({ PATH: `${dir}:${process.env.PATH}`, HOME: dir });
const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

/** What bash offers for `line` (the cursor at its end), calling _svc as `complete -F` does. */
function bash(line: string): string[] {
  const script = `source ${dir}/svc.bash
complete -p svc >/dev/null || exit 9
read -ra COMP_WORDS <<<"$1"
[[ $1 == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMP_LINE=$1; COMP_POINT=\${#1}
_svc
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync('bash', ['--norc', '-c', script, 'bash', line], {
    env: env(),
    cwd: dir,
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean);
}

describe('bash', () => {
  it('completes the commands, and a command from its start', () => {
    expect(bash('svc ')).toEqual(
      expect.arrayContaining(['create', 'ls', 'rm', 'schema', 'completion', 'sg']),
    );
    expect(bash('svc rolling')).toEqual(['rolling-update']);
    expect(bash('svc sg ')).toEqual(['create', 'update', 'ls', 'list', 'inspect', 'rm', 'remove']);
    expect(bash('svc serve keys ')).toEqual(['create', 'ls', 'list', 'rm', 'remove']);
  });

  it("completes a command's flags, the global ones included", () => {
    expect(bash('svc create --health')).toEqual([
      '--health-check-interval',
      '--health-check-fall',
      '--health-check-rise',
      '--health-check-path',
    ]);
    expect(bash('svc inspect -')).toEqual(
      expect.arrayContaining(['-o', '--output', '-q', '--tenant', '-H', '--host', '--context', '--help']),
    );
    expect(bash('svc --con')).toEqual(['--context']);
  });

  it('completes the choices and files an option takes, and the choices of an argument', () => {
    expect(bash('svc create --pull ')).toEqual(['missing', 'always', 'never']);
    expect(bash('svc ls -o ')).toEqual(['table', 'json', 'yaml']);
    expect(bash('svc -H unix:///x.sock ls -o j')).toEqual(['json']);
    expect(bash('svc create -f spe')).toEqual(['spec.yaml']);
    expect(bash('svc create --name ')).toEqual([]);
    expect(bash('svc completion ')).toEqual(['bash', 'zsh', 'fish']);
    expect(bash('svc schema s')).toEqual(['service', 'security-group']);
    expect(calls()).toEqual([]);
  });

  it('completes service names from svc ls -q, with the -H, --context and --tenant of the line', () => {
    expect(bash('svc rm ')).toEqual(['web', 'api']);
    expect(bash('svc inspect web ')).toEqual(['web', 'api']);
    expect(bash('svc --context colima logs w')).toEqual(['web']);
    expect(bash('svc logs web ')).toEqual([]);
    expect(bash('svc attach-fip --tenant 7e57abc -H tcp://box:2375 ')).toEqual(['web', 'api']);
    expect(bash('svc scale a')).toEqual(['api=']);
    expect(bash('svc sg rm ')).toEqual(['office']);
    expect(calls()).toEqual([
      'ls -q',
      'ls -q',
      'ls -q --context colima',
      'ls -q --tenant 7e57abc -H tcp://box:2375',
      'ls -q',
      'sg ls -q',
    ]);
  });

  it('offers nothing, quietly, when svc cannot list the services', () => {
    writeFileSync(join(dir, 'svc'), '#!/bin/sh\necho "Error: cannot reach the Docker engine" >&2\nexit 5\n');
    try {
      expect(bash('svc rm ')).toEqual([]);
    } finally {
      writeFileSync(
        join(dir, 'svc'),
        `#!/bin/sh\necho "$*" >> ${dir}/calls\ncase "$1" in ls) printf 'web\\napi\\n' ;; sg) printf 'office\\n' ;; esac\n`,
      );
    }
  });
});

/** What zsh's driver adds for `words` (the last one being completed), compadd/_describe stubbed. */
function zsh(...words: string[]): string[] {
  const script = `compdef() { :; }
compadd() { local arr suf; while [[ $1 == -* ]]; do case $1 in -a) arr=$2; shift 2;; -S) suf=$2; shift 2;; *) shift;; esac; done
  local x; for x in \${(P)arr}; do print -r -- "$x$suf"; done }
_describe() { local x; for x in \${(P)\${@[-1]}}; do print -r -- "\${x%%:*}"; done }
_files() { print -r -- '<files>'; }
source ${dir}/svc.zsh
words=("$@"); CURRENT=$#
_svc`;
  const out = execFileSync('zsh', ['-f', '-c', script, 'zsh', ...words], {
    env: env(),
    cwd: dir,
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean);
}

describe.skipIf(!has('zsh'))('zsh', () => {
  it('completes commands, choices, files and service names', () => {
    expect(zsh('svc', '')).toEqual(expect.arrayContaining(['create', 'ls', 'sg', 'completion']));
    expect(zsh('svc', 'ls', '-o', '')).toEqual(['table', 'json', 'yaml']);
    expect(zsh('svc', 'create', '-f', '')).toEqual(['<files>']);
    expect(zsh('svc', '--context', 'x', 'scale', '')).toEqual(['web=', 'api=']);
    expect(calls()).toEqual(['ls -q --context x']);
  });
});

/** What fish offers for `line`: `complete -C`, names without their descriptions. */
function fish(line: string): string[] {
  const out = execFileSync(
    'fish',
    ['--no-config', '-c', `source ${dir}/svc.fish; complete -C $argv[1]`, line],
    {
      env: env(),
      cwd: dir,
      encoding: 'utf8',
    },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[0] as string);
}

describe.skipIf(!has('fish'))('fish', () => {
  it('completes commands, flags, choices and service names', () => {
    expect(fish('svc sg ')).toEqual(['create', 'inspect', 'ls', 'rm', 'update']);
    expect(fish('svc create --pull ')).toEqual(['always', 'missing', 'never']);
    expect(fish('svc ls --ou')).toEqual(['--output']);
    expect(fish('svc --context x rm ')).toEqual(['api', 'web']);
    expect(calls()).toEqual(['ls -q --context x']);
  });
});
