// Small SVG charts for the playground: line charts (linear or log y) with
// axes and ticks, an HTML legend, and a vertical bar chart of class
// probabilities. Each draw replaces the SVG's content; the SVG scales with
// its viewBox, so the page's CSS decides the size.

const NS = 'http://www.w3.org/2000/svg';
const W = 360, H = 200, M = { left: 44, right: 10, top: 10, bottom: 34 };

/** Distinct colours for up to ~8 series, then a blue-to-red ramp for per-layer series. */
export const PALETTE = ['#1f6fd1', '#d1491f', '#2a9d4b', '#8a3fc4', '#b8860b', '#0f8b8d', '#c2185b', '#555'];
export function rampColor(i, n) {
  const t = n <= 1 ? 0 : i / (n - 1);
  return `hsl(${Math.round(220 - 220 * t)} 70% 42%)`;
}

function el(name, attrs = {}, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, count = 4) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const fmt = (v) => (v === 0 ? '0' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(3))));

/**
 * Draws series [{name, color, points: [[x, y], ...], dashed?}] into `svg`.
 * Options: logY, yMin/yMax (fixed range), xLabel, emptyText.
 */
export function lineChart(svg, series, { logY = false, yMin, yMax, xLabel = 'step', emptyText = 'no data yet' } = {}) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
  svg.append(el('rect', { x: M.left, y: M.top, width: pw, height: ph, class: 'plot-bg' }));
  if (pts.length === 0) {
    svg.append(el('text', { x: M.left + pw / 2, y: M.top + ph / 2, 'text-anchor': 'middle', class: 'empty' }, emptyText));
    svg.dataset.points = '0';
    return;
  }
  const tf = logY ? Math.log10 : (v) => v;
  let x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  if (x1 === x0) x1 = x0 + 1;
  let y0 = yMin ?? Math.min(...pts.map((p) => p[1])), y1 = yMax ?? Math.max(...pts.map((p) => p[1]));
  y0 = tf(y0);
  y1 = tf(y1);
  if (logY) {
    y0 = Math.floor(y0);
    y1 = Math.ceil(y1);
  }
  if (y1 === y0) (y0 -= 0.5), (y1 += 0.5);
  const sx = (x) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y) => M.top + ph - ((tf(y) - y0) / (y1 - y0)) * ph;
  // axes and ticks
  const yTicks = logY ? niceTicks(y0, y1, Math.min(5, y1 - y0)).filter(Number.isInteger).map((e) => 10 ** e) : niceTicks(y0, y1, 4);
  for (const v of yTicks) {
    const y = sy(v);
    if (y < M.top - 0.5 || y > M.top + ph + 0.5) continue;
    svg.append(el('line', { x1: M.left, x2: M.left + pw, y1: y, y2: y, class: 'grid' }));
    svg.append(el('text', { x: M.left - 4, y: y + 3, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  for (const v of niceTicks(x0, x1, 4)) {
    const x = sx(v);
    svg.append(el('text', { x, y: M.top + ph + 13, 'text-anchor': 'middle', class: 'tick' }, fmt(v)));
  }
  svg.append(el('text', { x: M.left + pw / 2, y: H - 3, 'text-anchor': 'middle', class: 'axis-label' }, xLabel + (logY ? ' · y on a log scale' : '')));
  // lines
  let drawn = 0;
  for (const s of series) {
    const p = s.points.filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
    if (p.length === 0) continue;
    const d = p.map(([x, y]) => `${sx(x).toFixed(1)},${Math.min(M.top + ph, Math.max(M.top, sy(y))).toFixed(1)}`).join(' ');
    const line = el('polyline', { points: p.length === 1 ? `${d} ${d}` : d, fill: 'none', stroke: s.color, 'stroke-width': 1.6, 'stroke-linejoin': 'round' });
    if (s.dashed) line.setAttribute('stroke-dasharray', '4 3');
    line.append(el('title', {}, s.name));
    svg.append(line);
    drawn += p.length;
  }
  svg.dataset.points = String(drawn);
}

/** Draws the legend of `series` as HTML into `box` (swatch + name). */
export function legend(box, series) {
  box.replaceChildren(
    ...series.map((s) => {
      const item = document.createElement('span');
      item.className = 'legend-item';
      const sw = document.createElement('span');
      sw.className = 'swatch' + (s.dashed ? ' dashed' : '');
      sw.style.borderColor = s.color;
      item.append(sw, document.createTextNode(s.name));
      return item;
    }),
  );
}

/** Vertical bars of the 10 class probabilities into `svg`; the most probable class is highlighted. */
export function probabilityBars(svg, probs) {
  const BW = 300, BH = 140, top = 16, bottom = 18;
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${BW} ${BH}`);
  const n = probs.length, slot = BW / n, best = probs.indexOf(Math.max(...probs));
  probs.forEach((p, k) => {
    const h = (BH - top - bottom) * p;
    const bar = el('rect', { x: k * slot + 4, y: BH - bottom - h, width: slot - 8, height: Math.max(h, 0.5), class: k === best ? 'bar best' : 'bar' });
    bar.append(el('title', {}, `${k}: ${(100 * p).toFixed(1)}%`));
    svg.append(bar);
    svg.append(el('text', { x: k * slot + slot / 2, y: BH - 4, 'text-anchor': 'middle', class: 'tick' }, String(k)));
    if (p >= 0.05) svg.append(el('text', { x: k * slot + slot / 2, y: BH - bottom - h - 3, 'text-anchor': 'middle', class: 'tick' }, `${Math.round(100 * p)}%`));
  });
}
