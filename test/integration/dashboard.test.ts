/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core against a real
 * `svc dashboard` (svc serve on a loopback port) and real services. The link it prints signs one
 * browser in once; a `svc scale` in a terminal shows without a reload; a killed replica turns red
 * and its errors show; a label full of HTML is text; a wrong key is refused; a second tenant's key
 * sees only its own services; signing out ends the session. With SVC_DASHBOARD_SCREENSHOT=1 it also writes
 * docs/dashboard.png.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL, labelFilter } from '../../src/model/naming.js';
import { type RunningSvc, startSvc, svc } from '../support/cli.js';
import { createKey, type Key, newConfigDir } from './serve-client.js';
import { type Browser, CHROMIUM, openBrowser } from './support/browser.js';
import {
  createArgs,
  engine,
  freePort,
  httpGetMany,
  mustSucceed,
  newTenant,
  removeTenant,
  run,
  waitFor,
} from './support/harness.js';
import { startLoad } from './support/load.js';

const tenantA = newTenant();
const tenantB = newTenant();
const XSS = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">"'&`;
const svA = mustSucceed((args) => svc(args, { tenant: tenantA }));
const svB = mustSucceed((args) => svc(args, { tenant: tenantB }));

let dashboard: RunningSvc;
let link: string;
let origin: string;
let keyB: Key;
let browser: Browser;
let fipA: number;
/** Every CSP violation or script error any page reported. */
const pageErrors: string[] = [];

async function newPage(): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

/** The replica rows of a service's section on the page. */
const rows = (page: Page, name: string) => page.locator(`#svc-${name} tbody tr`);

beforeAll(async () => {
  // CI installs chromium (scripts/setup.sh --tests): without it this fails, it never skips.
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: bash scripts/setup.sh --tests installs it`);
  fipA = await freePort();
  const dir = newConfigDir();
  keyB = await createKey(dir, tenantB);
  await Promise.all([
    svA(
      createArgs('web', fipA, '127.0.0.1', [
        ...['--protocol', 'http', '--health-check-interval', '1'],
        ...['--label', `note=${XSS}`],
      ]),
    ),
    svB(createArgs('other', await freePort(), '127.0.0.1')),
  ]);
  dashboard = startSvc(['dashboard', '--port', '0'], { tenant: tenantA, env: { SVC_CONFIG_DIR: dir } });
  link = await waitFor('the dashboard link', 20_000, async () => /^http\S+/m.exec(dashboard.stdout)?.[0]);
  origin = new URL(link).origin;
  browser = await openBrowser();
});

afterAll(async () => {
  await browser?.close();
  dashboard?.child.kill('SIGTERM');
  await dashboard?.ended;
  await Promise.all([removeTenant(tenantA), removeTenant(tenantB)]);
});

describe('svc dashboard in chromium', () => {
  let page: Page;

  it('the printed link signs the browser in once; the page lists the tenant’s service', async () => {
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    page = await newPage();
    await page.goto(link);
    // The token went into a cookie and out of the address bar.
    expect(page.url()).toBe(`${origin}/`);
    const cookies = await browser.context.cookies(origin);
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await expect.poll(() => page.locator('#svc-web h2').textContent(), { timeout: 20_000 }).toBe('web');
    await expect.poll(() => page.locator('#svc-web .facts').textContent()).toContain('1/1 up');
    await expect
      .poll(() => rows(page, 'web').first().getAttribute('class'), { timeout: 20_000 })
      .toBe('good');
    // Used up: the same link again is refused.
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('used already');
  });

  it('shows a label full of HTML as text, with no script run', async () => {
    await expect
      .poll(() => page.locator('#svc-web ul.labels').textContent(), { timeout: 20_000 })
      .toContain(`note=${XSS}`);
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('#svc-web script, #svc-web img').count()).toBe(0);
  });

  it('a svc scale in a terminal shows without a reload, step by step', async () => {
    await page.evaluate(() => {
      (globalThis as unknown as { stayed: boolean }).stayed = true;
    });
    await svA(['scale', 'web=2']);
    await expect.poll(() => rows(page, 'web').count(), { timeout: 30_000 }).toBe(2);
    await expect
      .poll(() => page.locator('#svc-web .facts').textContent(), { timeout: 30_000 })
      .toContain('2/2 up');
    await expect
      .poll(() => page.locator('#svc-web .change h3').textContent(), { timeout: 30_000 })
      .toMatch(/^scale done: 1 → 2 replicas \(adds 2\)/);
    const steps = await page.locator('#svc-web .change ol').textContent();
    expect(steps).toMatch(/replica 2 \(\S+\) started/);
    expect(steps).toMatch(/the scale is done/);
    expect(await page.evaluate(() => (globalThis as unknown as { stayed?: boolean }).stayed)).toBe(true);
  });

  it('traffic shows in the counters; a killed replica turns red and its errors show', async () => {
    const { failures } = await httpGetMany(`http://127.0.0.1:${fipA}/`, 20);
    expect(failures).toEqual([]);
    const requests = async () =>
      (await page.locator('#svc-web tbody tr td:nth-last-child(2)').allTextContents()).reduce(
        (n, t) => n + (Number(t) || 0),
        0,
      );
    await expect.poll(requests, { timeout: 20_000 }).toBeGreaterThanOrEqual(20);
    const list = await engine.listContainers([...labelFilter(tenantA), `${LABEL.replica}=2`]);
    const replica = list.find((c) => c.labels[LABEL.service] === 'web');
    expect(replica).toBeDefined();
    const errors = async () =>
      Number(await page.locator('#svc-web tr[data-replica="2"] td:last-child').textContent()) || 0;
    expect(await errors()).toBe(0);
    // A load runs from before the kill until the row turns red: whatever the checks' pace, the
    // requests that reach the dead replica before HAProxy marks it down are counted as its errors
    // (each failed connection is retried on replica 1). Requests sent only after the kill could
    // all come after the mark-down (under load, or once fast checks took it out) and leave
    // nothing to count.
    const load = startLoad(`http://127.0.0.1:${fipA}/`, {
      keepAliveWorkers: 0,
      freshWorkers: 2,
      maxMs: 40_000,
      maxRequests: 20_000,
    });
    try {
      await run('docker', ['kill', replica?.id as string]);
      await expect
        .poll(() => page.locator('#svc-web tr[data-replica="2"]').getAttribute('class'), { timeout: 30_000 })
        .toBe('bad');
    } finally {
      await load.stop();
    }
    await expect.poll(errors, { timeout: 20_000 }).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('#svc-web ol.lines').textContent(), { timeout: 10_000 })
      .toMatch(/replica 2 \(\S+\) exited/);
    if (process.env.SVC_DASHBOARD_SCREENSHOT === '1') await screenshot(page);
  });

  it('in a narrow window nothing runs off the side; the keyboard reaches the service and sign-out', async () => {
    await page.setViewportSize({ width: 360, height: 700 });
    const overflow = () =>
      page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(await overflow()).toBeLessThanOrEqual(0);
    const focused: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate<string>("document.activeElement?.textContent?.trim() ?? ''"));
    }
    expect(focused).toContain('Sign out');
    expect(focused).toContain('web');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('signing out ends the session: the page and its feed refuse the cookie', async () => {
    const [cookie] = await browser.context.cookies(origin);
    await page.click('form.signout button');
    await expect.poll(() => page.locator('#key').count()).toBe(1);
    expect(await browser.context.cookies(origin)).toEqual([]);
    const r = await fetch(`${origin}/ui/events`, { headers: { cookie: `${cookie?.name}=${cookie?.value}` } });
    expect(r.status).toBe(401);
  });

  it('refuses a wrong key; a second tenant’s key sees only its own services', async () => {
    await page.fill('#key', 'not-a-key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('#login-error').textContent()).toContain('Unknown key');
    expect(await browser.context.cookies(origin)).toEqual([]);
    await page.fill('#key', keyB.SecretKey);
    await page.click('button[type=submit]');
    await expect.poll(() => page.locator('#svc-other h2').textContent(), { timeout: 20_000 }).toBe('other');
    expect(await page.locator('#tenant').textContent()).toContain(tenantB);
    expect(await page.locator('#svc-web').count()).toBe(0);
    expect(await page.content()).not.toContain(tenantA);
    // No CSP violation and no script error on any page (a refused sign-in logs its 401).
    expect(pageErrors.filter((e) => !/\b401\b/.test(e))).toEqual([]);
  });
});

async function screenshot(p: Page): Promise<void> {
  await p.setViewportSize({ width: 1100, height: 760 });
  await p.screenshot({ path: resolve(import.meta.dirname, '../../docs/dashboard.png') });
}
