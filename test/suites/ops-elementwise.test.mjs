// Elementwise ops: forward against float64 references, gradients by finite
// differences, broadcasting over size-1 and missing dims, non-contiguous inputs.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('ops: elementwise');

const sigmoid = (v) => 1 / (1 + Math.exp(-v));
const unary = [
  ['neg', (x) => x.neg(), (v) => -v, {}],
  ['exp', (x) => x.exp(), Math.exp, { lo: -3, hi: 3 }],
  ['log', (x) => x.log(), Math.log, { lo: 0.1, hi: 5 }],
  ['sqrt', (x) => x.sqrt(), Math.sqrt, { lo: 0.1, hi: 5 }],
  ['abs', (x) => x.abs(), Math.abs, {}],
  ['tanh', (x) => x.tanh(), Math.tanh, { lo: -3, hi: 3 }],
  ['sigmoid', (x) => x.sigmoid(), sigmoid, { lo: -5, hi: 5 }],
  ['relu', (x) => x.relu(), (v) => Math.max(v, 0), {}],
  ['leakyRelu', (x) => sg.leakyRelu(x, 0.1), (v) => (v > 0 ? v : 0.1 * v), {}],
  ['pow 2', (x) => x.pow(2), (v) => v * v, {}],
  ['pow 3', (x) => x.pow(3), (v) => v * v * v, {}],
  ['pow -1', (x) => x.pow(-1), (v) => 1 / v, { lo: 0.5, hi: 2 }],
  ['pow 0.5', (x) => x.pow(0.5), Math.sqrt, { lo: 0.2, hi: 4 }],
  ['pow 2.5', (x) => x.pow(2.5), (v) => v ** 2.5, { lo: 0.2, hi: 2 }],
  ['clamp', (x) => x.clamp(-0.5, 0.4), (v) => Math.min(Math.max(v, -0.5), 0.4), {}],
  ['clamp min only', (x) => x.clamp(0.1), (v) => Math.max(v, 0.1), {}],
  ['affine', (x) => sg.affine(x, -1.5, 0.25), (v) => -1.5 * v + 0.25, {}],
];

for (const [name, fn, f, range] of unary) {
  for (const shape of [[7], [2, 3, 5], [1], []]) {
    test(`${name} ${JSON.stringify(shape)}: forward and gradient`, () => {
      gradcheck({ inputs: [{ shape, ...range }], fn, ref: (a) => R.map(a, f), seed: shape.length + 7 });
    });
  }
}

const binary = [
  ['add', sg.add, (a, b) => a + b, {}, {}],
  ['sub', sg.sub, (a, b) => a - b, {}, {}],
  ['mul', sg.mul, (a, b) => a * b, {}, {}],
  ['div', sg.div, (a, b) => a / b, {}, { lo: 0.5, hi: 2 }],
  ['maximum', sg.maximum, Math.max, {}, {}],
  ['minimum', sg.minimum, Math.min, {}, {}],
];
const shapes = [
  [[3, 4], [3, 4]],
  [[3, 4], [4]],
  [[3, 1], [1, 4]],
  [[2, 1, 5], [3, 1]],
  [[5], []],
  [[], [2, 3]],
  [[2, 3, 4, 5, 2], [3, 1, 5, 1]],
  [[2, 2, 2, 2, 2, 3], [2, 1, 2, 1, 2, 1]],
];
for (const [name, fn, f, ra, rb] of binary) {
  for (const [sa, sb] of shapes) {
    test(`${name} ${JSON.stringify(sa)} with ${JSON.stringify(sb)}: broadcast forward and gradients`, () => {
      gradcheck({ inputs: [{ shape: sa, ...ra }, { shape: sb, ...rb }], fn, ref: (a, b) => R.zip(f, a, b), seed: sa.length * 3 + sb.length });
    });
  }
}

test('binary ops on non-contiguous views (transposed, sliced, expanded)', () => {
  gradcheck({
    inputs: [{ shape: [4, 6] }, { shape: [6, 4] }],
    fn: (a, b) => sg.mul(a.slice(1, 1, 6, 2), b.t().narrow(1, 1, 3)),
    ref: (a, b) => {
      const as = R.nd([4, 3], Array.from({ length: 12 }, (_, k) => a.data[Math.floor(k / 3) * 6 + 1 + (k % 3) * 2]));
      const bt = R.permute(b, [1, 0]);
      const bs = R.nd([4, 3], Array.from({ length: 12 }, (_, k) => bt.data[Math.floor(k / 3) * 6 + 1 + (k % 3)]));
      return R.zip((x, y) => x * y, as, bs);
    },
  });
});

test('number operands broadcast as scalars on either side', () => {
  const x = sg.tensor([1, 2, 4]);
  assert.equal(Array.from(sg.sub(10, x).toArray()), [9, 8, 6]);
  assert.equal(Array.from(sg.div(x, 4).toArray()), [0.25, 0.5, 1]);
  assert.equal(Array.from(x.mul(-1).toArray()), [-1, -2, -4]);
});

test('comparisons give 0/1 and carry no gradient', () => {
  const a = sg.tensor([1, 2, 3], { requiresGrad: true });
  const b = sg.tensor([2, 2, 2]);
  assert.equal(Array.from(a.gt(b).toArray()), [0, 0, 1]);
  assert.equal(Array.from(a.lt(b).toArray()), [1, 0, 0]);
  assert.equal(Array.from(a.ge(b).toArray()), [0, 1, 1]);
  assert.equal(Array.from(a.le(b).toArray()), [1, 1, 0]);
  assert.equal(Array.from(a.eq(b).toArray()), [0, 1, 0]);
  assert.is(a.gt(b).requiresGrad, false);
});

test('maximum and minimum split the gradient on ties like PyTorch', () => {
  const a = sg.tensor([1, 2, 3], { requiresGrad: true });
  const b = sg.tensor([2, 2, 2], { requiresGrad: true });
  sg.maximum(a, b).sum().backward();
  assert.equal(Array.from(a.grad.toArray()), [0, 0.5, 1]);
  assert.equal(Array.from(b.grad.toArray()), [1, 0.5, 0]);
});

test('where selects and routes gradients by the condition, with broadcasting', () => {
  gradcheck({
    inputs: [{ shape: [3, 4], grad: false, data: [1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1] }, { shape: [3, 4] }, { shape: [4] }],
    fn: (c, a, b) => sg.where(c, a, b),
    ref: (c, a, b) => R.zip((cv, av, bv) => (cv ? av : bv), c, a, b),
  });
});

test('special values: exp/log/sqrt/tanh/sigmoid at the edges', () => {
  const e = sg.exp(sg.tensor([0, 89, -104, NaN, -Infinity, Infinity])).toArray();
  assert.equal(Array.from(e.slice(0, 3)), [1, Infinity, 0]);
  assert.ok(Number.isNaN(e[3]));
  assert.equal(Array.from(e.slice(4)), [0, Infinity]);
  const l = sg.log(sg.tensor([1, 0, -1, Infinity, 1e-40])).toArray();
  assert.equal(Array.from(l.slice(0, 2)), [0, -Infinity]);
  assert.ok(Number.isNaN(l[2]));
  assert.is(l[3], Infinity);
  assertClose([l[4]], [Math.log(Math.fround(1e-40))], { rtol: 1e-5 });
  assert.equal(Array.from(sg.tanh(sg.tensor([0, 20, -20])).toArray()), [0, 1, -1]);
  assert.equal(Array.from(sg.sigmoid(sg.tensor([0, 200, -200])).toArray()), [0.5, 1, 0]);
  assert.ok(Number.isNaN(sg.relu(sg.tensor([NaN])).item()));
});

test('vector math accuracy over wide ranges (float32 ulps)', () => {
  const r = rng(5);
  const x = r.array(4099, -80, 80);
  assertClose(sg.exp(sg.tensor(Float32Array.from(x))).toArray(), x.map(Math.exp), { atol: 0, rtol: 3e-7, what: 'exp' });
  const p = r.array(4099, 1e-30, 1e30).map((v) => Math.fround(Math.abs(v)));
  assertClose(sg.log(sg.tensor(Float32Array.from(p))).toArray(), p.map(Math.log), { atol: 1e-7, rtol: 3e-7, what: 'log' });
  const t = r.array(4099, -9, 9);
  assertClose(sg.tanh(sg.tensor(Float32Array.from(t))).toArray(), t.map(Math.tanh), { atol: 1e-7, rtol: 5e-7, what: 'tanh' });
});

test('elementwise kernels: every length 0..17 and an in-range tail match the scalar reference', () => {
  for (let n = 0; n <= 17; n++) {
    const x = sg.arange(n).mul(0.37).sub(2);
    const y = sg.arange(n).mul(-0.11).add(1);
    const xs = Float64Array.from(x.toArray()), ys = Float64Array.from(y.toArray());
    assertClose(sg.add(x, y).toArray(), xs.map((v, i) => v + ys[i]), { what: `add n=${n}` });
    assertClose(sg.mul(x, y).toArray(), xs.map((v, i) => v * ys[i]), { what: `mul n=${n}` });
    assertClose(sg.relu(x).toArray(), xs.map((v) => Math.max(v, 0)), { what: `relu n=${n}` });
    assertClose(sg.exp(x).toArray(), xs.map(Math.exp), { rtol: 3e-7, atol: 0, what: `exp n=${n}` });
  }
});

test('shape mismatches name the op and both shapes', () => {
  assertThrows(() => sg.add(sg.ones([2, 3]), sg.ones([4])), 'add', '[2,3]', '[4]', 'broadcast');
  assertThrows(() => sg.mul(sg.ones([2, 3]), sg.ones([3, 2])), 'mul', '[2,3]', '[3,2]');
  assertThrows(() => sg.add(sg.ones([2]), 'x'), 'add', 'Tensor or a number');
  assertThrows(() => sg.pow(sg.ones([2]), NaN), 'pow');
  assertThrows(() => sg.clamp(sg.ones([2])), 'clamp');
});

test.run();
