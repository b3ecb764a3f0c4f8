// The engine benchmark page: runs bench/engines/measure.mjs on this page's
// engine, shows progress and each result with its figure and hash, judges
// the hashes (plain SIMD against the reference computed in Node at build
// time, bench-expected.json; every variant against itself across thread
// counts) and offers the whole result as JSON. Works from any static host;
// served cross-origin isolated (npm run web) it also runs 2 threads.
import * as sg from '../dist/index.js';
import { measure } from '../bench/engines/measure.mjs';
import { workloads } from '../bench/engines/workloads.mjs';

const $ = (id) => document.getElementById(id);
const status = (text, error = false) => {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
};

/** The reference hashes, or null when the page was built without them. */
async function loadExpected() {
  try {
    const r = await fetch(new URL('bench-expected.json', import.meta.url));
    return r.ok ? await r.json() : null;
  } catch {
    return null;
  }
}

/** Marks each result valid or not: plain SIMD against the reference; every result against the other thread count's. */
export function judge(result, expected) {
  for (const r of result.results) {
    const reference = r.kernels === 'simd' ? expected?.expected?.[result.size]?.[r.workload] : undefined;
    const sibling = result.results.find((o) => o !== r && o.workload === r.workload && o.kernels === r.kernels);
    const problems = [];
    if (reference !== undefined && r.hash !== reference) problems.push(`expected ${reference}`);
    if (sibling && sibling.hash !== r.hash) problems.push(`${sibling.threads} thread(s) gave ${sibling.hash}`);
    r.valid = problems.length === 0;
    r.check = problems.length ? `INVALID: ${problems.join('; ')}` : reference !== undefined ? 'matches the reference' : sibling ? 'same on 1 and 2 threads' : 'no reference';
  }
  return result;
}

function show(result) {
  const defs = Object.fromEntries(workloads(result.size).map((w) => [w.id, w]));
  const body = $('results').tBodies[0];
  body.replaceChildren(...result.results.map((r) => {
    const w = defs[r.workload];
    const fig = w.figure(r.ms);
    const tr = document.createElement('tr');
    tr.dataset.valid = String(r.valid);
    for (const text of [w.label, r.kernels, String(r.threads), `${fig >= 100 ? fig.toFixed(0) : fig.toPrecision(3)} ${w.unit}`, r.hash, r.check]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
}

const expectedPromise = loadExpected();
const { threads, reason } = { threads: sg.threadingStatus().enabled, reason: sg.threadingStatus().reason };
$('engine').textContent = `${navigator.userAgent}; kernels: ${sg.wasmVariant()}; threads: ${threads ? 'yes' : `no (${reason})`}`;
status('Ready. Press Run.');
document.body.dataset.state = 'ready';

$('run').addEventListener('click', async () => {
  $('run').disabled = true;
  $('download').hidden = true;
  document.body.dataset.state = 'running';
  const size = $('size').value;
  try {
    const result = await measure(sg, { size, ...(size === 'smoke' ? { warmupMs: 10, samples: 1, sampleMs: 5 } : {}), onProgress: (t) => status(`Running: ${t}…`) });
    result.date = new Date().toISOString();
    result.userAgent = navigator.userAgent;
    judge(result, await expectedPromise);
    show(result);
    const invalid = result.results.filter((r) => !r.valid).length;
    status(`Done: ${result.results.length} results, ${invalid ? `${invalid} INVALID` : 'every hash as expected'}.`, invalid > 0);
    const a = $('download');
    if (a.href) URL.revokeObjectURL(a.href);
    a.href = URL.createObjectURL(new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' }));
    a.hidden = false;
    document.body.dataset.state = 'done';
  } catch (e) {
    status(`Failed: ${e.message}`, true);
    document.body.dataset.state = 'failed';
  } finally {
    $('run').disabled = false;
  }
});
