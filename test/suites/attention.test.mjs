// F.scaledDotProductAttention: forward against a float64 attention written
// here (batch broadcasting, float / bool / causal masks, scale, dropout with a
// known keep-mask), finite-difference gradients of query, key, value and a
// float mask, 0-size and L != S shapes, fully masked rows, dropout's
// expectation, thread-count determinism, and refused arguments.
import * as assert from 'uvu/assert';
import { suite, sg, rng, assertClose } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd, numel, broadcastShape, unravel, at } from '../helpers/ref.mjs';
import { refused } from '../helpers/refused.mjs';

const test = suite('attention');
const { F } = sg;

/**
 * float64 attention: q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev);
 * mask (broadcast to (..., L, S)): added, or with bool nonzero = take part;
 * drop: the scaled keep-mask (..., L, S) or null. Fully masked rows give zeros.
 */
export function refAttention(q, k, v, { mask = null, bool = false, causal = false, scale = null, drop = null } = {}) {
  const L = q.shape.at(-2), E = q.shape.at(-1), S = k.shape.at(-2), Ev = v.shape.at(-1);
  const batch = broadcastShape(broadcastShape(q.shape.slice(0, -2), k.shape.slice(0, -2)), v.shape.slice(0, -2));
  const [Q, K, V] = [[q, [L, E]], [k, [S, E]], [v, [S, Ev]]].map(([a, tail]) => spread(a, [...batch, ...tail]));
  const M = mask === null ? null : spread(mask, [...batch, L, S]), D = drop === null ? null : spread(drop, [...batch, L, S]);
  const s = scale ?? 1 / Math.sqrt(E);
  const out = nd([...batch, L, Ev]);
  for (let b = 0; b < numel(batch); b++) {
    for (let i = 0; i < L; i++) {
      const w = new Float64Array(S).fill(-Infinity);
      for (let j = 0; j < S; j++) {
        if (causal && j > i) continue;
        let d = 0;
        for (let e = 0; e < E; e++) d += Q[(b * L + i) * E + e] * K[(b * S + j) * E + e];
        const m = M === null ? 0 : M[(b * L + i) * S + j];
        w[j] = bool ? (m !== 0 ? s * d : -Infinity) : s * d + m;
      }
      const mx = Math.max(...w);
      if (mx === -Infinity) continue;
      let total = 0;
      for (let j = 0; j < S; j++) total += (w[j] = Math.exp(w[j] - mx));
      for (let j = 0; j < S; j++) {
        const p = (w[j] / total) * (D === null ? 1 : D[(b * L + i) * S + j]);
        for (let c = 0; c < Ev; c++) out.data[(b * L + i) * Ev + c] += p * V[(b * S + j) * Ev + c];
      }
    }
  }
  return out;
}

/** a's values broadcast to `shape`, as a flat Float64Array. */
function spread(a, shape) {
  if (a.shape.length === shape.length && a.shape.every((d, i) => d === shape[i])) return a.data;
  return Float64Array.from({ length: numel(shape) }, (_, i) => at(a, unravel(i, shape)));
}

const sdpa = (opts = {}) => ({
  fn: (q, k, v, m) => F.scaledDotProductAttention(q, k, v, { ...opts, ...(m ? { attnMask: m } : {}) }),
  ref: (q, k, v, m) => refAttention(q, k, v, { ...refOpts(opts), ...(m ? { mask: m } : {}) }),
});
const refOpts = (o) => ({ bool: o.boolMask ?? false, causal: o.isCausal ?? false, scale: o.scale ?? null });

test('forward and gradients of query, key and value against float64 (batched, L != S, scale)', () => {
  gradcheck({ inputs: [{ shape: [2, 3, 4] }, { shape: [2, 5, 4] }, { shape: [2, 5, 3] }], ...sdpa() });
  gradcheck({ inputs: [{ shape: [2, 2, 6, 5] }, { shape: [2, 2, 3, 5] }, { shape: [2, 2, 3, 7] }], ...sdpa({ scale: 0.7 }), seed: 2 });
  gradcheck({ inputs: [{ shape: [1, 9] }, { shape: [4, 9] }, { shape: [4, 1] }], ...sdpa(), seed: 3 }); // 2-d, E not a multiple of 4
});

test('isCausal: key j takes part in query i when j <= i (top-left, also for L != S); gradients', () => {
  for (const [L, S] of [[5, 5], [3, 6], [6, 3]]) {
    gradcheck({ inputs: [{ shape: [2, L, 4] }, { shape: [2, S, 4] }, { shape: [2, S, 5] }], ...sdpa({ isCausal: true }), seed: L * 10 + S });
  }
});

test('float masks (broadcast, with -inf) added to the scores; gradients of q, k, v and of the mask', () => {
  const L = 4, S = 5;
  const mask = Array.from({ length: L * S }, (_, i) => (i % 7 === 3 ? -Infinity : Math.sin(i)));
  gradcheck({ inputs: [{ shape: [2, 3, L, 4] }, { shape: [2, 3, S, 4] }, { shape: [2, 3, S, 2] }, { shape: [L, S], data: mask, grad: false }], ...sdpa(), seed: 5 });
  // a mask that requires grad: its gradient is ds summed over the broadcast dims
  gradcheck({ inputs: [{ shape: [2, 2, L, 3] }, { shape: [2, 2, S, 3] }, { shape: [2, 2, S, 3] }, { shape: [2, 1, 1, S] }], ...sdpa(), seed: 6 });
});

test('more query rows than a row block (130 > 64 forward, > 128 backward): values and gradients, causal, and a float mask with its gradient', () => {
  const L = 130, S = 5;
  gradcheck({ inputs: [{ shape: [1, L, 3] }, { shape: [1, S, 3] }, { shape: [1, S, 2] }], ...sdpa({ isCausal: true }), seed: 8 });
  gradcheck({ inputs: [{ shape: [2, L, 2] }, { shape: [2, S, 2] }, { shape: [2, S, 3] }, { shape: [L, S] }], ...sdpa({ scale: 0.4 }), seed: 9 });
});

test('bool masks (boolMask: nonzero takes part), broadcast over heads and rows; gradients', () => {
  const keep = [1, 1, 0, 1, 0, /* batch 2 */ 0, 1, 1, 1, 1];
  gradcheck({ inputs: [{ shape: [2, 2, 3, 4] }, { shape: [2, 2, 5, 4] }, { shape: [2, 2, 5, 3] }, { shape: [2, 1, 1, 5], data: keep, grad: false }], ...sdpa({ boolMask: true }), seed: 7 });
  const full = Array.from({ length: 3 * 5 }, (_, i) => (i % 4 === 1 ? 0 : 1));
  gradcheck({ inputs: [{ shape: [3, 4] }, { shape: [5, 4] }, { shape: [5, 3] }, { shape: [3, 5], data: full, grad: false }], ...sdpa({ boolMask: true }), seed: 8 });
});

test('batch dims broadcast between query, key and value; gradients summed back to each shape', () => {
  gradcheck({ inputs: [{ shape: [2, 3, 4, 5] }, { shape: [3, 6, 5] }, { shape: [2, 1, 6, 2] }], ...sdpa(), seed: 9 });
});

test('a fully masked query row gives zeros and no gradient; S = 0 gives zeros', () => {
  const q = sg.randn([3, 4], { requiresGrad: true }), k = sg.randn([5, 4], { requiresGrad: true }), v = sg.randn([5, 2], { requiresGrad: true });
  const keep = sg.tensor([[1, 0, 1, 1, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]]);
  const out = F.scaledDotProductAttention(q, k, v, keep, { boolMask: true });
  const expected = refAttention(nd([3, 4], q.toArray()), nd([5, 4], k.toArray()), nd([5, 2], v.toArray()), { mask: nd([3, 5], keep.toArray()), bool: true });
  assertClose(out.toArray(), expected.data, { atol: 1e-6 });
  assert.equal(Array.from(out.toArray().slice(2, 4)), [0, 0]);
  out.sum().backward();
  assert.equal(Array.from(q.grad.toArray().slice(4, 8)), [0, 0, 0, 0]);
  assert.ok([...q.grad.toArray(), ...k.grad.toArray(), ...v.grad.toArray()].every(Number.isFinite));
  const none = F.scaledDotProductAttention(sg.randn([2, 3, 4]), sg.randn([2, 0, 4]), sg.randn([2, 0, 5]));
  assert.equal(none.shape, [2, 3, 5]);
  assert.ok(none.toArray().every((x) => x === 0));
});

test('0-size batch, L and Ev: empty outputs of the right shape, empty gradients', () => {
  for (const [qs, ks, vs, os] of [
    [[0, 3, 4], [0, 5, 4], [0, 5, 2], [0, 3, 2]],
    [[2, 0, 4], [2, 5, 4], [2, 5, 2], [2, 0, 2]],
    [[2, 3, 4], [2, 5, 4], [2, 5, 0], [2, 3, 0]],
  ]) {
    const q = sg.randn(qs, { requiresGrad: true }), k = sg.randn(ks, { requiresGrad: true }), v = sg.randn(vs, { requiresGrad: true });
    const out = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    assert.equal(out.shape, os);
    out.sum().backward();
    for (const [t, s] of [[q, qs], [k, ks], [v, vs]]) {
      assert.equal(t.grad.shape, s);
      assert.ok(t.grad.toArray().every((x) => x === 0));
    }
  }
});

test('dropout: the weights dropped by the keep-mask F.dropout draws from the same seed, kept ones scaled; gradients', () => {
  const p = 0.4, shape = [2, 3, 5];
  sg.manualSeed(11);
  const keep = F.dropout(sg.ones(shape), p); // the scaled keep-mask of the same draw
  const keepRef = nd(shape, keep.toArray());
  assert.ok(keep.toArray().some((x) => x === 0) && keep.toArray().some((x) => x !== 0));
  gradcheck({
    inputs: [{ shape: [2, 3, 4] }, { shape: [2, 5, 4] }, { shape: [2, 5, 3] }],
    fn: (q, k, v) => {
      sg.manualSeed(11);
      return F.scaledDotProductAttention(q, k, v, null, p);
    },
    ref: (q, k, v) => refAttention(q, k, v, { drop: keepRef }),
    seed: 12,
  });
  // dropoutP = 1 drops everything
  const all = F.scaledDotProductAttention(sg.randn([2, 3, 4]), sg.randn([2, 5, 4]), sg.randn([2, 5, 3]), { dropoutP: 1 });
  assert.ok(all.toArray().every((x) => x === 0));
});

test('dropout preserves the expectation: the mean over 400 independent draws is the output without dropout', () => {
  const n = 400;
  const q = sg.randn([1, 2, 4]), k = sg.randn([1, 8, 4]), v = sg.randn([1, 8, 3]);
  const plain = F.scaledDotProductAttention(q, k, v).toArray();
  sg.manualSeed(3);
  const draws = F.scaledDotProductAttention(sg.expand(q, [n, 2, 4]), k, v, { dropoutP: 0.5 }).toArray();
  for (let c = 0; c < plain.length; c++) {
    let m = 0, m2 = 0;
    for (let i = 0; i < n; i++) m += draws[i * plain.length + c];
    m /= n;
    for (let i = 0; i < n; i++) m2 += (draws[i * plain.length + c] - m) ** 2;
    const se = Math.sqrt(m2 / (n - 1) / n);
    assert.ok(Math.abs(m - plain[c]) < 5 * se + 1e-6, `output ${c}: mean ${m} vs ${plain[c]} (standard error ${se})`);
  }
});

test('bit-identical results for 1, 2 and 3 threads (forward split by rows, backward by slices)', () => {
  const r = rng(21);
  const data = (s) => sg.tensor(Float32Array.from(r.array(numel(s), -1, 1)), { shape: s });
  // 150 query rows: several row blocks in the forward and the backward
  const q0 = data([2, 2, 150, 8]), k0 = data([2, 2, 19, 8]), v0 = data([2, 2, 19, 6]), m0 = data([150, 19]);
  const run = (threads) => {
    const prevN = sg.setNumThreads(threads), prevWork = sg.setMinWorkPerThread(0);
    try {
      return sg.scope(() => {
        const [q, k, v, m] = [q0, k0, v0, m0].map((t) => t.detach().requiresGrad_());
        const out = F.scaledDotProductAttention(q, k, v, m);
        out.backward(sg.onesLike(out));
        return [out, q.grad, k.grad, v.grad, m.grad].map((t) => t.toArray());
      });
    } finally {
      sg.setNumThreads(prevN);
      sg.setMinWorkPerThread(prevWork);
    }
  };
  const one = run(1);
  for (const t of [2, 3]) {
    run(t).forEach((a, i) => assert.ok(a.every((x, j) => Object.is(x, one[i][j])), `result ${i} with ${t} threads`));
  }
});

test('positional order and options agree; refused arguments leave the heap as it was', () => {
  const q = sg.randn([2, 3, 4]), k = sg.randn([2, 5, 4]), v = sg.randn([2, 5, 3]), m = sg.randn([3, 5]);
  const a = F.scaledDotProductAttention(q, k, v, m, 0, false, 0.3).toArray();
  const b = F.scaledDotProductAttention(q, k, v, { attnMask: m, scale: 0.3 }).toArray();
  assert.equal(Array.from(a), Array.from(b));
  const k3 = sg.randn([2, 5, 3]), v4 = sg.randn([2, 4, 3]), kb = sg.randn([3, 5, 4]), m45 = sg.randn([4, 5]), q1 = sg.randn([4]);
  refused(() => F.scaledDotProductAttention(q, k, v, m, 0, true), RangeError, /attnMask and isCausal/);
  refused(() => F.scaledDotProductAttention(q, k3, v), RangeError, /same last dim E/, /key \[2,5,3\]/);
  refused(() => F.scaledDotProductAttention(q, k, v4), RangeError, /number of positions S/);
  refused(() => F.scaledDotProductAttention(q, kb, v), RangeError, /batch dims/);
  refused(() => F.scaledDotProductAttention(q, k, v, m45), RangeError, /attnMask \[4,5\] must broadcast to the scores' shape \[2,3,5\]/);
  refused(() => F.scaledDotProductAttention(q1, k, v), RangeError, /query \[4\]: expected at least 2 dims/);
  refused(() => F.scaledDotProductAttention(q, k, v, { dropoutP: 1.5 }), RangeError, /dropoutP/);
  refused(() => F.scaledDotProductAttention(q, k, v, { is_causal: true }), TypeError, /isCausal/);
  refused(() => F.scaledDotProductAttention(q, k, v, { causal: true }), TypeError, /unknown option 'causal'/);
  refused(() => F.scaledDotProductAttention(q, k, [1, 2]), TypeError, /value/);
});

test.run();
