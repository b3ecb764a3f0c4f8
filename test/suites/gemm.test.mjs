// GEMM behind matmul/addmm: sizes around the 4x8 tile and the cache blocks
// (mc 64, kc 256, nc 1024), transposed operands, the accumulate and fused-bias
// modes, batched and 1-D products, empty dims; gradients by finite differences.
import * as assert from 'uvu/assert';
import { suite, sg, rng, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('gemm');

/** Row-major float32 data and its tensor. */
function mat(r, shape, lo = -1, hi = 1) {
  const data = r.array(R.numel(shape), lo, hi);
  return { data, t: sg.tensor(Float32Array.from(data), { shape }) };
}

/** float64 C = A B for row-major A [m, k], B [k, n], and the per-element error bound scale sum |a||b|. */
function refGemm(A, B, m, n, k) {
  const C = new Float64Array(m * n), S = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0, a = 0;
    for (let q = 0; q < k; q++) { s += A[i * k + q] * B[q * n + j]; a += Math.abs(A[i * k + q] * B[q * n + j]); }
    C[i * n + j] = s;
    S[i * n + j] = a;
  }
  return { C, S };
}

/** |got - want| <= eps k sum|a||b| per element (float32 accumulation error bound, k terms). */
function assertGemmClose(got, { C, S }, k, what) {
  const eps = 2 ** -23;
  for (let i = 0; i < C.length; i++) {
    const bound = 1e-30 + 2 * eps * Math.max(1, k) * S[i];
    if (!(Math.abs(got[i] - C[i]) <= bound)) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${C[i]} (bound ${bound})`);
  }
}

/** A [m, k] times B [k, n] through matmul, each operand stored either way round (a transposed view when stored transposed). */
function checkProduct(r, m, n, k, ta = false, tb = false) {
  const a = mat(r, ta ? [k, m] : [m, k]), b = mat(r, tb ? [n, k] : [k, n]);
  const av = ta ? sg.transpose(a.t, 0, 1) : a.t, bv = tb ? sg.transpose(b.t, 0, 1) : b.t;
  const A = ta ? R.permute(R.nd([k, m], a.data), [1, 0]).data : a.data;
  const B = tb ? R.permute(R.nd([n, k], b.data), [1, 0]).data : b.data;
  const c = sg.matmul(av, bv);
  assert.equal([...c.shape], [m, n]);
  assertGemmClose(c.toArray(), refGemm(A, B, m, n, k), k, `${m}x${n}x${k} ta=${ta} tb=${tb}`);
}

test('sizes around the 4x8 tile: M, N, K each in 1..2 tiles + 1 (a sweep, not a cube)', () => {
  const r = rng(1);
  const around = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17];
  for (const m of around) for (const n of around) checkProduct(r, m, n, 5);
  for (const k of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17]) for (const s of [3, 8, 9]) checkProduct(r, s, s + 5, k);
});

test('sizes across the cache blocks (mc 64, kc 256, nc 1024) and odd sizes', () => {
  const r = rng(2);
  for (const [m, n, k] of [[65, 9, 3], [129, 17, 5], [7, 11, 257], [5, 3, 513], [3, 1030, 2], [66, 1027, 3], [33, 65, 300], [1, 1, 1], [1, 37, 1], [37, 1, 19]]) {
    checkProduct(r, m, n, k);
  }
});

test('all four transpose combinations, with edge tiles and full tiles', () => {
  const r = rng(3);
  for (const [m, n, k] of [[13, 19, 11], [16, 16, 16], [4, 8, 3], [67, 9, 260]]) {
    for (const ta of [false, true]) for (const tb of [false, true]) checkProduct(r, m, n, k, ta, tb);
  }
});

test("plain SIMD ('simd') sums in increasing k, one float32 accumulator: bit-identical to a sequential fround loop", () => {
  const previous = sg.useVariant('simd');
  try {
    const r = rng(4);
    for (const [m, n, k, ta, tb] of [[13, 19, 300, false, false], [6, 1031, 7, true, false], [70, 10, 9, false, true]]) {
      const a = mat(r, ta ? [k, m] : [m, k]), b = mat(r, tb ? [n, k] : [k, n]);
      const c = sg.matmul(ta ? sg.transpose(a.t, 0, 1) : a.t, tb ? sg.transpose(b.t, 0, 1) : b.t).toArray();
      const A = (i, q) => (ta ? a.data[q * m + i] : a.data[i * k + q]), B = (q, j) => (tb ? b.data[j * k + q] : b.data[q * n + j]);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s = Math.fround(s + Math.fround(A(i, q) * B(q, j)));
        if (c[i * n + j] !== s) throw new Error(`${m}x${n}x${k}: element [${i}, ${j}] is ${c[i * n + j]}, the sequential float32 sum is ${s}`);
      }
    }
  } finally {
    sg.useVariant(previous);
  }
});

test('empty dims: M = 0 or N = 0 give empty results, K = 0 gives zeros (and addmm gives its input)', () => {
  assert.equal([...sg.matmul(sg.zeros([0, 5]), sg.zeros([5, 3])).shape], [0, 3]);
  assert.equal([...sg.matmul(sg.zeros([4, 5]), sg.zeros([5, 0])).shape], [4, 0]);
  const z = sg.matmul(sg.ones([4, 0]), sg.ones([0, 9]));
  assert.equal([...z.shape], [4, 9]);
  assert.equal(Array.from(z.toArray()), new Array(36).fill(0));
  const bias = sg.tensor([1, 2, 3]);
  assert.equal(Array.from(sg.addmm(bias, sg.ones([2, 0]), sg.ones([0, 3])).toArray()), [1, 2, 3, 1, 2, 3]);
  const full = sg.tensor([[1, 2], [3, 4]]);
  assert.equal(Array.from(sg.addmm(full, sg.ones([2, 0]), sg.ones([0, 2])).toArray()), [1, 2, 3, 4]);
});

test('addmm: fused bias ([n], [1, n]) and accumulate (full, [m, 1] and 0-d inputs) match input + A B', () => {
  const r = rng(5);
  for (const [m, n, k] of [[9, 13, 7], [64, 24, 260], [1, 1, 1]]) {
    const a = mat(r, [m, k]), b = mat(r, [k, n]);
    const { C, S } = refGemm(a.data, b.data, m, n, k);
    for (const shape of [[n], [1, n], [m, n], [m, 1], []]) {
      const inp = mat(r, shape);
      const out = sg.addmm(inp.t, a.t, b.t);
      assert.equal([...out.shape], [m, n]);
      const want = C.map((v, idx) => v + R.at(R.nd(shape, inp.data), R.unravel(idx, [m, n])));
      const scale = S.map((v, idx) => v + Math.abs(want[idx]));
      assertGemmClose(out.toArray(), { C: want, S: scale }, k + 1, `addmm input [${shape}] ${m}x${n}x${k}`);
    }
  }
  // transposed operands through addmm too
  const a = mat(r, [7, 5]), b = mat(r, [9, 7]);
  const out = sg.addmm(sg.ones([9]), sg.transpose(a.t, 0, 1), sg.transpose(b.t, 0, 1));
  const { C } = refGemm(R.permute(R.nd([7, 5], a.data), [1, 0]).data, R.permute(R.nd([9, 7], b.data), [1, 0]).data, 5, 9, 7);
  assertClose(out.toArray(), C.map((v) => v + 1), { atol: 1e-5, what: 'addmm transposed' });
});

test('batched matmul with broadcasting, folded and unfolded batch paths', () => {
  const r = rng(6);
  for (const [sa, sb] of [[[3, 5, 7], [7, 4]], [[2, 1, 5, 7], [3, 7, 4]], [[5, 7], [2, 7, 9]], [[2, 3, 9, 8], [2, 3, 8, 10]], [[1, 4, 6], [4, 6, 2]]]) {
    const a = mat(r, sa), b = mat(r, sb);
    const want = R.matmul(R.nd(sa, a.data), R.nd(sb, b.data));
    const got = sg.matmul(a.t, b.t);
    assert.equal([...got.shape], want.shape);
    assertClose(got.toArray(), want.data, { atol: 1e-5, what: `[${sa}] @ [${sb}]` });
  }
  // a batch view that is not one strided dim with the rows (no folding possible)
  const base = mat(r, [5, 3, 7]);
  const av = sg.permute(base.t, [1, 0, 2]); // [3, 5, 7], batch stride 7, row stride 21
  const b = mat(r, [7, 6]);
  const want = R.matmul(R.permute(R.nd([5, 3, 7], base.data), [1, 0, 2]), R.nd([7, 6], b.data));
  assertClose(sg.matmul(av, b.t).toArray(), want.data, { atol: 1e-5, what: 'permuted batch' });
});

test('1-D operands: dot, vector-matrix, matrix-vector, vector-batched', () => {
  const r = rng(7);
  const v = mat(r, [6]), w = mat(r, [6]), M = mat(r, [6, 5]), N = mat(r, [4, 6]), B = mat(r, [2, 6, 3]);
  const dot = sg.matmul(v.t, w.t);
  assert.equal([...dot.shape], []);
  assertClose(dot.toArray(), [v.data.reduce((s, x, i) => s + x * w.data[i], 0)], { what: 'dot' });
  const vm = sg.matmul(v.t, M.t);
  assert.equal([...vm.shape], [5]);
  assertClose(vm.toArray(), R.matmul(R.nd([1, 6], v.data), R.nd([6, 5], M.data)).data, { what: 'vector-matrix' });
  const mv = sg.matmul(N.t, v.t);
  assert.equal([...mv.shape], [4]);
  assertClose(mv.toArray(), R.matmul(R.nd([4, 6], N.data), R.nd([6, 1], v.data)).data, { what: 'matrix-vector' });
  const vb = sg.matmul(v.t, B.t);
  assert.equal([...vb.shape], [2, 3]);
  assertClose(vb.toArray(), R.matmul(R.nd([1, 6], v.data), R.nd([2, 6, 3], B.data)).data, { what: 'vector-batched' });
});

test('errors name the op and the shapes', () => {
  assertThrows(() => sg.matmul(sg.ones([2, 3]), sg.ones([4, 5])), 'matmul', '[2,3]', '[4,5]');
  assertThrows(() => sg.matmul(sg.ones([2, 2, 3]), sg.ones([3, 3, 4])), 'matmul');
  assertThrows(() => sg.addmm(sg.ones([3]), sg.ones([2, 3]), sg.ones([4, 5])), 'addmm', 'mat1 [2,3]', 'mat2 [4,5]');
  assertThrows(() => sg.addmm(sg.ones([5]), sg.ones([2, 3]), sg.ones([3, 4])), 'addmm', 'input [5]');
  assertThrows(() => sg.addmm(sg.ones([4]), sg.ones([2, 2, 3]), sg.ones([3, 4])), 'addmm', '2-D');
});

const refMM = (a, b) => R.matmul(a, b);
const T = (a) => R.permute(a, [1, 0]);

test('matmul gradients (gradcheck): 2-D, edge tiles, transposed views, broadcast batch, 1-D', () => {
  gradcheck({ inputs: [{ shape: [5, 9] }, { shape: [9, 11] }], fn: sg.matmul, ref: refMM });
  gradcheck({ inputs: [{ shape: [7, 5] }, { shape: [3, 7] }], fn: (a, b) => sg.matmul(sg.transpose(a, 0, 1), sg.transpose(b, 0, 1)), ref: (a, b) => refMM(T(a), T(b)) });
  // a shared right operand: its gradient is one GEMM over the merged batch
  gradcheck({ inputs: [{ shape: [2, 3, 4] }, { shape: [4, 5] }], fn: sg.matmul, ref: refMM });
  gradcheck({ inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }], fn: sg.matmul, ref: refMM });
  gradcheck({ inputs: [{ shape: [4] }, { shape: [2, 4, 3] }], fn: sg.matmul, ref: (a, b) => R.reshape(refMM(R.nd([1, 4], a.data), b), [2, 3]) });
  gradcheck({ inputs: [{ shape: [3, 4] }, { shape: [4] }], fn: sg.matmul, ref: (a, b) => R.reshape(refMM(a, R.nd([4, 1], b.data)), [3]) });
  // only one side requiring grad
  gradcheck({ inputs: [{ shape: [3, 6] }, { shape: [6, 2], grad: false }], fn: sg.matmul, ref: refMM });
  gradcheck({ inputs: [{ shape: [3, 6], grad: false }, { shape: [2, 6, 2] }], fn: sg.matmul, ref: refMM });
});

test('addmm gradients (gradcheck): fused bias and accumulate paths', () => {
  const addRef = (inp, a, b) => R.zip((x, y) => x + y, inp, refMM(a, b));
  gradcheck({ inputs: [{ shape: [6] }, { shape: [3, 5] }, { shape: [5, 6] }], fn: sg.addmm, ref: addRef });
  gradcheck({ inputs: [{ shape: [3, 6] }, { shape: [3, 5] }, { shape: [5, 6] }], fn: sg.addmm, ref: addRef });
  gradcheck({ inputs: [{ shape: [3, 1] }, { shape: [3, 5] }, { shape: [5, 6] }], fn: sg.addmm, ref: addRef });
});

test.run();
