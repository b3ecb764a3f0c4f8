import * as assert from 'uvu/assert';
import { suite, sg, rng, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';

const test = suite('embedding');
const { nn, F } = sg;

/** float64 lookup: out[s, :] = w[idx[s], :], shape idx.shape + [D]. */
function refEmbedding(idx, w) {
  const D = w.shape[1], out = new Float64Array(idx.data.length * D);
  idx.data.forEach((r, s) => {
    for (let j = 0; j < D; j++) out[s * D + j] = w.data[r * D + j];
  });
  return nd([...idx.shape, D], out);
}

test('forward against a float64 lookup for indices of several shapes, and the weight gradient by finite differences', () => {
  const r = rng(3);
  for (const shape of [[5], [2, 3], [2, 2, 3], []]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, () => Math.floor(r.next() * 7));
    gradcheck({
      inputs: [{ shape, data, grad: false }, { shape: [7, 4] }],
      fn: (i, w) => sg.embedding(i, w),
      ref: (i, w) => refEmbedding(i, w),
      fatol: 0, frtol: 0,
    });
  }
});

test('hand-derived example: rows are copied and repeated indices accumulate their gradients', () => {
  const w = sg.tensor([[1, 2], [3, 4], [5, 6]], { requiresGrad: true });
  const idx = sg.tensor([[2, 0], [2, 2]]);
  const y = F.embedding(idx, w);
  assert.equal(y.shape, [2, 2, 2]);
  assert.equal(y.tolist(), [[[5, 6], [1, 2]], [[5, 6], [5, 6]]]);
  // L = sum(y * g): row 2 is used three times, row 0 once, row 1 never
  const g = sg.tensor([[[1, 10], [2, 20]], [[3, 30], [4, 40]]]);
  sg.mul(y, g).sum().backward();
  assert.equal(w.grad.tolist(), [[2, 20], [0, 0], [8, 80]]);
});

test('paddingIdx: that row gets exactly zero gradient (also negative, counted from the end) while its value is still returned', () => {
  for (const paddingIdx of [1, -3]) {
    const w = sg.tensor([[1, 2], [3, 4], [5, 6], [7, 8]], { requiresGrad: true });
    const idx = sg.tensor([1, 3, 1, 0]);
    const y = sg.embedding(idx, w, { paddingIdx });
    assert.equal(y.tolist(), [[3, 4], [7, 8], [3, 4], [1, 2]]);
    sg.mul(y, sg.tensor([[1, 1], [2, 2], [3, 3], [4, 4]])).sum().backward();
    const g = w.grad.toArray();
    assert.equal([...g], [4, 4, 0, 0, 0, 0, 2, 2]);
  }
});

test('paddingIdx gradient against finite differences of a reference that treats the padding row as constant', () => {
  const idx = [0, 2, 2, 4, 1, 2];
  const frozen = new Float64Array(15);
  const ref = (i, w) => {
    const merged = Float64Array.from(w.data, (v, q) => (Math.floor(q / 3) === 2 ? frozen[q] : v));
    return refEmbedding(i, nd(w.shape, merged));
  };
  const r = rng(11);
  const data = Array.from({ length: 15 }, () => Math.fround(r.next() * 2 - 1));
  for (let q = 6; q < 9; q++) frozen[q] = data[q];
  const { ts } = gradcheck({
    inputs: [{ shape: [6], data: idx, grad: false }, { shape: [5, 3], data }],
    fn: (i, w) => sg.embedding(i, w, { paddingIdx: 2 }),
    ref,
  });
  assert.equal([...ts[1].grad.toArray().slice(6, 9)], [0, 0, 0]);
});

test('nn.Embedding: shapes, N(0, 1) init, zero padding row, stateDict keys, repr', () => {
  sg.manualSeed(5);
  const e = new nn.Embedding(200, 50);
  assert.equal(e.weight.shape, [200, 50]);
  assert.is(e.weight.requiresGrad, true);
  const v = e.weight.toArray();
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(sd - 1) < 0.03, `std ${sd}`);
  assert.equal([...e.stateDict().keys()], ['weight']);
  assert.is(e.toString(), 'Embedding(200, 50)');

  const p = new nn.Embedding(6, 3, { paddingIdx: -1 });
  assert.is(p.paddingIdx, 5);
  assert.is(p.toString(), 'Embedding(6, 3, paddingIdx=5)');
  assert.equal([...p.weight.toArray().slice(15)], [0, 0, 0]);
  const y = p.forward(sg.tensor([[5, 0], [1, 5]]));
  assert.equal(y.shape, [2, 2, 3]);
  assert.equal([...y.toArray().slice(0, 3)], [0, 0, 0]);
  y.sum().backward();
  const g = p.weight.grad.toArray();
  assert.equal([...g.slice(15)], [0, 0, 0]);
  assert.equal([...g.slice(0, 3)], [1, 1, 1]);
  assertClose(p.forward(sg.tensor([2])).toArray(), p.weight.toArray().slice(6, 9), { atol: 0, rtol: 0 });
  e.dispose();
  p.dispose();
});

test('bad inputs: out-of-range and non-integer indices, bad paddingIdx, bad maxNorm and normType, bad weight', () => {
  const w = sg.randn([10, 4]);
  assertThrows(() => sg.embedding(sg.tensor([1, 12, 3]), w), 'embedding', 'index 12', 'numEmbeddings=10');
  assertThrows(() => sg.embedding(sg.tensor([[1, -1]]), w), 'embedding', 'index -1', 'numEmbeddings=10');
  assertThrows(() => sg.embedding(sg.tensor([[0, 1.5]]), w), 'embedding', 'indices [1,2]', 'integers', 'numEmbeddings=10', 'index 1.5');
  assertThrows(() => sg.embedding(sg.tensor([1]), w, { paddingIdx: 10 }), 'paddingIdx', '[-10, 10)');
  assertThrows(() => sg.embedding(sg.tensor([1]), w, { paddingIdx: -11 }), 'paddingIdx');
  assertThrows(() => sg.embedding(sg.tensor([1]), w, { maxNorm: -1 }), 'embedding', 'maxNorm', '> 0', '-1');
  assertThrows(() => sg.embedding(sg.tensor([1]), w, { max_norm: 1 }), 'embedding', "did you mean 'maxNorm'");
  assertThrows(() => sg.embedding(sg.tensor([1]), w, { maxNorm: 1, normType: 0 }), 'embedding', 'normType');
  assertThrows(() => sg.embedding(sg.tensor([1]), sg.randn([10])), 'embedding', 'weight [10]', '2-d');
  assertThrows(() => sg.embedding([1, 2], w), 'must be Tensors');
  assertThrows(() => new nn.Embedding(0, 3), 'numEmbeddings must be an integer >= 1', '0 (a number)');
  assertThrows(() => new nn.Embedding(4, 3, { paddingIdx: 4 }), 'Embedding', 'paddingIdx');
  assertThrows(() => new nn.Embedding(4, 3, { maxNorm: '2' }), 'Embedding', 'maxNorm', 'a string');
  // empty indices give an empty result
  assert.equal(sg.embedding(sg.zeros([0, 2]), w).shape, [0, 2, 4]);
});

test.run();
