/** A hand-written SVG line chart of the scaling curve (no browser, no dependency). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const esc = (s: string): string =>
  String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface Series {
  name: string;
  color: string;
  /** ms, one per count (undefined: not measured). */
  points: Array<number | undefined>;
}

/** counts: the x values (replica counts). Linear axes, seconds on y. */
export function writeScalingSvg(path: string, counts: number[], series: Series[]): void {
  const W = 720;
  const H = 420;
  const m = { l: 60, r: 20, t: 40, b: 50 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const ys = series.flatMap((s) => s.points.filter(finite)).map((p) => p / 1000);
  const maxY = niceCeil(Math.max(1, ...ys));
  const maxX = Math.max(1, ...counts);
  const x = (n: number): number => m.l + (n / maxX) * pw;
  const y = (v: number): number => m.t + ph - (v / maxY) * ph;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    '<title>Time to ready by replica count (median)</title>',
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">Time to ready by replica count (median)</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (maxY / 5) * i;
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${round(v)} s</text>`,
    );
  }
  for (const n of counts) {
    parts.push(
      `<line x1="${x(n)}" x2="${x(n)}" y1="${m.t + ph}" y2="${m.t + ph + 5}" stroke="#333"/>`,
      `<text x="${x(n)}" y="${m.t + ph + 18}" text-anchor="middle">${n}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${m.t + ph}" y2="${m.t + ph}" stroke="#333"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" stroke="#333"/>`,
    `<text x="${m.l + pw / 2}" y="${H - 10}" text-anchor="middle">replicas</text>`,
  );
  series.forEach((s, i) => {
    const pts = counts.flatMap((n, j) => {
      const p = s.points[j];
      return finite(p) ? [[x(n), y(p / 1000)] as const] : [];
    });
    if (pts.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.map((p) => p.join(',')).join(' ')}"/>`,
      );
    for (const [px, py] of pts) parts.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${s.color}"/>`);
    const ly = m.t + 10 + i * 18;
    parts.push(
      `<line x1="${m.l + 12}" x2="${m.l + 36}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${m.l + 42}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>', '');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, parts.join('\n'));
}

const finite = (p: number | undefined): p is number => p !== undefined && Number.isFinite(p);

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (k * p >= v) return k * p;
  return 10 * p;
}
const round = (v: number): number => Math.round(v * 10) / 10;
