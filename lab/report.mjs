// The lab report: results.json (every curve and table) and index.html (the
// summary table, then per experiment its claim, source, charts and tables).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lineChart } from './chart.mjs';

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const verdictText = (h) => (h === true ? 'holds' : h === false ? 'does not hold' : h === null || h === undefined ? 'not measured' : String(h));

/** Summary rows of all experiments: {experiment, claim, paper, ours, verdict}. */
export function summaryRows(results) {
  return results.experiments.flatMap((e) =>
    e.incomplete
      ? [{ experiment: e.id, claim: e.claim, paper: e.paperFigure ?? '', ours: `incomplete: ${e.incomplete}`, verdict: 'not measured' }]
      : e.summary.map((s) => ({ experiment: e.id, claim: s.claim, paper: s.paper, ours: s.ours, verdict: verdictText(s.holds) })),
  );
}

/** The summary as fixed-width text for the terminal. */
export function summaryText(results) {
  const rows = summaryRows(results);
  const cols = [['experiment', 11], ['claim', 50], ['paper', 20], ['ours', 60], ['verdict', 13]];
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
    `<p>Data: ${esc(m.data)} · seed ${m.seed} · ${m.quick ? 'quick run' : 'full run'} · ${m.seconds.toFixed(0)} s on ${esc(m.machine)} · ${esc(m.date)}</p>`,
    '<h2>Summary</h2><table><tr><th>experiment</th><th>claim</th><th>paper</th><th>ours</th><th>verdict</th></tr>',
    ...rows.map((r) => `<tr><td>${esc(r.experiment)}</td><td>${esc(r.claim)}</td><td>${esc(r.paper)}</td><td>${esc(r.ours)}</td><td class="${r.verdict === 'holds' ? 'holds' : r.verdict === 'does not hold' ? 'not' : ''}">${esc(r.verdict)}</td></tr>`),
    '</table>',
  ];
  for (const e of results.experiments) {
    parts.push(`<h2 id="${esc(e.id)}">${esc(e.title)}</h2>`);
    parts.push(`<p><b>Claim.</b> ${esc(e.claim)}<br><b>Source.</b> ${esc(e.source)}<br><b>Setup.</b> ${esc(e.setup ?? '')} (${e.seconds?.toFixed(0) ?? '?'} s)</p>`);
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
