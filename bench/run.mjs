// The benchmark: simdgrad against TensorFlow.js (wasm, cpu), jax-js and
// onnxruntime-web, single thread, in Node. Each pair is alternated within one
// process (bench/session.mjs); onnxruntime-web runs in a process of its own
// (its session installs a global Worker that breaks jax-js). Writes
// bench/results/<timestamp>.json and prints a table.
// Usage: npm run bench [-- --only matmul] [-- --quick] [-- --relaxed] [-- --threads n]
//        npm run bench -- --torch [...]: PyTorch native CPU instead (bench/torch.mjs, same as npm run bench:torch)
import { execFileSync } from 'node:child_process';

if (process.argv.includes('--torch')) {
  execFileSync(process.execPath, ['bench/torch.mjs', ...process.argv.slice(2).filter((a) => a !== '--torch')], { stdio: 'inherit' });
  process.exit(0);
}
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

// --relaxed: run Node with relaxed SIMD enabled (Node 20 has it behind a flag), so simdgrad picks its relaxed-simd kernels
const relaxed = process.argv.includes('--relaxed');
const passThrough = process.argv.slice(2).filter((a) => a !== '--relaxed');
const nodeFlags = relaxed ? ['--experimental-wasm-relaxed-simd'] : [];
const sessions = [['tfjs-wasm', 'tfjs-cpu', 'jax', 'solo'], ['ort']];
const all = [];
let variant, threads;
for (const peers of sessions) {
  process.stderr.write(`session: simdgrad vs ${peers.join(', ')}\n`);
  const out = execFileSync(process.execPath, [...nodeFlags, 'bench/session.mjs', '--peers', peers.join(','), ...passThrough], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 }).toString();
  const line = out.split('\n').find((l) => l.startsWith('BENCH-JSON '));
  if (!line) throw new Error(`session ${peers} printed no results:\n${out}`);
  const r = JSON.parse(line.slice('BENCH-JSON '.length));
  variant = r.variant;
  threads = r.threads;
  all.push(...r.results);
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const table = [['row', 'unit', 'simdgrad', 'peer', 'peer figure', 'speedup (peer time / ours)', 'noise (spread ours / peer)']];
for (const e of all) {
  if (e.skipped) { table.push([e.id, '', 'skipped', '', '', e.skipped, '']); continue; }
  if (e.error) { table.push([e.id, e.unit, 'error', e.peer ?? '', '', e.error.slice(0, 80), '']); continue; }
  table.push([
    e.id, e.unit, fmt(e.ours.figure) + (e.oursGflops ? ` (${fmt(e.oursGflops)} GFLOP/s)` : ''), e.peer ?? '-',
    e.theirs ? fmt(e.theirs.figure) + (e.theirs.note ? ` [${e.theirs.note}]` : '') : '-',
    e.speedup ? `${e.speedup.toFixed(2)}x` : '-',
    `${(e.ours.spread * 100).toFixed(0)}%${e.theirs ? ` / ${(e.theirs.spread * 100).toFixed(0)}%` : ''}`,
  ]);
}
const widths = table[0].map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
for (const [i, r] of table.entries()) {
  console.log(r.map((v, c) => String(v).padEnd(widths[c])).join(' | '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${stamp}.json`;
writeFileSync(file, JSON.stringify({
  date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, cores: os.cpus().length,
  loadavg: os.loadavg(), variant, threads, args: passThrough, results: all,
}, null, 2));
console.log(`\nsimdgrad kernels: ${variant}, ${threads} thread(s) (rows marked "threads" set their own); wrote ${file}`);
