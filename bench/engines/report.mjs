// The engine benchmark's HTML report: one SVG bar chart per workload (a bar
// per engine × kernels × threads, its figure, its ratio to Node's plain SIMD
// on one thread; invalid results drawn hatched and labelled), then the
// engines' versions and the machine. Self-contained: no script, no fetch.

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const KERNEL_COLOURS = { simd: '#3b6ea5', 'relaxed-simd': '#c46b1a' };

function chart(w, rows) {
  const barH = 16, gap = 4, labelW = 280, plotW = 420, top = 6;
  const max = Math.max(...rows.map((r) => r.figure), 1e-9);
  const h = top + rows.length * (barH + gap) + 4;
  const bars = rows.map((r, i) => {
    const y = top + i * (barH + gap);
    const len = Math.max(1, (r.figure / max) * plotW);
    const text = `${r.figure >= 100 ? r.figure.toFixed(0) : r.figure.toPrecision(3)} ${w.unit}${r.ratioToNodeSimd === null ? '' : ` · ${r.ratioToNodeSimd.toFixed(2)}×`}${r.valid ? '' : ' · INVALID hash'}`;
    return `<text x="${labelW - 6}" y="${y + barH - 4}" text-anchor="end">${esc(`${r.engine}, ${r.kernels}, ${r.threads}t`)}</text>` +
      `<rect x="${labelW}" y="${y}" width="${len.toFixed(1)}" height="${barH}" fill="${r.valid ? KERNEL_COLOURS[r.kernels] : 'url(#invalid)'}" opacity="${r.threads > 1 ? 1 : 0.75}"><title>${esc(`hash ${r.hash}${r.valid ? '' : ` (expected ${r.expectedHash})`}; spread ±${(100 * r.spread).toFixed(0)}% over ${r.passes} passes; ${r.ms.toFixed(3)} ms per run`)}</title></rect>` +
      `<text x="${labelW + len + 4}" y="${y + barH - 4}">${esc(text)}</text>`;
  });
  return `<figure><figcaption>${esc(w.label)} <small>(${esc(w.unit)}, ${w.lowerIsBetter ? 'lower' : 'higher'} is better; × = speed relative to Node, plain SIMD, 1 thread)</small></figcaption>` +
    `<svg role="img" aria-label="${esc(w.label)}" width="${labelW + plotW + 220}" height="${h}" font-size="11" font-family="system-ui, sans-serif">` +
    `<defs><pattern id="invalid" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#b00020"/></pattern></defs>${bars.join('')}</svg></figure>`;
}

/** The report page for engines.json's object. */
export function reportHtml(report) {
  const charts = report.workloads.map((w) => chart(w, report.rows.filter((r) => r.workload === w.id))).join('\n');
  const engines = report.engines.map((e) => `<tr><td>${esc(e.label)}</td><td>${esc(e.version)}</td><td>${esc(e.kernels.join(', '))}</td><td>${esc(e.threads.join(', '))}${e.threads.length > 1 ? '' : ` (${esc(e.threadsReason)})`}</td><td>${e.fma === null ? 'no relaxed SIMD' : e.fma ? 'fused' : 'unfused'}</td></tr>`).join('');
  const invalid = report.rows.filter((r) => !r.valid).length;
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>simdgrad engine benchmark</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:72rem}figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.3rem}small{font-weight:400;color:#555}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}</style>
<h1>simdgrad: the same WebAssembly training workloads in every engine</h1>
<p>${esc(report.date)} · ${esc(report.machine.cpu)}, ${report.machine.cores} cores, ${esc(report.machine.os)} · size ${esc(report.size)}, ${report.reps} alternated passes per engine, medians · ${invalid ? `<strong>${invalid} results with a wrong hash (hatched)</strong>` : 'every hash as expected for its kernels'}</p>
<p>Blue: plain SIMD kernels; orange: relaxed SIMD. Paler bars: 1 thread. Hover a bar for its hash and spread.</p>
<table><tr><th>engine</th><th>version</th><th>kernels</th><th>threads</th><th>relaxed multiply-add</th></tr>${engines}</table>
${charts}
</html>
`;
}
