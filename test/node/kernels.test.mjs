// Each kernel family of assembly/ against a plain scalar JavaScript reference
// on a small input, calling the built module (build/simdgrad.wasm, the plain
// SIMD variant) directly over a memory of its own: sizes that leave SIMD
// tails, strided and broadcast operands where the kernel takes them. Where
// the kernel's arithmetic is defined exactly (elementwise float32 steps,
// float64 scans, copies, orderings, the counter-based random numbers) the
// reference reproduces it bit for bit; where a kernel sums in its own order
// (SIMD lanes, float64 flushes) the reference is float64 and the tolerance a
// float32 rounding of the summed magnitudes. The convolution and Winograd
// families (assembly/conv.ts, winograd.ts) are covered through conv2d in
// test/suites/conv*.test.mjs against float64 references.
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { suite } from '../helpers/harness.mjs';

const test = suite('kernels against scalar references');

const memory = new WebAssembly.Memory({ initial: 32 });
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('../../build/simdgrad.wasm', import.meta.url)), { env: { memory } });
const K = instance.exports;

/** A bump allocator over the test's memory, reset by each test (64-byte aligned, from byte 1024). */
let top = 1024;
const reset = () => { top = 1024; };
const alloc = (floats) => { const p = top; top += Math.ceil((floats * 4 + 64) / 64) * 64; return p; };
const put = (values) => { const p = alloc(values.length); new Float32Array(memory.buffer, p, values.length).set(values); return p; };
const get = (p, n) => Float32Array.from(new Float32Array(memory.buffer, p, n));
const getF64 = (p) => new Float64Array(memory.buffer, p, 1)[0];

/** A small deterministic generator of float32 values in [lo, hi). */
function values(n, seed, lo = -2, hi = 2) {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return lo + ((s >>> 8) / 2 ** 24) * (hi - lo);
  });
}

const f = Math.fround;

function assertBits(got, want, what) {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], f(want[i]))) throw new Error(`${what}: element ${i} is ${got[i]}, the reference ${f(want[i])}`);
  }
}

/** |got - want| <= atol + rtol |want| per element (rtol: float32 roundings of the reference's magnitude). */
function assertNear(got, want, what, { rtol = 4e-7, atol = 1e-6, scale = null } = {}) {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const bound = atol + rtol * (scale === null ? Math.abs(want[i]) : scale[i]);
    if (!(Math.abs(got[i] - want[i]) <= bound)) throw new Error(`${what}: element ${i} is ${got[i]}, the reference ${want[i]} (bound ${bound})`);
  }
}

test('elementwise (generated): unary maps, broadcast binary ops, fused gradients', () => {
  reset();
  const n = 37;
  const x = values(n, 1), xp = put(x), out = alloc(n);
  const exactUnary = { neg: (v) => -v, abs: Math.abs, sqrt: (v) => Math.sqrt(Math.abs(v)), relu: (v) => Math.max(v, 0) };
  for (const [name, ref] of Object.entries(exactUnary)) {
    const input = name === 'sqrt' ? put(x.map(Math.abs)) : xp;
    K[`${name}_f32`](n, input, out);
    assertBits(get(out, n), Array.from(x, ref), `${name}_f32`);
  }
  for (const [name, ref] of Object.entries({ exp: Math.exp, tanh: Math.tanh, sigmoid: (v) => 1 / (1 + Math.exp(-v)) })) {
    K[`${name}_f32`](n, xp, out);
    assertNear(get(out, n), Array.from(x, ref), `${name}_f32`, { rtol: 4e-7 * 4 });
  }
  // out[i, j] = a[i, j] (a 3 x 5 matrix read transposed from 5 x 3) op b[j] (a row broadcast down)
  const a = values(15, 2), b = values(5, 3, 0.5, 2), ap = put(a), bp = put(b), cp = alloc(15);
  for (const [name, op] of Object.entries({ add: (u, v) => u + v, sub: (u, v) => u - v, mul: (u, v) => u * v, div: (u, v) => u / v, maximum: Math.max })) {
    K[`${name}_f32`](1, 1, 3, 5, ap, 0, 0, 1, 3, bp, 0, 0, 0, 1, cp);
    const want = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) want.push(op(a[j * 3 + i], b[j]));
    assertBits(get(cp, 15), want, `${name}_f32 (strided, broadcast)`);
  }
  // gradients: tanh's from the saved output (g (1 - y^2)), silu's from the saved input
  const y = Float32Array.from(x, (v) => f(Math.tanh(v))), g = values(n, 4), yp = put(y), gp = put(g);
  K.tanh_bwd_f32(n, yp, gp, out);
  assertBits(get(out, n), Array.from(y, (v, i) => f(g[i] * f(1 - f(v * v)))), 'tanh_bwd_f32');
  K.silu_bwd_f32(n, xp, gp, out);
  const silu = Array.from(x, (v, i) => { const s = 1 / (1 + Math.exp(-v)); return g[i] * s * (1 + v * (1 - s)); });
  assertNear(get(out, n), silu, 'silu_bwd_f32', { rtol: 4e-6, atol: 1e-6 });
});

test('copy: strided copy (transpose, repeat), fill, arange, where', () => {
  reset();
  const x = values(12, 5), xp = put(x), out = alloc(12);
  // out (4 x 3) = x (3 x 4) transposed
  K.copy_strided_f32(1, 1, 4, 3, xp, 0, 0, 1, 4, out, 0, 0, 3, 1);
  const t = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) t.push(x[j * 4 + i]);
  assertBits(get(out, 12), t, 'copy_strided_f32 (transpose)');
  K.copy_strided_f32(1, 1, 3, 4, xp, 0, 0, 0, 0, out, 0, 0, 4, 1);
  assertBits(get(out, 12), new Array(12).fill(x[0]), 'copy_strided_f32 (repeat)');
  K.fill_f32(11, out, 0.1);
  assertBits(get(out, 11), new Array(11).fill(0.1), 'fill_f32');
  K.arange_f32(11, out, -1.5, 0.3);
  assertBits(get(out, 11), Array.from({ length: 11 }, (_, i) => -1.5 + i * 0.3), 'arange_f32');
  const c = Float32Array.from({ length: 11 }, (_, i) => (i % 3 === 0 ? 0 : i)), a = values(11, 6), b = values(11, 7);
  K.where_f32(11, put(c), put(a), put(b), out);
  assertBits(get(out, 11), Array.from(c, (v, i) => (v !== 0 ? a[i] : b[i])), 'where_f32');
});

test('reduce: sums, extremes and arg-extremes along the middle axis of (outer, r, inner)', () => {
  reset();
  for (const [outer, r, inner] of [[2, 41, 1], [3, 7, 21], [1, 300, 5]]) {
    const n = outer * r * inner, x = values(n, outer + r + inner), xp = put(x), out = alloc(outer * inner);
    const line = (o, i) => Array.from({ length: r }, (_, k) => x[(o * r + k) * inner + i]);
    const cells = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) cells.push(line(o, i));
    K.sum_axis_f32(outer, r, inner, xp, out);
    assertNear(get(out, outer * inner), cells.map((l) => l.reduce((s, v) => s + v, 0)), `sum_axis_f32 ${outer}x${r}x${inner}`,
      { rtol: 4e-7, atol: 0, scale: cells.map((l) => l.reduce((s, v) => s + Math.abs(v), 0)) });
    K.max_axis_f32(outer, r, inner, xp, out);
    assertBits(get(out, outer * inner), cells.map((l) => Math.max(...l)), 'max_axis_f32');
    K.min_axis_f32(outer, r, inner, xp, out);
    assertBits(get(out, outer * inner), cells.map((l) => Math.min(...l)), 'min_axis_f32');
    K.argmax_axis_f32(outer, r, inner, xp, out, 1);
    assertBits(get(out, outer * inner), cells.map((l) => l.indexOf(Math.max(...l))), 'argmax_axis_f32');
  }
});

test('softmax: rows, log rows and the backward', () => {
  reset();
  const rows = 3, n = 13, x = values(rows * n, 8, -4, 4), xp = put(x), out = alloc(rows * n);
  const ref = [], logRef = [];
  for (let i = 0; i < rows; i++) {
    const row = Array.from(x.subarray(i * n, (i + 1) * n));
    const m = Math.max(...row), s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    for (const v of row) { ref.push(Math.exp(v - m) / s); logRef.push(v - m - Math.log(s)); }
  }
  K.softmax_rows_f32(rows, n, xp, out);
  assertNear(get(out, rows * n), ref, 'softmax_rows_f32', { rtol: 2e-6, atol: 1e-7 });
  K.log_softmax_rows_f32(rows, n, xp, out);
  assertNear(get(out, rows * n), logRef, 'log_softmax_rows_f32', { rtol: 2e-6, atol: 1e-6 });
  // dx = y (g - sum_j g_j y_j)
  const y = Float32Array.from(ref, f), g = values(rows * n, 9), dx = alloc(rows * n);
  K.softmax_rows_bwd_f32(rows, n, put(y), put(g), dx, 0);
  const want = [];
  for (let i = 0; i < rows; i++) {
    let dot = 0;
    for (let j = 0; j < n; j++) dot += g[i * n + j] * y[i * n + j];
    for (let j = 0; j < n; j++) want.push(y[i * n + j] * (g[i * n + j] - dot));
  }
  assertNear(get(dx, rows * n), want, 'softmax_rows_bwd_f32', { rtol: 2e-6, atol: 1e-6 });
});

/** Philox4x32-10 block (lo, hi) under key (k0, k1): the four 32-bit words. */
function philox(lo, hi, k0, k1) {
  let [c0, c1, c2, c3] = [lo >>> 0, hi >>> 0, 0, 0];
  for (let r = 0; r < 10; r++) {
    const p0 = 0xD2511F53n * BigInt(c0), p1 = 0xCD9E8D57n * BigInt(c2);
    const n0 = (Number(p1 >> 32n) ^ c1 ^ k0) >>> 0, n2 = (Number(p0 >> 32n) ^ c3 ^ k1) >>> 0;
    c1 = Number(p1 & 0xFFFFFFFFn); c3 = Number(p0 & 0xFFFFFFFFn); c0 = n0; c2 = n2;
    k0 = (k0 + 0x9E3779B9) >>> 0; k1 = (k1 + 0xBB67AE85) >>> 0;
  }
  return [c0, c1, c2, c3];
}

test('random: uniform and Bernoulli draws are Philox4x32-10 words, position by position', () => {
  reset();
  const n = 23, out = alloc(n), [k0, k1, clo, chi] = [12345, 678, 0xFFFFFFFE, 3];
  const words = [];
  for (let b = 0; b * 4 < n; b++) {
    const l = (clo + b) >>> 0;
    words.push(...philox(l, chi + (l < clo ? 1 : 0), k0, k1));
  }
  const unit = words.slice(0, n).map((w) => f((w >>> 8) * 2 ** -24));
  K.uniform_f32(n, out, k0, k1, clo, chi, -1, 3);
  assertBits(get(out, n), unit.map((u) => f(-1 + f(4 * u))), 'uniform_f32');
  K.bernoulli_f32(n, out, k0, k1, clo, chi, 0.3, 2.5);
  assertBits(get(out, n), unit.map((u) => (u < f(0.3) ? 2.5 : 0)), 'bernoulli_f32');
});

test('gemm: both register tiles (4x8, 6x8) equal the scalar k-ordered sum (K, row and column blocks, tile edges, bias, accumulate)', () => {
  for (const [M, N, Kd] of [[9, 19, 7], [13, 17, 33], [4, 8, 1], [6, 8, 3]]) {
    const A = values(M * Kd, M, -1, 1), B = values(Kd * N, N, -1, 1), bias = values(N, 3), C0 = values(M * N, 4);
    const want = [];
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let c = f(C0[i * N + j] + bias[j]);
      for (let k = 0; k < Kd; k++) c = f(c + f(A[i * Kd + k] * B[k * N + j]));
      want.push(c);
    }
    for (const kernel of ['gemm_4x8_f32', 'gemm_6x8_f32']) {
      reset();
      const ap = put(A), bp = put(B), biasp = put(bias), cp = put(C0), pack = alloc(64 * 1024);
      // kc = 16 splits K into blocks, mc = 12 and nc = 16 split rows and columns
      K[kernel](M, N, Kd, ap, Kd, 1, bp, N, 1, cp, N, biasp, 1, pack, 12, 16, 16);
      assertBits(get(cp, M * N), want, `${kernel} ${M}x${N}x${Kd}`);
    }
  }
});

test('optim: fused SGD (momentum, Nesterov, decay) and Adam (AMSGrad) steps reproduce the float32 update rules', () => {
  reset();
  const n = 11, p = values(n, 10), g = values(n, 11), buf = values(n, 12), pp = put(p), gp = put(g), bufp = put(buf);
  const [lr, mom, damp1, wd] = [0.1, 0.9, 0.75, 0.01];
  K.sgd_step_f32(n, pp, gp, bufp, lr, mom, damp1, wd, 1, 0);
  const wantBuf = [], wantP = [];
  for (let i = 0; i < n; i++) {
    const d = f(g[i] + f(f(wd) * p[i]));
    const nb = f(f(f(mom) * buf[i]) + f(f(damp1) * d));
    wantBuf.push(nb);
    wantP.push(f(p[i] - f(f(lr) * f(d + f(f(mom) * nb)))));
  }
  assertBits(get(bufp, n), wantBuf, 'sgd_step_f32 buffer');
  assertBits(get(pp, n), wantP, 'sgd_step_f32 parameter');
  const m = values(n, 13, -0.1, 0.1), v = values(n, 14, 0, 0.1), vmax = values(n, 15, 0, 0.1);
  const [ap, mp, vp, vmp] = [put(p), put(m), put(v), put(vmax)];
  const [b1c, b2, b2c, eps, step, bc2] = [0.1, 0.999, 0.001, 1e-8, 0.05, 0.3];
  K.adam_step_f32(n, ap, gp, mp, vp, vmp, b1c, b2, b2c, eps, wd, 1, step, bc2, 1, 0);
  const want = { p: [], m: [], v: [], vmax: [] };
  for (let i = 0; i < n; i++) {
    const gi = f(g[i] + f(f(wd) * p[i]));
    const mi = f(m[i] + f(f(b1c) * f(gi - m[i])));
    const vi = f(f(f(b2) * v[i]) + f(f(b2c) * f(gi * gi)));
    const vv = Math.max(vmax[i], vi);
    const denom = f(f(f(Math.sqrt(vv)) / f(bc2)) + f(eps));
    want.p.push(f(p[i] - f(f(step) * f(mi / denom))));
    want.m.push(mi); want.v.push(vi); want.vmax.push(vv);
  }
  assertBits(get(ap, n), want.p, 'adam_step_f32 parameter');
  assertBits(get(mp, n), want.m, 'adam_step_f32 first moment');
  assertBits(get(vp, n), want.v, 'adam_step_f32 second moment');
  assertBits(get(vmp, n), want.vmax, 'adam_step_f32 max second moment');
});

test('qr: rows orthonormalised by modified Gram-Schmidt twice, as a float64 reference', () => {
  reset();
  const k = 3, n = 7, a = values(k * n, 16), p = put(a);
  K.orthonormalize_rows_f32(k, n, p);
  const rows = Array.from({ length: k }, (_, j) => Array.from(a.subarray(j * n, (j + 1) * n), Number));
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const dot = rows[i].reduce((s, v, c) => s + v * rows[j][c], 0);
        rows[j] = rows[j].map((v, c) => v - dot * rows[i][c]);
      }
    }
    const norm = Math.sqrt(rows[j].reduce((s, v) => s + v * v, 0));
    rows[j] = rows[j].map((v) => v / norm);
  }
  assertNear(get(p, k * n), rows.flat(), 'orthonormalize_rows_f32', { rtol: 0, atol: 2e-6 });
});

test('batch norm: per-channel sums and statistics over (N, C, L), the per-channel affine map', () => {
  reset();
  const [N, C, L] = [3, 4, 9], x = values(N * C * L, 17), xp = put(x), out = alloc(C), mean = alloc(C), variance = alloc(C);
  const channel = (c) => { const vs = []; for (let n = 0; n < N; n++) for (let l = 0; l < L; l++) vs.push(x[(n * C + c) * L + l]); return vs; };
  const sums = Array.from({ length: C }, (_, c) => channel(c).reduce((s, v) => s + v, 0));
  // the row passes in two ranges of rows (as two threads would split them), each followed by the per-channel pass
  const rows = alloc(4 * N * C);
  for (const pass of [0, 1]) {
    K.bn_stats_rows_f32(0, 5, C, L, pass, xp, mean, rows);
    K.bn_stats_rows_f32(5, N * C, C, L, pass, xp, mean, rows);
    K.bn_stats_reduce_f32(N, C, N * L, pass, rows, mean, variance);
    // the channel sums: pass 0's rows added with M = 1
    if (pass === 0) {
      K.bn_stats_reduce_f32(N, C, 1, 0, rows, out, 0);
      assertNear(get(out, C), sums, 'channel sums', { rtol: 4e-7, atol: 1e-6 });
    }
  }
  const means = sums.map((s) => s / (N * L));
  assertNear(get(mean, C), means, 'bn_stats mean', { rtol: 4e-7, atol: 1e-7 });
  assertNear(get(variance, C), means.map((mu, c) => channel(c).reduce((s, v) => s + (v - mu) ** 2, 0) / (N * L)), 'bn_stats variance', { rtol: 1e-6, atol: 1e-7 });
  const scale = values(C, 18), shift = values(C, 19), y = alloc(N * C * L);
  K.channel_affine_f32(N, C, L, xp, put(scale), put(shift), y);
  assertBits(get(y, N * C * L), Array.from(x, (v, i) => { const c = Math.floor(i / L) % C; return f(f(v * scale[c]) + shift[c]); }), 'channel_affine_f32');
});

test('pool: adaptive average and max pooling windows (PyTorch\'s start/end), the first maximum\'s index', () => {
  reset();
  const [P, H, W, OH, OW] = [2, 7, 5, 3, 2], x = values(P * H * W, 20), xp = put(x), out = alloc(P * OH * OW), idx = alloc(P * OH * OW);
  const avg = [], max = [], arg = [];
  for (let p = 0; p < P; p++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    const ya = Math.floor((oy * H) / OH), yb = Math.ceil(((oy + 1) * H) / OH), xa = Math.floor((ox * W) / OW), xb = Math.ceil(((ox + 1) * W) / OW);
    let s = 0, best = -Infinity, at = 0;
    for (let y = ya; y < yb; y++) for (let xx = xa; xx < xb; xx++) {
      const v = x[(p * H + y) * W + xx];
      s = f(s + v);
      if (v > best) { best = v; at = y * W + xx; }
    }
    avg.push(f(s / ((yb - ya) * (xb - xa)))); max.push(best); arg.push(at);
  }
  K.adaptive_avg_pool2d_f32(P, H, W, OH, OW, xp, out, 0);
  assertBits(get(out, P * OH * OW), avg, 'adaptive_avg_pool2d_f32');
  K.adaptive_max_pool2d_f32(P, H, W, OH, OW, xp, out, idx);
  assertBits(get(out, P * OH * OW), max, 'adaptive_max_pool2d_f32');
  assertBits(get(idx, P * OH * OW), arg, 'adaptive_max_pool2d_f32 indices');
});

test('loss: per-row cross entropy of logits and NLL of log-probabilities, with class weights', () => {
  reset();
  const [N, C] = [4, 6], x = values(N * C, 21, -3, 3), t = [2, 0, 5, 1], w = values(C, 22, 0.5, 2);
  const xp = put(x), tp = put(t), wp = put(w), loss = alloc(N), lse = alloc(N);
  K.class_loss_fwd_f32(N, C, xp, tp, wp, loss, lse, -100, 0, 1);
  const rowLse = Array.from({ length: N }, (_, i) => {
    const row = Array.from(x.subarray(i * C, (i + 1) * C)), m = Math.max(...row);
    return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
  });
  assertNear(get(loss, N), t.map((c, i) => w[c] * (rowLse[i] - x[i * C + c])), 'class_loss_fwd_f32 (cross entropy)', { rtol: 2e-6, atol: 1e-6 });
  assertNear(get(lse, N), rowLse, 'class_loss_fwd_f32 (saved log-sum-exp)', { rtol: 1e-6, atol: 1e-6 });
  K.class_loss_fwd_f32(N, C, xp, tp, wp, loss, lse, -100, 0, 0);
  assertBits(get(loss, N), t.map((c, i) => -f(w[c] * x[i * C + c])), 'class_loss_fwd_f32 (NLL)');
});

test('norm: p-norms accumulated in float64 over several calls (p = 1, 2, Infinity, 3)', () => {
  reset();
  const a = values(19, 23), b = values(8, 24), ap = put(a), bp = put(b), acc = alloc(2), out = alloc(1);
  const all = [...a, ...b];
  for (const p of [1, 2, Infinity, 3]) {
    K.fill_f32(2, acc, 0);
    K.norm_accumulate_f64(19, ap, acc, p);
    K.norm_accumulate_f64(8, bp, acc, p);
    K.norm_finish_f64(acc, out, p);
    const want = p === Infinity ? Math.max(...all.map(Math.abs)) : all.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p);
    if (p === 1 || p === 2) assertBits(get(out, 1), [want], `norm p=${p}`);
    else assertNear(get(out, 1), [want], `norm p=${p}`, { rtol: 1e-6, atol: 0 });
    if (p === 1) assert.is(getF64(acc), all.reduce((s, v) => s + Math.abs(v), 0), 'the float64 accumulator holds the exact float64 sum');
  }
});

test('layer norm: rows normalised over K elements (mean, inverse std, affine)', () => {
  reset();
  const [rows, Kd] = [3, 10], x = values(rows * Kd, 25), w = values(Kd, 26), b = values(Kd, 27), eps = 1e-5;
  const out = alloc(rows * Kd), mean = alloc(rows), invstd = alloc(rows);
  K.rownorm_forward_f32(1, Kd, 1, 0, rows, put(x), put(w), put(b), out, mean, invstd, eps);
  const want = [], means = [], inv = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * Kd, (r + 1) * Kd));
    const mu = row.reduce((s, v) => s + v, 0) / Kd, s2 = 1 / Math.sqrt(row.reduce((s, v) => s + (v - mu) ** 2, 0) / Kd + eps);
    means.push(mu); inv.push(s2);
    row.forEach((v, k) => want.push((v - mu) * s2 * w[k] + b[k]));
  }
  assertNear(get(mean, rows), means, 'rownorm_forward_f32 mean', { rtol: 1e-6, atol: 1e-7 });
  assertNear(get(invstd, rows), inv, 'rownorm_forward_f32 inverse std', { rtol: 1e-6, atol: 0 });
  assertNear(get(out, rows * Kd), want, 'rownorm_forward_f32 output', { rtol: 2e-6, atol: 2e-6 });
});

test('scan: running sums and products in float64 (forward and reverse), products, cumprod\'s gradient', () => {
  reset();
  const [outer, r, inner] = [2, 6, 3], n = outer * r * inner, x = values(n, 28, -1.5, 1.5), g = values(n, 29), xp = put(x), out = alloc(n);
  const at = (o, k, i) => (o * r + k) * inner + i;
  for (const [product, reverse] of [[0, 0], [0, 1], [1, 0]]) {
    K.scan_axis_f32(outer, r, inner, xp, out, product, reverse);
    const want = new Array(n);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      let acc = product ? 1 : 0;
      for (let s = 0; s < r; s++) { const k = reverse ? r - 1 - s : s; acc = product ? acc * x[at(o, k, i)] : acc + x[at(o, k, i)]; want[at(o, k, i)] = acc; }
    }
    assertBits(get(out, n), want, `scan_axis_f32 product=${product} reverse=${reverse}`);
  }
  K.prod_axis_f32(outer, r, inner, xp, out);
  const prods = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) { let p = 1; for (let k = 0; k < r; k++) p *= x[at(o, k, i)]; prods.push(p); }
  assertBits(get(out, outer * inner), prods, 'prod_axis_f32');
  // dx_k = sum_{j >= k} g_j prod_{m <= j, m != k} x_m
  K.cumprod_bwd_f32(outer, r, inner, xp, put(g), out);
  const dx = new Array(n);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) for (let k = 0; k < r; k++) {
    let s = 0;
    for (let j = k; j < r; j++) { let p = 1; for (let m = 0; m <= j; m++) if (m !== k) p *= x[at(o, m, i)]; s += g[at(o, j, i)] * p; }
    dx[at(o, k, i)] = s;
  }
  assertNear(get(out, n), dx, 'cumprod_bwd_f32', { rtol: 1e-6, atol: 1e-7 });
});

test('indexing: rows selected and gathered by index, a stable sort with NaN largest, nonzero counting', () => {
  reset();
  const [outer, dimIn, inner] = [2, 5, 3], x = values(outer * dimIn * inner, 30), xp = put(x);
  const idx = [4, 0, 4, 2], out = alloc(outer * idx.length * inner);
  K.index_select_f32(outer, dimIn, inner, xp, idx.length, put(idx), out);
  const want = [];
  for (let o = 0; o < outer; o++) for (const j of idx) for (let i = 0; i < inner; i++) want.push(x[(o * dimIn + j) * inner + i]);
  assertBits(get(out, want.length), want, 'index_select_f32');
  const line = Float32Array.from([3, 1, NaN, 1, -2, 3, 0.5]), ip = alloc(line.length);
  K.sort_axis_f32(1, line.length, 1, put(line), ip, alloc(2 * line.length), 0);
  const order = [...line.keys()].sort((a, b) => (Number.isNaN(line[a]) ? 1 : 0) - (Number.isNaN(line[b]) ? 1 : 0) || line[a] - line[b] || a - b);
  assertBits(get(ip, line.length), order, 'sort_axis_f32 (ascending, stable)');
  const cnt = alloc(1);
  K.count_nonzero_f32(line.length, put(Float32Array.from([0, 1, NaN, 0, -0, 2, 0])), cnt);
  assertBits(get(cnt, 1), [3], 'count_nonzero_f32');
});

test.run();
