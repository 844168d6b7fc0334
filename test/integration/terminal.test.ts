/**
 * The built CLI on a pseudo-terminal (util-linux `script`), against the real engine: `svc rm` of
 * a name that does not exist spins while it looks, then fails (exit 3). On a terminal of 0
 * columns it must end without a spinner; with NO_COLOR its frames carry no colour.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SVC_BIN } from '../support/cli.js';
import { newTenant } from './support/harness.js';

const ESC = String.fromCharCode(27);
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
// A spinner frame, maybe coloured, then the text.
const FRAME = new RegExp(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏](?:${ESC}\\[39m)? removing nothing-here`);

function rmOnPty(cols: number, env: Record<string, string> = {}) {
  const r = spawnSync(
    'script',
    ['-qec', `stty cols ${cols} rows 24; node ${SVC_BIN} rm nothing-here; echo "exit=$?"`, '/dev/null'],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TERM: 'xterm-256color',
        SVC_TENANT: newTenant(),
        SVC_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'svc-cfg-')),
        ...env,
      },
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    },
  );
  return { out: r.stdout, hung: r.error !== undefined || r.signal !== null };
}

describe('svc on a terminal', () => {
  it('ends without a spinner on a terminal of 0 columns', () => {
    const r = rmOnPty(0);
    expect(r.hung).toBe(false);
    expect(r.out).toBe('Error: no such service: nothing-here\r\nexit=3\r\n');
  });

  it('spins without colour under NO_COLOR, and in colour without it', () => {
    const plain = rmOnPty(80, { NO_COLOR: '1' });
    expect(plain.out).toMatch(FRAME);
    expect(plain.out).not.toMatch(SGR);
    expect(plain.out).toContain('exit=3');
    const coloured = rmOnPty(80);
    expect(coloured.out).toMatch(FRAME);
    expect(coloured.out).toMatch(SGR);
  });
});
