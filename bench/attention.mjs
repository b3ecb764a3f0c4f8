// Scaled dot-product attention, fused (F.scaledDotProductAttention) against
// the composed route (matmul, softmax, matmul), forward and forward +
// backward, batch 8, 4 heads, E = 64, L = S = 128 and 512, one thread,
// contenders alternated in one process (bench/lib/timing.mjs). With
// `--old <dir>`, the fused op of another build (<dir>/dist/index.js, e.g. an
// older commit's) is timed alongside.
// Usage: npm run build && node bench/attention.mjs [--old <dir>] [--sizes 128,512]
import * as sg from '../dist/index.js';
import { alternate } from './lib/timing.mjs';

const arg = (name) => { const i = process.argv.indexOf(name); return i < 0 ? undefined : process.argv[i + 1]; };
const oldDir = arg('--old');
const sizes = (arg('--sizes') ?? '128,512').split(',').map(Number);
const engines = { fused: sg };
if (oldDir) engines.old = await import(`${oldDir}/dist/index.js`);

const B = 8, H = 4, E = 64;
const rand = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);

/** q, k, v (B, H, L, E) leaves on engine m and the run of one pass (forward, or forward + backward) of one route. */
function setup(m, L, route, backward) {
  m.setNumThreads(1);
  const shape = [B, H, L, E], n = B * H * L * E;
  const [q, k, v] = [0, 1, 2].map(() => m.tensor(rand(n), { shape, requiresGrad: backward }));
  const g = m.tensor(rand(n), { shape });
  const attend = route === 'composed'
    ? () => m.matmul(m.softmax(m.matmul(q, k.transpose(-2, -1)).mul(1 / Math.sqrt(E)), -1), v)
    : () => m.F.scaledDotProductAttention(q, k, v);
  const run = () => m.scope(() => {
    const y = attend();
    if (!backward) return;
    y.backward(g);
    for (const t of [q, k, v]) { t.grad.dispose(); t.grad = null; }
  });
  return { run, dispose: () => { for (const t of [q, k, v, g]) t.dispose(); } };
}

console.log(`attention B=${B} H=${H} E=${E}, 1 thread, ms per call (median of alternated batches)`);
for (const L of sizes) {
  for (const backward of [false, true]) {
    const made = { composed: setup(sg, L, 'composed', backward) };
    for (const [name, m] of Object.entries(engines)) made[name] = setup(m, L, 'fused', backward);
    const res = await alternate(Object.fromEntries(Object.entries(made).map(([k, c]) => [k, c.run])), { rounds: 5, warmupMs: 300, batchMs: 150 });
    for (const c of Object.values(made)) c.dispose();
    const row = Object.entries(res).map(([k, r]) => `${k} ${r.ms.toFixed(2)} (±${(r.spread * 50).toFixed(0)}%)`).join('  ');
    console.log(`L=S=${L} ${backward ? 'fwd+bwd' : 'forward'}: ${row}`);
  }
}
