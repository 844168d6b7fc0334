// @ts-check
/**
 * The services as the page shows them, built with the DOM's API only: every name, label, image
 * and log line the engine gave is a text node (textContent), never markup. Each service keeps its
 * section, and each part of it is rebuilt only when its data changed, so focus and open details
 * stay where they are.
 */
import { chartFigure, drawChart } from './chart.js';

/**
 * @typedef {import('./chart.js').Sample} Sample
 * @typedef {{ Time: string, Source: string, Text: string, Tone: string, Detail?: string }} Line
 * @typedef {{ Operation: string, Summary: string, Owner: string, Since: string, Ended: string | null,
 *   Outcome: string, Done: number, Total: number, Steps: Line[] }} Change
 * @typedef {{ Number: number, Name: string, Image: string, State: string, LB: string | null,
 *   Check: string | null, CheckCode?: number | null, Health?: string | null, Sessions: number | null,
 *   Requests: number | null, Errors: number | null }} Replica
 * @typedef {{ Name: string, Status: string, Message: string, Backend: string, Image: string,
 *   Images: string[], Protocol: string, ServicePort: number, ContainerPort: number, FIP: string,
 *   IP: string, Up: number, Desired: number, Labels: Record<string, string>,
 *   HealthCheckPath: string | null, ReplicaDetail: Replica[], Change: Change | null,
 *   Activity: Line[], CountersError: string | null }} Service
 */

/**
 * An element with attributes and children (strings become text nodes).
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {Array<Node | string>} children
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** @param {string} iso */
function clock(iso) {
  const d = new Date(iso);
  return el('time', { datetime: iso }, d.toLocaleTimeString([], { hour12: false }));
}

const PASSED = /^(L[4-7]OKC?|PROCOK)$/;

/** @param {Replica} r */
export function replicaTone(r) {
  if (r.State !== 'running' || ['DOWN', 'MAINT', 'NOLB'].includes(r.LB ?? '')) return 'bad';
  if (r.Check && !PASSED.test(r.Check)) return 'bad';
  if (r.Health === 'unhealthy') return 'bad';
  return r.LB === 'UP' ? 'good' : '';
}

/** @param {number | null | undefined} v */
const num = (v) => (v === null || v === undefined ? '–' : String(v));

/** @param {Service} s */
function header(s) {
  const status = el('span', { class: `badge ${s.Status}` }, s.Status);
  const facts = el(
    'div',
    { class: 'facts' },
    el('span', {}, 'replicas ', el('b', {}, `${s.Up}/${s.Desired} up`)),
    el('span', {}, 'image ', el('b', {}, s.Images.length ? s.Images.join(', ') : s.Image)),
    el('span', {}, `${s.Protocol} `, el('b', {}, `:${s.ServicePort} → :${s.ContainerPort}`)),
    el('span', {}, 'FIP ', el('b', {}, s.FIP || 'none')),
    el('span', {}, 'backend ', el('b', {}, s.Backend)),
    ...(s.HealthCheckPath ? [el('span', {}, 'checks ', el('b', {}, `GET ${s.HealthCheckPath}`))] : []),
  );
  const labels = el('ul', { class: 'labels', 'aria-label': 'labels' });
  for (const [k, v] of Object.entries(s.Labels)) labels.append(el('li', {}, `${k}=${v}`));
  return [
    el('header', {}, el('h2', {}, s.Name), status),
    facts,
    el('p', { class: 'message' }, s.Message),
    ...(labels.childElementCount ? [labels] : []),
  ];
}

/** @param {Line} l */
function line(l) {
  const item = el('li', { class: `tone-${l.Tone}` }, clock(l.Time), l.Text);
  if (l.Detail) item.title = l.Detail;
  return item;
}

/** @param {Change | null} c */
function change(c) {
  if (!c) return [];
  const tone = c.Outcome === 'running' ? '' : c.Outcome === 'done' ? ' good' : ' bad';
  const state = c.Outcome === 'running' ? 'in progress' : c.Outcome;
  const bar = el('progress', { max: String(Math.max(c.Total, 1)), value: String(c.Done) });
  bar.setAttribute('aria-label', `${c.Done} of ${c.Total} replicas of the new state up`);
  return [
    el(
      'section',
      { class: `change${tone}`, 'aria-label': `${c.Operation} ${state}` },
      el('h3', {}, `${c.Operation} ${state}: ${c.Summary}`),
      el('p', {}, 'since ', clock(c.Since), c.Owner ? `by ${c.Owner} ` : '', bar, ` ${c.Done}/${c.Total} up`),
      el('ol', {}, ...c.Steps.map(line)),
    ),
  ];
}

/** @param {Service} s */
function replicas(s) {
  const rows = s.ReplicaDetail;
  const withCode = rows.some((r) => r.CheckCode !== undefined && r.CheckCode !== null) || !!s.HealthCheckPath;
  const withHealth = rows.some((r) => r.Health !== undefined && r.Health !== null);
  const heads = ['#', 'replica', 'image', 'state', 'load balancer', 'last check'];
  if (withCode) heads.push('HTTP');
  if (withHealth) heads.push('health');
  heads.push('sessions', 'requests', 'errors');
  const numeric = new Set(['#', 'HTTP', 'sessions', 'requests', 'errors']);
  const head = el(
    'tr',
    {},
    ...heads.map((h) => el('th', { scope: 'col', class: numeric.has(h) ? 'num' : '' }, h)),
  );
  const body = rows.map((r) => {
    const cells = [
      el('td', { class: 'num' }, String(r.Number)),
      el('td', {}, r.Name),
      el('td', {}, r.Image || '–'),
      el('td', {}, r.State),
      el('td', {}, r.LB ?? '–'),
      el('td', {}, r.Check || '–'),
    ];
    if (withCode) cells.push(el('td', { class: 'num' }, num(r.CheckCode)));
    if (withHealth) cells.push(el('td', {}, r.Health ?? '–'));
    cells.push(el('td', { class: 'num' }, num(r.Sessions)), el('td', { class: 'num' }, num(r.Requests)));
    cells.push(el('td', { class: 'num' }, num(r.Errors)));
    return el('tr', { class: replicaTone(r), 'data-replica': String(r.Number) }, ...cells);
  });
  const table = el(
    'table',
    {},
    el('caption', {}, 'Replicas'),
    el('thead', {}, head),
    el('tbody', {}, ...body),
  );
  const note = s.CountersError ? [el('p', { class: 'problem' }, `counters: ${s.CountersError}`)] : [];
  return [el('div', { class: 'table-wrap' }, table), ...note];
}

/** @param {Service} s */
function activity(s) {
  return [...s.Activity].reverse().map(line);
}

/** The parts of a service's section: each rebuilt only when its own data changed. */
const PARTS = /** @type {const} */ ([
  [
    'head',
    header,
    (/** @type {Service} */ s) => [
      s.Name,
      s.Status,
      s.Message,
      s.Up,
      s.Desired,
      s.Images,
      s.Image,
      s.Protocol,
      s.ServicePort,
      s.ContainerPort,
      s.FIP,
      s.Backend,
      s.Labels,
      s.HealthCheckPath,
    ],
  ],
  ['change', (/** @type {Service} */ s) => change(s.Change), (/** @type {Service} */ s) => s.Change],
  ['replicas', replicas, (/** @type {Service} */ s) => [s.ReplicaDetail, s.CountersError, s.HealthCheckPath]],
  ['activity', activity, (/** @type {Service} */ s) => s.Activity],
]);

const CHARTS = /** @type {const} */ ([
  ['Rps', 'requests/s', '', (/** @type {number} */ v) => v.toFixed(1)],
  ['Eps', 'errors/s', 'errors', (/** @type {number} */ v) => v.toFixed(1)],
  ['ResponseMs', 'response time', '', (/** @type {number} */ v) => `${Math.round(v)} ms`],
]);

/** What each part was last built from (JSON), by its element. */
const built = new WeakMap();

/** @param {string} name */
export const sectionId = (name) => `svc-${name}`;

/** @param {string} name */
function newSection(name) {
  const section = el('section', { class: 'service', id: sectionId(name), 'aria-label': `service ${name}` });
  const part = (/** @type {string} */ key) => el('div', { class: `part-${key}` });
  const charts = el('div', { class: 'charts' }, ...CHARTS.map(([, title, kind]) => chartFigure(title, kind)));
  const details = el(
    'details',
    { class: 'activity' },
    el('summary', {}, 'Activity'),
    el('ol', { class: 'lines' }),
  );
  section.append(part('head'), part('change'), charts, part('replicas'), details);
  return section;
}

/**
 * Show `services` in `main` (sections added, updated, removed) and their index in `nav`.
 * @param {HTMLElement} main
 * @param {HTMLElement} nav
 * @param {Service[]} services
 */
export function renderServices(main, nav, services) {
  const keep = new Set(services.map((s) => sectionId(s.Name)));
  for (const old of [...main.children]) if (!keep.has(old.id)) old.remove();
  if (services.length === 0)
    main.append(el('p', { class: 'muted', id: 'empty' }, 'No services yet: svc create …'));
  let before = null;
  for (const s of services) {
    let section = /** @type {HTMLElement | null} */ (document.getElementById(sectionId(s.Name)));
    if (!section) section = newSection(s.Name);
    if (section.previousElementSibling !== before || !section.isConnected) {
      if (before) before.after(section);
      else main.prepend(section);
    }
    before = section;
    for (const [key, build, deps] of PARTS) {
      const text = JSON.stringify(deps(s));
      const target =
        key === 'activity' ? section.querySelector('ol.lines') : section.querySelector(`.part-${key}`);
      if (!(target instanceof HTMLElement) || built.get(target) === text) continue;
      built.set(target, text);
      target.replaceChildren(...build(s));
    }
  }
  nav.replaceChildren(
    ...services.map((s) => {
      const a = el(
        'a',
        { class: `tone-${s.Status === 'active' ? 'good' : s.Status === 'updating' ? '' : 'bad'}` },
        s.Name,
      );
      a.setAttribute('href', `#${sectionId(s.Name)}`);
      return a;
    }),
  );
}

/**
 * Draw a service's charts.
 * @param {string} name
 * @param {Sample[]} points
 * @param {number} now
 */
export function renderCharts(name, points, now) {
  const section = document.getElementById(sectionId(name));
  if (!section) return;
  const figures = section.querySelectorAll('figure.chart');
  CHARTS.forEach(([key, , , format], i) => {
    const f = figures[i];
    if (f instanceof HTMLElement) drawChart(f, points, key, format, now);
  });
}
