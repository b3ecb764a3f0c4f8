// One benchmark process: simdgrad against the peers named on the command
// line, row by row, each pair alternated in this process. Prints one JSON
// line (prefixed BENCH-JSON) with the results.
// Usage: node bench/session.mjs --peers tfjs-wasm,jax[,solo] [--only matmul] [--quick] [--threads n (default 1)]
// ('solo' also runs the rows that have no peer)
import * as sg from '../dist/index.js';
import { rows } from './rows.mjs';
import { alternate } from './lib/timing.mjs';
import { tfjs } from './peers/tfjs.mjs';
import { jax } from './peers/jax.mjs';
import { ort } from './peers/ort.mjs';

const arg = (name) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? undefined : process.argv[i + 1]; };
const peers = (arg('peers') ?? '').split(',').filter(Boolean);
const only = arg('only');
const quick = process.argv.includes('--quick');
const timing = quick ? { rounds: 3, warmupMs: 200, batchMs: 30 } : { rounds: 7, warmupMs: 500, batchMs: 60 };
const ctx = { sg, tfjs, jax, ort };
// the peers run on one thread in Node: so does simdgrad, unless --threads says otherwise
const threads = Number(arg('threads') ?? 1);
sg.setNumThreads(threads);

const results = [];
for (const row of rows) {
  if (only && !row.id.includes(only) && row.group !== only) continue;
  const missing = (row.requires ?? []).filter((name) => typeof sg[name] !== 'function');
  if (missing.length) { results.push({ id: row.id, skipped: `simdgrad does not export ${missing.join(', ')}` }); continue; }
  const names = Object.keys(row.contenders).filter((n) => n !== 'simdgrad' && peers.includes(n));
  // rows without a peer run in the session that lists 'solo'
  if (names.length === 0 && !(Object.keys(row.contenders).length === 1 && peers.includes('solo'))) continue;
  const pairs = names.length ? names : [null];
  for (const peer of pairs) {
    const entry = { id: row.id, group: row.group, label: row.label, unit: row.unit, lowerIsBetter: row.lowerIsBetter, peer };
    const made = {};
    try {
      made.simdgrad = await row.contenders.simdgrad(ctx);
      if (peer) made[peer] = await row.contenders[peer](ctx);
      const t = await alternate(Object.fromEntries(Object.entries(made).map(([n, s]) => [n, s.run])), timing);
      entry.ours = { figure: row.figure(t.simdgrad.ms), ms: t.simdgrad.ms, spread: t.simdgrad.spread };
      if (peer) {
        entry.theirs = { figure: row.figure(t[peer].ms), ms: t[peer].ms, spread: t[peer].spread, note: made[peer].note };
        entry.speedup = t[peer].ms / t.simdgrad.ms;
      }
      if (row.flops) entry.oursGflops = row.flops / t.simdgrad.ms / 1e6;
    } catch (e) {
      entry.error = String(e && e.stack ? e.stack.split('\n').slice(0, 3).join(' | ') : e);
    } finally {
      for (const s of Object.values(made)) { try { await s.dispose(); } catch { /* best effort */ } }
    }
    results.push(entry);
    process.stderr.write(`  ${row.id}${peer ? ` vs ${peer}` : ''}: ${entry.error ? `error ${entry.error}` : `${entry.ours.figure.toFixed(2)} ${row.unit}${peer ? ` vs ${entry.theirs.figure.toFixed(2)} (x${entry.speedup.toFixed(2)})` : ''}`}\n`);
  }
}
console.log(`BENCH-JSON ${JSON.stringify({ variant: sg.wasmVariant(), threads, peers, results })}`);
process.exit(0);
