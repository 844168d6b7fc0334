// @ts-check
/**
 * The dashboard's page: one live feed (server-sent events from /ui/events) of the tenant's
 * services, rendered by view.js. The feed says `state` (every service as it is now), `samples`
 * (points of the charts: all of them when the page connects, then each new one) and `problem`
 * (the server cannot read the engine). A lost connection is retried; a session that ended (the
 * server restarted, the key was removed) goes back to the sign-in page.
 */
import { WINDOW_MS } from './chart.js';
import { renderCharts, renderServices } from './view.js';

/** @typedef {import('./chart.js').Sample} Sample */

const main = /** @type {HTMLElement} */ (document.getElementById('services'));
const nav = /** @type {HTMLElement} */ (document.getElementById('index'));
const connection = /** @type {HTMLElement} */ (document.getElementById('connection'));
const problem = /** @type {HTMLElement} */ (document.getElementById('problem'));
const tenant = /** @type {HTMLElement} */ (document.getElementById('tenant'));

/** @type {Map<string, Sample[]>} */
const samples = new Map();

/**
 * @param {string} text
 * @param {string} kind
 */
function connected(text, kind) {
  connection.textContent = text;
  connection.className = `pill ${kind}`;
}

/**
 * Points by time, without duplicates, within the charts' window.
 * @param {Sample[]} have
 * @param {Sample[]} more
 */
function merge(have, more) {
  const byTime = new Map([...have, ...more].map((p) => [p.T, p]));
  const cutoff = Date.now() - WINDOW_MS - 60_000;
  return [...byTime.values()].filter((p) => p.T >= cutoff).sort((a, b) => a.T - b.T);
}

function redrawCharts() {
  for (const [name, points] of samples) renderCharts(name, points, Date.now());
}

/** @param {MessageEvent} e */
function onState(e) {
  const state = JSON.parse(e.data);
  tenant.textContent = `tenant ${state.Tenant}`;
  const names = new Set(state.Services.map((/** @type {{ Name: string }} */ s) => s.Name));
  for (const name of samples.keys()) if (!names.has(name)) samples.delete(name);
  renderServices(main, nav, state.Services);
  redrawCharts();
  connected(`live · ${new Date().toLocaleTimeString([], { hour12: false })}`, 'live');
}

/** @param {MessageEvent} e */
function onSamples(e) {
  const { Service, Points } = JSON.parse(e.data);
  samples.set(Service, merge(samples.get(Service) ?? [], Points));
  renderCharts(Service, samples.get(Service) ?? [], Date.now());
}

/** @param {MessageEvent} e */
function onProblem(e) {
  const { Message } = JSON.parse(e.data);
  problem.textContent = Message;
  problem.hidden = !Message;
}

function connect() {
  const source = new EventSource('/ui/events');
  source.addEventListener('state', onState);
  source.addEventListener('samples', onSamples);
  source.addEventListener('problem', onProblem);
  source.addEventListener('error', async () => {
    connected('reconnecting…', 'down');
    if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    const answer = await fetch('/ui/session', { credentials: 'same-origin' }).catch(() => undefined);
    if (answer?.status === 401) location.assign('/');
    else setTimeout(connect, 3000);
  });
}

connect();
// The charts move on with time even when no point comes (a load balancer that stopped).
setInterval(redrawCharts, 5000);
