// Quick single-thread conv2d throughput check: 3x3 same-padding convolution,
// batch 32, 32x32 images, C = O = 32 and 64. Forward, input gradient and
// weight gradient timed separately (median of several runs after warm-up).
// The backward timings include the autograd walk's copy of the seed gradient.
// Time is this process's CPU time (process.cpuUsage), so other processes
// sharing the cores do not inflate it; wall time is printed alongside.
// Usage: npm run build && node bench/conv-quick.mjs
import * as sg from '../dist/index.js';
import asc from 'assemblyscript/asc';

// The SIMD ceiling measured now, on this machine: 8 independent mul+add
// chains (64 flops per iteration), compiled with the same asc options, so a
// loaded machine shows in both numbers.
const CEILING_SRC = `
export function ceiling(iters: i32, p: usize): void {
  let a0 = v128.load(p), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const x0 = v128.load(p, 16), x1 = v128.load(p, 32), m = v128.load(p, 48);
  for (let i = 0; i < iters; i++) {
    a0 = f32x4.add(a0, f32x4.mul(x0, m)); a1 = f32x4.add(a1, f32x4.mul(x1, m));
    a2 = f32x4.add(a2, f32x4.mul(x0, m)); a3 = f32x4.add(a3, f32x4.mul(x1, m));
    a4 = f32x4.add(a4, f32x4.mul(x0, m)); a5 = f32x4.add(a5, f32x4.mul(x1, m));
    a6 = f32x4.add(a6, f32x4.mul(x0, m)); a7 = f32x4.add(a7, f32x4.mul(x1, m));
  }
  v128.store(p, f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))));
}`;
async function ceilingGflops() {
  const { binary, error } = await asc.compileString(CEILING_SRC, { optimizeLevel: 3, runtime: 'stub', enable: ['simd'], importMemory: true });
  if (error) throw error;
  const { instance } = await WebAssembly.instantiate(binary, { env: { memory: new WebAssembly.Memory({ initial: 1 }), abort() {} } });
  const iters = 2e7;
  return (64 * iters) / time(() => instance.exports.ceiling(iters, 0)) / 1e6;
}

let lastWall = 0;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
function time(fn, reps = 7) {
  for (let i = 0; i < 2; i++) fn();
  const t = [], wall = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    fn();
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    t.push((c.user + c.system) / 1000);
  }
  lastWall = median(wall);
  return median(t);
}

console.log(`SIMD ceiling now: ${(await ceilingGflops()).toFixed(1)} GFLOP/s (CPU time), ${(lastWall && (64 * 2e7) / lastWall / 1e6).toFixed(1)} (wall)`);
for (const [N, C, O, H] of [[32, 32, 32, 32], [32, 64, 64, 32], [32, 32, 64, 32], [32, 64, 64, 16]]) {
  const flops = 2 * N * O * C * 9 * H * H;
  const gf = (ms) => (flops / ms / 1e6).toFixed(1);
  sg.scope(() => {
    const x = sg.randn([N, C, H, H]), w = sg.randn([O, C, 3, 3]);
    const g = sg.randn([N, O, H, H]);
    const fwd = time(() => sg.scope(() => sg.noGrad(() => sg.conv2d(x, w, null, { padding: 1 }))));
    const fwdWall = lastWall;
    const bwd = (xr, wr) => time(() => sg.scope(() => {
      const xi = x.detach().requiresGrad_(xr), wi = w.detach().requiresGrad_(wr);
      const y = sg.conv2d(xi, wi, null, { padding: 1 });
      y.backward(g);
      xi.grad?.dispose(); wi.grad?.dispose();
    }));
    const both = bwd(true, false), wOnly = bwd(false, true);
    const dx = both - fwd, dw = wOnly - fwd;
    console.log(`N=${N} C=${C} O=${O} ${H}x${H}: forward ${fwd.toFixed(2)} ms ${gf(fwd)} GFLOP/s | dx ${dx.toFixed(2)} ms ${gf(dx)} GFLOP/s | dW ${dw.toFixed(2)} ms ${gf(dw)} GFLOP/s (forward wall ${fwdWall.toFixed(2)} ms)`);
  });
}
