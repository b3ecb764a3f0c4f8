// Quick single-thread conv2d throughput check: 3x3 same-padding convolution,
// batch 32, 32x32 images, C = O = 32 and 64. Forward, input gradient and
// weight gradient timed separately (median of several runs after warm-up).
// Backward timings cover y.backward(g) alone (which includes the autograd
// walk's copy of the seed gradient).
// Rates are given twice: from the median CPU time of this process
// (process.cpuUsage: other processes sharing the cores do not inflate it)
// and from the best wall time of the runs.
// Usage: npm run build && node bench/conv-quick.mjs
import * as sg from '../dist/index.js';
import asc from 'assemblyscript/asc';

// Two references measured now, on this machine, compiled with the same asc
// options, so a loaded machine shows in every number: the SIMD ceiling (8
// independent mul+add chains, 64 flops per iteration, no loads) and the cap
// of the 4x8 loadsplat structure itself (the same 64 flops fed by 2 vector
// loads and 4 splat loads from L1, no other work).
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
}
export function loadsplat(iters: i32, p: usize): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let i = 0; i < iters; i++) {
    const q = p + ((<usize>i & 63) << 5);
    const b0 = v128.load(q), b1 = v128.load(q, 16);
    let a = v128.load32_splat(q, 4096);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(q, 4100);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(q, 4104);
    c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(q, 4108);
    c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
  }
  v128.store(p, f32x4.add(f32x4.add(f32x4.add(c00, c01), f32x4.add(c10, c11)), f32x4.add(f32x4.add(c20, c21), f32x4.add(c30, c31))));
}`;
async function referenceGflops() {
  const { binary, error } = await asc.compileString(CEILING_SRC, { optimizeLevel: 3, runtime: 'stub', enable: ['simd'], importMemory: true });
  if (error) throw error;
  const { instance } = await WebAssembly.instantiate(binary, { env: { memory: new WebAssembly.Memory({ initial: 1 }), abort() {} } });
  const iters = 2e7;
  const rate = (name) => { const cpu = time(() => instance.exports[name](iters, 1024)); return `${((64 * iters) / cpu / 1e6).toFixed(1)}/${((64 * iters) / lastWall / 1e6).toFixed(1)}`; };
  return { ceiling: rate('ceiling'), loadsplat: rate('loadsplat') };
}

let lastWall = 0;
// single thread: the figures are per core
sg.setNumThreads(1);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
/** Median CPU time (ms) of fn(setup()) over reps runs after warm-up; setup is not timed. */
function time(fn, reps = 7, setup = () => undefined) {
  for (let i = 0; i < 2; i++) fn(setup());
  const t = [], wall = [];
  for (let i = 0; i < reps; i++) {
    const arg = setup();
    const c0 = process.cpuUsage(), t0 = performance.now();
    fn(arg);
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    t.push((c.user + c.system) / 1000);
  }
  lastWall = Math.min(...wall);
  return median(t);
}

const ref = await referenceGflops();
console.log(`GFLOP/s as cpu-median/wall-best. Now: SIMD ceiling ${ref.ceiling}, 4x8 loadsplat structure cap ${ref.loadsplat}`);
for (const [N, C, O, H] of [[32, 32, 32, 32], [32, 64, 64, 32], [32, 32, 64, 32], [32, 64, 64, 16]]) {
  const flops = 2 * N * O * C * 9 * H * H;
  const gf = (ms) => (flops / ms / 1e6).toFixed(1);
  sg.scope(() => {
    const x = sg.randn([N, C, H, H]), w = sg.randn([O, C, 3, 3]);
    const g = sg.randn([N, O, H, H]);
    const rate = (cpu) => `${gf(cpu)}/${gf(lastWall)}`;
    const fwd = rate(time(() => sg.scope(() => sg.noGrad(() => sg.conv2d(x, w, null, { padding: 1 })))));
    // backward only: the graph is built untimed, then y.backward(g) is timed
    const bwd = (xr, wr) => {
      let live = [];
      const ms = time(({ xi, wi, y }) => {
        y.backward(g);
        (xr ? xi : wi).grad.dispose();
      }, 7, () => {
        for (const t of live) t.dispose();
        const xi = x.detach().requiresGrad_(xr), wi = w.detach().requiresGrad_(wr);
        const y = sg.conv2d(xi, wi, null, { padding: 1 });
        live = [xi, wi, y];
        return { xi, wi, y };
      });
      for (const t of live) t.dispose();
      return rate(ms);
    };
    const dx = bwd(true, false), dw = bwd(false, true);
    console.log(`N=${N} C=${C} O=${O} ${H}x${H} 3x3 pad 1: forward ${fwd} | input grad ${dx} | weight grad ${dw} GFLOP/s`);
  });
}
