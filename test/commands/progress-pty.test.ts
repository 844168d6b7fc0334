/**
 * The spinner and colour on a real pseudo-terminal (util-linux `script`): the frames show on a
 * terminal with a width, and in colour unless NO_COLOR; a terminal of 0 columns gets no spinner
 * (ora would loop forever) and the command ends; FORCE_COLOR colours even without a terminal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourEnabled, spinnerAllowed } from '../../src/commands/progress.js';

const ESC = String.fromCharCode(27);
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
const HIDE_CURSOR = `${ESC}[?25l`;
const FRAMES = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

let dir: string;
let demo: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'svc-pty-'));
  demo = join(dir, 'demo.mjs');
  await build({
    entryPoints: [resolve(import.meta.dirname, '../support/spinner-demo.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: demo,
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a terminal session, without what CI or the test runner set. */
function terminalEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color' };
  return { ...env, ...extra };
}

/** Runs the demo on a pseudo-terminal of `cols` columns; everything it wrote, and how it ended. */
function onPty(cols: number, env: Record<string, string> = {}) {
  const r = spawnSync('script', ['-qec', `stty cols ${cols} rows 24; exec node ${demo}`, '/dev/null'], {
    env: terminalEnv(env),
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  return { out: r.stdout, status: r.status, hung: r.error !== undefined || r.signal !== null };
}

describe('progress on a pseudo-terminal', () => {
  it('spins in colour on a terminal with a width', () => {
    const r = onPty(80);
    expect(r).toMatchObject({ status: 0, hung: false });
    expect(r.out).toMatch(FRAMES);
    expect(r.out).toContain(`${ESC}[36m`); // ora's cyan frame
    expect(r.out).toContain(`${ESC}[33mnote:${ESC}[39m half-way`);
    expect(r.out).toContain('done');
  });

  it('draws no colour at all with NO_COLOR, spinner frames included', () => {
    const r = onPty(80, { NO_COLOR: '1' });
    expect(r).toMatchObject({ status: 0, hung: false });
    expect(r.out).toMatch(FRAMES);
    expect(r.out).not.toMatch(SGR);
    expect(r.out).toContain('note: half-way');
  });

  it('takes an empty NO_COLOR as unset (no-color.org)', () => {
    expect(onPty(80, { NO_COLOR: '' }).out).toMatch(SGR);
  });

  it('ends, with no spinner, on a terminal that reports 0 columns', () => {
    const r = onPty(0);
    expect(r.hung).toBe(false);
    expect(r.status).toBe(0);
    expect(r.out).not.toContain(HIDE_CURSOR);
    expect(r.out).not.toMatch(FRAMES);
    expect(r.out).toContain('half-way');
    expect(r.out).toContain('done');
  });

  it('FORCE_COLOR=0 turns colour off on a terminal; FORCE_COLOR=1 colours a pipe', () => {
    expect(onPty(80, { FORCE_COLOR: '0' }).out).not.toMatch(SGR);
    const piped = spawnSync('node', [demo], { env: terminalEnv({ FORCE_COLOR: '1' }), encoding: 'utf8' });
    expect(piped.stderr).toBe(`${ESC}[33mnote:${ESC}[39m half-way\n`);
    const plain = spawnSync('node', [demo], { env: terminalEnv({}), encoding: 'utf8' });
    expect(plain.stderr).toBe('note: half-way\n');
  });
});

describe('colourEnabled and spinnerAllowed', () => {
  const tty = { isTTY: true, columns: 80 };
  const pipe = { isTTY: false, columns: undefined };

  it('follow no-color.org and FORCE_COLOR', () => {
    expect(colourEnabled(tty, {})).toBe(true);
    expect(colourEnabled(pipe, {})).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colourEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled(pipe, { FORCE_COLOR: '3', NO_COLOR: '1' })).toBe(true);
    expect(colourEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(colourEnabled(pipe, { FORCE_COLOR: '' })).toBe(false);
  });

  it('spin only on a terminal with columns, outside CI', () => {
    expect(spinnerAllowed(tty, {})).toBe(true);
    expect(spinnerAllowed({ isTTY: true, columns: 0 }, {})).toBe(false);
    expect(spinnerAllowed(pipe, {})).toBe(false);
    expect(spinnerAllowed(tty, { CI: 'true' })).toBe(false);
    expect(spinnerAllowed(tty, { TERM: 'dumb' })).toBe(false);
  });
});
