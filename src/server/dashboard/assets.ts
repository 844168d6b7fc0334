/**
 * The dashboard's page, script, style and icon, built into the bundle as text (scripts/build.mjs
 * inlines `?raw` imports; vitest does too): nothing to ship beside dist/, nothing from a CDN.
 */
import css from '../../ui/app.css?raw';
import app from '../../ui/app.js?raw';
import chart from '../../ui/chart.js?raw';
import icon from '../../ui/favicon.svg?raw';
import index from '../../ui/index.html?raw';
import login from '../../ui/login.html?raw';
import view from '../../ui/view.js?raw';

export interface Asset {
  type: string;
  body: string;
}

/** What /ui/NAME serves. */
export const ASSETS: Readonly<Record<string, Asset>> = {
  'app.css': { type: 'text/css; charset=utf-8', body: css },
  'app.js': { type: 'text/javascript; charset=utf-8', body: app },
  'chart.js': { type: 'text/javascript; charset=utf-8', body: chart },
  'view.js': { type: 'text/javascript; charset=utf-8', body: view },
  'favicon.svg': { type: 'image/svg+xml', body: icon },
};

export const INDEX_HTML = index;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The sign-in page, saying `message` (escaped) when there is one. */
export function loginPage(message: string): string {
  return login.replace('{{message}}', escapeHtml(message));
}
