// @ts-check
/**
 * Small line charts drawn as inline SVG with the DOM's own API (no chart library): the last
 * minutes of one series of a service's points, scaled to its highest value. A null value (no
 * requests, so no response time) breaks the line.
 */

const SVG = 'http://www.w3.org/2000/svg';
const W = 300;
const H = 60;

/** How much time a chart spans (ms). */
export const WINDOW_MS = 10 * 60 * 1000;

/**
 * @typedef {{ T: number, Rps: number, Eps: number, ResponseMs: number | null, Sessions: number }} Sample
 * @typedef {'Rps' | 'Eps' | 'ResponseMs'} SeriesKey
 */

/**
 * @param {string} tag
 * @param {Record<string, string>} attrs
 */
function svgEl(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/**
 * A chart's figure: its caption (title, latest value) and an empty SVG.
 * @param {string} title
 * @param {string} kind a class of the SVG (`errors` draws in red)
 */
export function chartFigure(title, kind) {
  const figure = document.createElement('figure');
  figure.className = 'chart';
  const caption = document.createElement('figcaption');
  const name = document.createElement('span');
  name.textContent = title;
  const value = document.createElement('b');
  value.textContent = '–';
  caption.append(name, value);
  const svg = svgEl('svg', {
    class: `spark ${kind}`,
    viewBox: `0 0 ${W} ${H}`,
    preserveAspectRatio: 'none',
    role: 'img',
  });
  svg.setAttribute('aria-label', `${title}: no data yet`);
  figure.append(caption, svg);
  return figure;
}

/**
 * Runs of consecutive non-null values, as SVG coordinates.
 * @param {Sample[]} points
 * @param {SeriesKey} key
 * @param {number} now
 * @param {number} top
 */
function runs(points, key, now, top) {
  /** @type {Array<Array<[number, number]>>} */
  const out = [];
  /** @type {Array<[number, number]>} */
  let run = [];
  for (const p of points) {
    const v = p[key];
    if (v === null || v === undefined) {
      if (run.length) out.push(run);
      run = [];
      continue;
    }
    const x = ((p.T - (now - WINDOW_MS)) / WINDOW_MS) * W;
    const y = H - 2 - (v / top) * (H - 6);
    run.push([Math.max(0, Math.min(W, x)), y]);
  }
  if (run.length) out.push(run);
  return out;
}

/**
 * Draw `key` of `points` into the figure made by chartFigure.
 * @param {HTMLElement} figure
 * @param {Sample[]} points
 * @param {SeriesKey} key
 * @param {(v: number) => string} format
 * @param {number} now
 */
export function drawChart(figure, points, key, format, now) {
  const svg = /** @type {SVGSVGElement} */ (figure.querySelector('svg'));
  const value = /** @type {HTMLElement} */ (figure.querySelector('figcaption b'));
  const shown = points.filter((p) => p.T >= now - WINDOW_MS);
  const values = shown.map((p) => p[key]).filter((v) => typeof v === 'number');
  const top = Math.max(...values, 0) || 1;
  const parts = [];
  for (const run of runs(shown, key, now, top)) {
    const line = run.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
    const first = run[0];
    const last = run[run.length - 1];
    if (!first || !last) continue;
    const area = `M${first[0].toFixed(1)},${H} L${line.replaceAll(' ', ' L')} L${last[0].toFixed(1)},${H} Z`;
    parts.push(svgEl('path', { class: 'area', d: area }));
    parts.push(svgEl('polyline', { class: 'line', points: line, 'vector-effect': 'non-scaling-stroke' }));
  }
  svg.replaceChildren(...parts);
  const latest = shown.at(-1)?.[key];
  value.textContent = typeof latest === 'number' ? format(latest) : '–';
  const label = figure.querySelector('figcaption span')?.textContent ?? '';
  svg.setAttribute(
    'aria-label',
    values.length
      ? `${label}: now ${value.textContent}, at most ${format(top)} in the last 10 minutes`
      : `${label}: no data yet`,
  );
}
