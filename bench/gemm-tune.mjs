// Kernel-level GEMM tuning: times gemm_4x8_f32 and gemm_6x8_f32 straight on the wasm module for
// a few block sizes and checks them against gemm_ref_f32.
// Usage: node [--experimental-wasm-relaxed-simd] bench/gemm-tune.mjs [relaxed]
//    or: deno run --allow-read bench/gemm-tune.mjs [relaxed]
import { readFileSync } from 'node:fs';

const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const file = args[0] === 'relaxed' ? 'build/simdgrad-relaxed.wasm' : 'build/simdgrad.wasm';
const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536 });
const { instance: { exports: k } } = await WebAssembly.instantiate(readFileSync(file), { env: { memory } });
const f32 = new Float32Array(memory.buffer);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function run(n, trans, blocks, reps) {
  const [mr, mc, kc, nc] = blocks;
  const A = 1 << 20, B = A + n * n * 4, C = B + n * n * 4, R = C + n * n * 4, P = R + n * n * 4;
  for (let i = 0; i < n * n; i++) { f32[A / 4 + i] = Math.sin(i); f32[B / 4 + i] = Math.cos(i); }
  const [sa0, sa1] = trans[0] ? [1, n] : [n, 1];
  const [sb0, sb1] = trans[1] ? [1, n] : [n, 1];
  const call = () => k[`gemm_${mr}x8_f32`](n, n, n, A, sa0, sa1, B, sb0, sb1, C, n, 0, 0, P, mc, kc, nc);
  call();
  if (n <= 256) {
    k.gemm_ref_f32(n, n, n, A, sa0, sa1, B, sb0, sb1, R, n, 0, 0);
    let same = 0;
    for (let i = 0; i < n * n; i++) same += f32[C / 4 + i] === f32[R / 4 + i] ? 1 : 0;
    if (same !== n * n && !file.includes('relaxed')) throw new Error(`mismatch: ${n * n - same} elements differ`);
  }
  const times = [];
  for (let r = 0; r < reps; r++) { const t = performance.now(); call(); times.push(performance.now() - t); }
  return (2 * n ** 3) / median(times) / 1e6;
}

for (let w = 0; w < 3; w++) run(256, [0, 0], [4, 64, 256, 512], 5);
// tile height (the kernel gemm_{mr}x8_f32), mc, kc, nc
const configs = [[6, 72, 256, 1024], [4, 72, 256, 1024], [6, 48, 256, 512], [4, 64, 128, 1024], [6, 120, 384, 256]];
for (const n of [128, 256, 512, 1024]) {
  for (const trans of [[0, 0], [0, 1], [1, 0]]) {
    const row = configs.map((c) => run(n, trans, c, n >= 1024 ? 5 : 15).toFixed(1));
    console.log(`n=${n} trans=${trans.join('')} GFLOP/s for mr/mc/kc/nc ${configs.map((c) => c.join('/')).join(' ')}: ${row.join(' ')}`);
  }
}
