// A small SVG line chart: axes with ticks and units, optional log y axis,
// one polyline per series (with a shaded band where the series has one:
// the spread over seeds), a legend. Readable on its own: title, axis
// labels and the legend are part of the picture.

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(0);
  return String(+v.toPrecision(4));
}

/**
 * @param {{title: string, xLabel: string, yLabel: string, logY?: boolean,
 *   series: {name: string, points: [number, number][], band?: [number, number, number][], dashed?: boolean}[],
 *   bandNote?: string, width?: number, height?: number}} chart
 *   band: [x, low, high] per x, drawn as a translucent area in the series' colour; bandNote says what it is
 * @returns {string} an <svg> element
 */
export function lineChart({ title, xLabel, yLabel, series, logY = false, bandNote = '', width = 640, height = 360 }) {
  const m = { left: 64, right: 170, top: 40, bottom: 48 };
  const pw = width - m.left - m.right, ph = height - m.top - m.bottom;
  const pts = series.flatMap((s) => [...s.points, ...(s.band ?? []).flatMap(([x, lo, hi]) => [[x, lo], [x, hi]])]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0));
  let x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  let ys = pts.map((p) => (logY ? Math.log10(p[1]) : p[1]));
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (!pts.length) (x0 = 0), (x1 = 1), (y0 = 0), (y1 = 1);
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) (y0 -= 0.5), (y1 += 0.5);
  if (!logY && y0 > 0 && y0 < 0.35 * y1) y0 = 0;
  const pad = (y1 - y0) * 0.04;
  y0 -= pad;
  y1 += pad;
  const sx = (x) => +(m.left + ((x - x0) / (x1 - x0)) * pw).toFixed(1);
  const sy = (y) => +(m.top + ph - (((logY ? Math.log10(y) : y) - y0) / (y1 - y0)) * ph).toFixed(1);
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`);
  // grid and ticks
  const xt = niceTicks(x0, x1, 6);
  for (const v of xt) {
    const x = sx(v);
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${m.top + ph + 15}" text-anchor="middle">${fmt(v)}</text>`);
  }
  const yt = logY
    ? niceTicks(Math.floor(y0), Math.ceil(y1), Math.min(8, Math.ceil(y1) - Math.floor(y0))).filter((e) => Number.isInteger(e) && e >= y0 && e <= y1).map((e) => 10 ** e)
    : niceTicks(y0, y1, 5);
  for (const v of yt) {
    const y = sy(v);
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${height - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}${logY ? ' (log scale)' : ''}</text>`);
  if (bandNote) out.push(`<text x="${m.left + pw / 2}" y="${m.top - 6}" text-anchor="middle" fill="#555">${esc(bandNote)}</text>`);
  // bands under the lines
  const clampY = (y) => Math.min(m.top + ph, Math.max(m.top, sy(y))).toFixed(1);
  series.forEach((s, i) => {
    const band = (s.band ?? []).filter(([x, lo, hi]) => Number.isFinite(x) && Number.isFinite(lo) && Number.isFinite(hi) && (!logY || (lo > 0 && hi > 0)));
    if (band.length < 2) return;
    const upper = band.map(([x, , hi]) => `${sx(x).toFixed(1)},${clampY(hi)}`);
    const lower = band.map(([x, lo]) => `${sx(x).toFixed(1)},${clampY(lo)}`).reverse();
    out.push(`<polygon fill="${COLORS[i % COLORS.length]}" fill-opacity="0.18" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`);
  });
  // series
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0))
      .map(([x, y]) => `${sx(x).toFixed(1)},${Math.min(m.top + ph, Math.max(m.top, sy(y))).toFixed(1)}`)
      .join(' ');
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    if (s.points.length === 1) {
      const [x, y] = s.points[0];
      out.push(`<circle cx="${sx(x)}" cy="${sy(y)}" r="3" fill="${color}"/>`);
    } else if (d) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.6"${dash} points="${d}"/>`);
    const ly = m.top + 8 + i * 16;
    out.push(`<line x1="${m.left + pw + 10}" y1="${ly}" x2="${m.left + pw + 30}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${m.left + pw + 35}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
