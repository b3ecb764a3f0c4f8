// Indexing ops (maskedFill, scatter, scatterAdd, oneHot, sort, argsort, topk,
// nonzero): values against references computed here, finite-difference
// gradients, repeated indices, NaN ordering, strided and 0-size inputs, checks.
import * as assert from 'uvu/assert';
import { suite, sg, assertThrows, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('ops: indexing');

test('maskedFill: broadcast mask, number and 0-d tensor values, gradients to both', () => {
  const mask = [1, 0, 0, 1];
  gradcheck({
    inputs: [{ shape: [3, 4] }, { shape: [4], data: mask, grad: false }],
    fn: (x, m) => x.maskedFill(m, -2.5),
    ref: (x, m) => R.zip((v, c) => (c ? -2.5 : v), x, m),
  });
  gradcheck({
    inputs: [{ shape: [2, 3] }, { shape: [2, 1], data: [0, 1], grad: false }, { shape: [] }],
    fn: (x, m, v) => sg.maskedFill(x, m, v),
    ref: (x, m, v) => R.zip((a, c, b) => (c ? b : a), x, m, v),
  });
  assertThrows(() => sg.maskedFill(sg.zeros([3]), sg.zeros([2, 3]), 0), 'maskedFill: mask [2,3] must broadcast to the input');
  assertThrows(() => sg.maskedFill(sg.zeros([3]), sg.zeros([3]), sg.zeros([3])), 'maskedFill: value must be a number or a 0-d tensor');
});

/** Reference scatter/scatterAdd along dim over the index space (row-major order). */
function refScatter(x, dim, index, src, add) {
  const out = R.nd(x.shape, x.data.slice());
  const xs = R.stridesOf(x.shape), ss = src.shape ? R.stridesOf(src.shape) : null;
  for (let p = 0; p < index.data.length; p++) {
    const pos = R.unravel(p, index.shape);
    const v = ss ? src.data[pos.reduce((a, q, d) => a + q * ss[d], 0)] : src;
    const at = pos.reduce((a, q, d) => a + (d === dim ? index.data[p] : q) * xs[d], 0);
    out.data[at] = add ? out.data[at] + v : v;
  }
  return out;
}

test('scatter and scatterAdd: forward and gradients (dim 0 and 1, src larger than the index)', () => {
  const index = [2, 0, 1, 1, 0, 2];
  for (const dim of [0, 1]) {
    for (const add of [false, true]) {
      // distinct indices per row for scatter (each position written once), repeats for scatterAdd
      const idx = dim === 0 ? (add ? [0, 1, 0, 1, 0, 0] : [0, 1, 2, 2, 0, 1]) : add ? index : [2, 0, 1, 1, 0, 2];
      gradcheck({
        inputs: [{ shape: [3, 3] }, { shape: [2, 3], data: idx, grad: false }, { shape: [2, 4] }],
        fn: (x, i, s) => (add ? sg.scatterAdd(x, dim, i, s) : x.scatter(dim, i, s)),
        ref: (x, i, s) => refScatter(x, dim, i, s, add),
        seed: dim * 2 + (add ? 1 : 0),
      });
    }
  }
});

test('scatter of a number, repeated indices (the last write wins), scatterAdd sums repeats', () => {
  const x = sg.zeros([2, 3]);
  assert.equal(x.scatter(1, sg.tensor([[2], [0]]), 4).tolist(), [[0, 0, 4], [4, 0, 0]]);
  assert.equal(sg.scatter(sg.zeros([3]), 0, sg.tensor([1, 1, 1]), sg.tensor([5, 6, 7])).tolist(), [0, 7, 0]);
  assert.equal(sg.scatterAdd(sg.zeros([3]), 0, sg.tensor([0, 2, 0]), sg.tensor([1, 2, 3])).tolist(), [4, 0, 2]);
  assertThrows(() => sg.scatter(sg.zeros([2, 3]), 1, sg.tensor([[3]]), 1), 'scatter: index 3', 'not an integer in [0, 3)');
  assertThrows(() => sg.scatter(sg.zeros([2, 3]), 1, sg.tensor([[0.5]]), 1), 'index 0.5');
  assertThrows(() => sg.scatter(sg.zeros([2, 3]), 1, sg.tensor([0]), 1), 'must have as many dims as the input');
  assertThrows(() => sg.scatterAdd(sg.zeros([2, 3]), 1, sg.zeros([2, 2]), sg.zeros([2, 1])), 'index may not be larger than src');
});

test('scatter on strided operands and a 0-size index', () => {
  gradcheck({
    inputs: [{ shape: [3, 2] }, { shape: [2, 2], data: [1, 0, 0, 1], grad: false }, { shape: [2, 2] }],
    fn: (x, i, s) => sg.scatterAdd(x.t(), 0, i.t(), s.t()),
    ref: (x, i, s) => refScatter(R.permute(x, [1, 0]), 0, R.permute(i, [1, 0]), R.permute(s, [1, 0]), true),
  });
  const x = sg.ones([2, 2]);
  assert.equal(sg.scatter(x, 0, sg.zeros([0, 2]), 5).tolist(), [[1, 1], [1, 1]]);
});

test('oneHot: explicit and inferred class counts, any shape; checks', () => {
  assert.equal(sg.F.oneHot(sg.tensor([0, 2]), 3).tolist(), [[1, 0, 0], [0, 0, 1]]);
  assert.equal(sg.oneHot(sg.tensor([[1], [3]])).shape, [2, 1, 4]);
  assertThrows(() => sg.oneHot(sg.tensor([0, 3]), 3), 'oneHot: class index 3 (at flat position 1) must be an integer in [0, numClasses = 3)');
  assertThrows(() => sg.oneHot(sg.tensor([-1])), 'oneHot: class index -1');
  assertThrows(() => sg.oneHot(sg.zeros([0])), 'cannot infer numClasses');
  assert.equal(sg.oneHot(sg.zeros([0]), 2).shape, [0, 2]);
});

/** Reference stable sort of each line: [values, indices]. */
function refSort(x, dim, descending) {
  const vals = R.nd(x.shape, x.data.slice()), idx = R.nd(x.shape);
  const st = R.stridesOf(x.shape);
  const rank = (a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b);
  for (let i = 0; i < x.data.length; i++) {
    const pos = R.unravel(i, x.shape);
    if (pos[dim] !== 0) continue;
    const line = Array.from({ length: x.shape[dim] }, (_, k) => [x.data[i + k * st[dim]], k]);
    line.sort((a, b) => (descending ? rank(b[0], a[0]) : rank(a[0], b[0])) || a[1] - b[1]);
    line.forEach(([v, k], j) => { vals.data[i + j * st[dim]] = v; idx.data[i + j * st[dim]] = k; });
  }
  return [vals, idx];
}

test('sort and argsort along each dim, both directions, ties stable, NaN largest', () => {
  const r = rng(3);
  const data = Array.from({ length: 60 }, () => Math.round(r.uniform(-4, 4)));
  data[5] = NaN;
  data[17] = NaN;
  const x = sg.tensor(data, { shape: [3, 4, 5] });
  const ref = R.nd([3, 4, 5], data);
  for (const dim of [0, 1, 2]) {
    for (const descending of [false, true]) {
      const [v, i] = x.sort(dim, descending);
      const [rv, ri] = refSort(ref, dim, descending);
      assert.equal(Array.from(v.toArray()), Array.from(rv.data, Math.fround));
      assert.equal(Array.from(i.toArray()), Array.from(ri.data));
      assert.equal(Array.from(sg.argsort(x, { dim, descending }).toArray()), Array.from(ri.data));
    }
  }
  const s = sg.sort(sg.tensor([3, 1, 2]));
  assert.equal(s.values.tolist(), [1, 2, 3]);
  assert.equal(s.indices.tolist(), [1, 2, 0]);
});

test('sort: gradient back to the original positions; long lines (merge passes), strided input', () => {
  gradcheck({
    inputs: [{ shape: [3, 37] }],
    fn: (x) => x.sort(1, true)[0],
    ref: (x) => refSort(x, 1, true)[0],
  });
  gradcheck({
    inputs: [{ shape: [5, 4] }],
    fn: (x) => sg.sort(x.t(), 1).values,
    ref: (x) => refSort(R.permute(x, [1, 0]), 1, false)[0],
  });
  const e = sg.sort(sg.zeros([2, 0]), 1);
  assert.equal(e.values.shape, [2, 0]);
});

test('topk: largest and smallest, along a dim, ties to the lower index, gradient', () => {
  const [v, i] = sg.topk(sg.tensor([1, 5, 3, 5]), 2);
  assert.equal(v.tolist(), [5, 5]);
  assert.equal(i.tolist(), [1, 3]);
  const small = sg.tensor([[4, 1, 3], [0, 9, -2]]).topk(2, 1, false);
  assert.equal(small.values.tolist(), [[1, 3], [-2, 0]]);
  assert.equal(small.indices.tolist(), [[1, 2], [2, 0]]);
  gradcheck({
    inputs: [{ shape: [4, 6] }],
    fn: (x) => sg.topk(x, 3, 0).values,
    ref: (x) => { const [s] = refSort(x, 0, true); return R.nd([3, 6], s.data.slice(0, 18)); },
  });
  assert.equal(sg.topk(sg.ones([3]), 0).values.shape, [0]);
  assertThrows(() => sg.topk(sg.ones([3]), 4), 'topk: k = 4 is larger than dim 0');
  assertThrows(() => sg.topk(sg.ones([3]), 2, { larger: false }), "unknown option 'larger'", "did you mean 'largest'");
});

test('nonzero: row-major positions, NaN counts, asTuple, 0-d and empty inputs', () => {
  assert.equal(sg.nonzero(sg.tensor([[0, 1], [2, 0]])).tolist(), [[0, 1], [1, 0]]);
  const x = sg.tensor([[[0, NaN], [3, 0]], [[0, 0], [0, -1]]]);
  assert.equal(x.nonzero().tolist(), [[0, 0, 1], [0, 1, 0], [1, 1, 1]]);
  const cols = x.nonzero({ asTuple: true });
  assert.equal(cols.map((c) => c.tolist()), [[0, 0, 1], [0, 1, 1], [1, 0, 1]]);
  assert.equal(sg.nonzero(sg.zeros([3, 2])).shape, [0, 2]);
  assert.equal(sg.nonzero(sg.tensor(5)).shape, [1, 0]);
  assert.equal(sg.nonzero(sg.tensor([0, 2]).t()).tolist(), [[1]]);
});

test.run();
