// This build against another build of simdgrad, row by row: every simdgrad
// workload of the benchmark (bench/rows.mjs: matmul, elementwise, dispatch,
// conv, the MLP and CNN training steps, batch norm), the two builds'
// batches alternated in one process (bench/lib/timing.mjs), one thread
// unless --threads says otherwise. Answers "did this change make any row
// slower?" on a machine whose speed drifts. Prints the ratio other time /
// this time per row (> 1: this build is faster) with the two spreads.
// Usage: npm run build && node bench/compare.mjs <other-checkout>/dist [--only conv] [--quick] [--threads n]
//   e.g. git worktree add /tmp/base HEAD~5 && (cd /tmp/base && npm ci && npm run build)
//        node bench/compare.mjs /tmp/base/dist
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as sg from '../dist/index.js';
import { rows } from './rows.mjs';
import { alternate } from './lib/timing.mjs';

const arg = (name) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? undefined : process.argv[i + 1]; };
const otherDir = process.argv[2];
if (!otherDir || otherDir.startsWith('--')) {
  console.log('Usage: node bench/compare.mjs <other-checkout>/dist [--only <row id or group>] [--quick] [--threads n]');
  process.exit(2);
}
const other = await import(pathToFileURL(resolve(otherDir, 'index.js')).href);
const only = arg('only');
const threads = Number(arg('threads') ?? 1);
const timing = process.argv.includes('--quick') ? { rounds: 3, warmupMs: 200, batchMs: 30 } : { rounds: 9, warmupMs: 500, batchMs: 80 };
for (const lib of [sg, other]) lib.setNumThreads(threads);
await Promise.all([sg.threadsReady?.(), other.threadsReady?.()]);

const out = [];
for (const row of rows) {
  if (only && !row.id.includes(only) && row.group !== only) continue;
  if ((row.requires ?? []).some((name) => typeof sg[name] !== 'function' || typeof other[name] !== 'function')) continue;
  const ours = await row.contenders.simdgrad({ sg }), theirs = await row.contenders.simdgrad({ sg: other });
  try {
    const t = await alternate({ ours: ours.run, theirs: theirs.run }, timing);
    const e = { id: row.id, ratio: t.theirs.ms / t.ours.ms, oursMs: t.ours.ms, otherMs: t.theirs.ms, spreadOurs: t.ours.spread, spreadOther: t.theirs.spread };
    out.push(e);
    console.log(`${row.id.padEnd(28)} this ${e.oursMs.toFixed(3).padStart(9)} ms  other ${e.otherMs.toFixed(3).padStart(9)} ms  ratio ${e.ratio.toFixed(2)}x  (spread ${(100 * e.spreadOurs).toFixed(0)}% / ${(100 * e.spreadOther).toFixed(0)}%)`);
  } finally {
    await ours.dispose?.();
    await theirs.dispose?.();
  }
}
const slower = out.filter((e) => e.ratio < 1 / (1 + Math.max(e.spreadOurs, e.spreadOther, 0.05)));
console.log(`\n${out.length} rows; ratio = other time / this time (> 1: this build is faster). ${slower.length ? `Slower beyond their spread: ${slower.map((e) => e.id).join(', ')}` : 'None slower beyond its spread.'}`);
await Promise.all([sg.terminateThreads?.(), other.terminateThreads?.()]);
process.exit(0);
