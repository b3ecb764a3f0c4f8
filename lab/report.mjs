// The lab report: results.json (every seed's raw curves, the tables and the
// judged claims) and index.html (the summary table with the verdict rule,
// then per experiment its claim, source, charts with seed bands and tables).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lineChart } from './chart.mjs';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const RULE = 'Each claim is measured once per seed. Verdict: holds when the mean difference on the claimed side exceeds its seed-to-seed spread (the standard deviation over seeds: √(sd_a² + sd_b²) for a comparison of two arms, sd for a value against a threshold); does not hold when it is on the other side by more than the spread; inconclusive otherwise. With one seed there is no spread and the verdict only says on which side the run fell. Ratios of norms are judged on log10.';

/** Summary rows of all experiments: {experiment, claim, paper, ours, verdict}. */
export function summaryRows(results) {
  return results.experiments.flatMap((e) =>
    e.incomplete
      ? [{ experiment: e.id, claim: e.claim, paper: e.paperFigure ?? '', ours: `incomplete: ${e.incomplete}`, verdict: 'not measured' }]
      : e.summary.map((s) => ({ experiment: e.id, claim: s.claim, paper: s.paper, ours: s.ours, verdict: s.verdict })),
  );
}

/** The summary as fixed-width text for the terminal. */
export function summaryText(results) {
  const rows = summaryRows(results);
  const cols = [['experiment', 11], ['claim', 50], ['paper', 20], ['ours', 70], ['verdict', 13]];
  const cut = (s, w) => (String(s).length > w ? String(s).slice(0, w - 1) + '…' : String(s).padEnd(w));
  const lines = [cols.map(([n, w]) => cut(n, w)).join(' '), cols.map(([, w]) => '-'.repeat(w)).join(' ')];
  for (const r of rows) lines.push(cols.map(([n, w]) => cut(r[n], w)).join(' '));
  return lines.join('\n');
}

function table({ title, columns, rows }) {
  return `<h4>${esc(title)}</h4><table><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((v) => `<td>${esc(typeof v === 'number' ? +v.toPrecision(4) : v)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

function html(results) {
  const rows = summaryRows(results);
  const m = results.meta;
  const parts = [
    '<!doctype html><html><head><meta charset="utf-8"><title>simdgrad: the going-deeper lab</title><style>',
    'body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}',
    'table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}',
    'th{background:#f3f3f3}.holds{color:#060}.not{color:#a00}figure{display:inline-block;margin:4px}pre{background:#f7f7f7;padding:8px;overflow:auto}',
    '</style></head><body>',
    '<h1>The going-deeper lab</h1>',
    `<p>Data: ${esc(m.data)} · ${m.seeds.length} seed${m.seeds.length > 1 ? 's' : ''} (${m.seeds.join(', ')}) · ${esc(m.mode)} run · ${m.seconds.toFixed(0)} s wall, ${m.cpuSeconds.toFixed(0)} s CPU on ${esc(m.machine)} · ${esc(m.date)}</p>`,
    '<h2>Summary</h2><table><tr><th>experiment</th><th>claim</th><th>paper</th><th>ours (mean ± sd over seeds)</th><th>verdict</th></tr>',
    ...rows.map((r) => `<tr><td>${esc(r.experiment)}</td><td>${esc(r.claim)}</td><td>${esc(r.paper)}</td><td>${esc(r.ours)}</td><td class="${r.verdict === 'holds' ? 'holds' : r.verdict === 'does not hold' ? 'not' : ''}">${esc(r.verdict)}</td></tr>`),
    '</table>',
    `<p>${esc(RULE)}</p>`,
  ];
  for (const e of results.experiments) {
    parts.push(`<h2 id="${esc(e.id)}">${esc(e.title)}</h2>`);
    parts.push(`<p><b>Claim.</b> ${esc(e.claim)}<br><b>Source.</b> ${esc(e.source)}<br><b>Setup.</b> ${esc(e.setup ?? '')} (${e.seconds?.toFixed(0) ?? '?'} s wall, ${e.cpuSeconds?.toFixed(0) ?? '?'} s CPU)</p>`);
    if (e.incomplete) parts.push(`<p class="not"><b>Incomplete:</b> ${esc(e.incomplete)}</p>`);
    if (e.printed?.length) parts.push(`<pre>${esc(e.printed.join('\n'))}</pre>`);
    for (const c of e.charts ?? []) parts.push(`<figure>${lineChart(c)}</figure>`);
    for (const t of e.tables ?? []) parts.push(table(t));
    for (const n of e.notes ?? []) parts.push(`<p>${esc(n)}</p>`);
  }
  parts.push('</body></html>');
  return parts.join('\n');
}

/** Writes index.html and results.json into `dir`; returns the path of index.html. */
export function writeReport(dir, results) {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 1));
  writeFileSync(join(out, 'index.html'), html(results));
  return join(out, 'index.html');
}
