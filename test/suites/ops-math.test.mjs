// Elementwise math (sin, cos, square, rsqrt, reciprocal, rounding, clampMin/Max,
// lerp) and scans (prod, cumsum, cumprod, any, all): forward values against
// float64 references, finite-difference gradients, kinks and zeros, 0-size and
// strided inputs, argument checks.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('ops: math and scans');

const smooth = [
  ['sin', (x) => x.sin(), Math.sin, { lo: -7, hi: 7 }],
  ['cos', (x) => sg.cos(x), Math.cos, { lo: -7, hi: 7 }],
  ['square', (x) => x.square(), (v) => v * v, { lo: -3, hi: 3 }],
  ['rsqrt', (x) => sg.rsqrt(x), (v) => 1 / Math.sqrt(v), { lo: 0.2, hi: 4 }],
  ['reciprocal', (x) => x.reciprocal(), (v) => 1 / v, { lo: 0.3, hi: 3 }],
];
for (const [name, fn, f, range] of smooth) {
  for (const shape of [[7], [2, 3, 5], []]) {
    test(`${name} ${JSON.stringify(shape)}: forward and gradient`, () => {
      gradcheck({ inputs: [{ shape, ...range }], fn, ref: (a) => R.map(a, f), seed: shape.length + 3 });
    });
  }
}

test('sin and cos agree with float64 to about 1 ulp over a wide range, and take NaN/inf to NaN', () => {
  const r = rng(5);
  const xs = [];
  for (let i = 0; i < 4000; i++) xs.push(Math.fround(r.uniform(-1, 1) * 10 ** r.uniform(-3, 8)));
  xs.push(0, -0, 8192, 8193, -8191.5, Math.fround(Math.PI / 2), Math.fround(Math.PI), 1e5, 3.0e7, -1.2e8);
  const x = sg.tensor(Float32Array.from(xs));
  const s = x.sin().toArray(), c = x.cos().toArray();
  // an ulp of a result in [-1, 1] is at most 2^-24 (6e-8); allow 2 plus the input's own rounding
  assertClose(s, Float64Array.from(xs, Math.sin), { atol: 1.5e-7, rtol: 0, what: 'sin' });
  assertClose(c, Float64Array.from(xs, Math.cos), { atol: 1.5e-7, rtol: 0, what: 'cos' });
  assert.ok(Object.is(sg.sin(sg.tensor([-0])).toArray()[0], -0));
  const special = sg.tensor([NaN, Infinity, -Infinity]);
  for (const v of [...special.sin().toArray(), ...special.cos().toArray()]) assert.ok(Number.isNaN(v));
});

test('sin and cos: the vector path and the tail give the same bits (lengths 1..9, values past 8192 mixed in)', () => {
  const data = Float32Array.from([0.3, 9000.25, -2.5, 1e6, 7.75, -40000, 0.001, 3, 12345.5]);
  const full = sg.tensor(data).sin().toArray();
  for (let n = 1; n <= data.length; n++) {
    const part = sg.tensor(data.slice(0, n)).sin().toArray();
    assert.equal(Array.from(part), Array.from(full.slice(0, n)));
  }
});

test('sin on strided and 0-size inputs', () => {
  gradcheck({
    inputs: [{ shape: [4, 3], lo: -4, hi: 4 }],
    fn: (x) => x.t().sin(),
    ref: (a) => R.map(R.permute(a, [1, 0]), Math.sin),
  });
  const e = sg.zeros([0, 3], { requiresGrad: true });
  const y = e.sin();
  assert.equal(y.shape, [0, 3]);
  y.sum().backward();
  assert.equal(e.grad.shape, [0, 3]);
});

test('floor, ceil, trunc, round: values (round halves to even) and a zero gradient', () => {
  const v = [-2.5, -1.5, -0.5, -0.2, 0, 0.5, 1.5, 2.5, 2.7, -2.7, 1e8];
  const x = sg.tensor(v, { requiresGrad: true });
  const even = (a) => { const r = Math.round(a); return Math.abs(a % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; };
  assert.equal(Array.from(x.floor().toArray()), v.map(Math.floor));
  assert.equal(Array.from(x.ceil().toArray()), v.map((a) => Math.ceil(a) + 0));
  assert.equal(Array.from(x.trunc().toArray()), v.map((a) => Math.trunc(a) + 0));
  assert.equal(Array.from(x.round().toArray()), v.map((a) => even(a) + 0));
  for (const f of ['floor', 'ceil', 'trunc', 'round']) {
    const y = sg[f](x);
    assert.ok(y.requiresGrad, `${f} output requires grad`);
    y.mul(3).sum().backward();
    assert.equal(Array.from(x.grad.toArray()), v.map(() => 0));
    x.grad.dispose();
    x.grad = null;
  }
});

test('round with decimals: float32 arithmetic as PyTorch (x * 10^d, nearest, / 10^d)', () => {
  const v = [1.2345, -1.2355, 1234.5678, 0.125, -987.654];
  const x = sg.tensor(v);
  for (const d of [1, 2, 3, -1, -2]) {
    const t = Math.fround(10 ** Math.abs(d));
    const nearest = (a) => { const r = Math.round(a); return Math.abs(a % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; };
    const want = v.map((a) => {
      const xf = Math.fround(a);
      return d > 0 ? Math.fround(nearest(Math.fround(xf * t)) / t) : Math.fround(nearest(Math.fround(xf / t)) * t);
    });
    assert.equal(Array.from(x.round({ decimals: d }).toArray()), want.map(Math.fround), `decimals ${d}`);
  }
  assertThrows(() => sg.round(x, { decimals: 1.5 }), 'round: decimals must be an integer');
  assertThrows(() => sg.round(x, 2), 'round: takes 1 positional argument', '{ decimals: ... }');
});

test('clampMin and clampMax: values, gradient passes at the bound (as clamp)', () => {
  const x = sg.tensor([-1, 0, 0.5, 2], { requiresGrad: true });
  const y = sg.clampMin(x, 0);
  assert.equal(Array.from(y.toArray()), [0, 0, 0.5, 2]);
  y.sum().backward();
  assert.equal(Array.from(x.grad.toArray()), [0, 1, 1, 1]);
  const x2 = sg.tensor([-1, 0.5, 1, 2], { requiresGrad: true });
  const z = x2.clampMax(1);
  assert.equal(Array.from(z.toArray()), [-1, 0.5, 1, 1]);
  z.sum().backward();
  assert.equal(Array.from(x2.grad.toArray()), [1, 1, 1, 0]);
  assertThrows(() => sg.clampMin(x, '0'), 'clampMin: min must be a number', 'pass the number 0');
  assertThrows(() => sg.clampMax(x), 'clampMax: missing max');
});

test('lerp with a number weight on both sides of 0.5 (PyTorch`s two formulas), broadcast', () => {
  for (const w of [0.25, 0.75, -1, 1.5]) {
    gradcheck({
      inputs: [{ shape: [2, 3] }, { shape: [3] }],
      fn: (a, b) => sg.lerp(a, b, w),
      ref: (a, b) => R.zip((s, e) => s + w * (e - s), a, b),
      seed: 11,
    });
  }
});

test('lerp with a tensor weight: gradients to start, end and weight, all broadcast', () => {
  gradcheck({
    inputs: [{ shape: [2, 1, 4] }, { shape: [3, 4] }, { shape: [2, 3, 1], lo: -1, hi: 1.5 }],
    fn: (a, b, w) => a.lerp(b, w),
    ref: (a, b, w) => R.zip((s, e, t) => s + t * (e - s), a, b, w),
    seed: 12,
  });
  assertThrows(() => sg.lerp(sg.zeros([2]), 1, 0.5), 'lerp: end must be a Tensor');
});

/** Scan along one dim of a float64 reference array. */
function refScan(a, dim, f, init) {
  const out = R.nd(a.shape, a.data.slice());
  const st = R.stridesOf(a.shape);
  for (let i = 0; i < a.data.length; i++) {
    const idx = R.unravel(i, a.shape);
    if (idx[dim] !== 0) continue;
    let acc = init;
    for (let k = 0; k < a.shape[dim]; k++) {
      const p = i + k * st[dim];
      acc = f(acc, a.data[p]);
      out.data[p] = acc;
    }
  }
  return out;
}

for (const dim of [0, 1, 2, -1]) {
  test(`cumsum and cumprod along dim ${dim} of [3, 4, 5]: forward and gradient`, () => {
    const d = dim < 0 ? dim + 3 : dim;
    gradcheck({ inputs: [{ shape: [3, 4, 5] }], fn: (x) => x.cumsum(dim), ref: (a) => refScan(a, d, (s, v) => s + v, 0), seed: 20 + d });
    gradcheck({ inputs: [{ shape: [3, 4, 5], lo: 0.5, hi: 1.5 }], fn: (x) => sg.cumprod(x, dim), ref: (a) => refScan(a, d, (s, v) => s * v, 1), seed: 30 + d });
  });
}

test('cumprod gradient with zeros in the input (no division: exact)', () => {
  // x = [2, 0, 3, 0, 5]: gradients by finite differences of the float64 reference
  gradcheck({ inputs: [{ shape: [5], data: [2, 0, 3, 0, 5] }], fn: (x) => x.cumprod(0), ref: (a) => refScan(a, 0, (s, v) => s * v, 1), atol: 1e-5 });
  gradcheck({ inputs: [{ shape: [2, 4], data: [0, 1.5, -2, 0.5, 1, 2, 0, 3] }], fn: (x) => x.cumprod(1), ref: (a) => refScan(a, 1, (s, v) => s * v, 1), atol: 1e-5 });
});

test('cumsum on a transposed view, a 0-d tensor and a 0-size dim', () => {
  gradcheck({ inputs: [{ shape: [4, 3] }], fn: (x) => x.t().cumsum(1), ref: (a) => refScan(R.permute(a, [1, 0]), 1, (s, v) => s + v, 0) });
  assert.equal(sg.tensor(2.5).cumsum(0).item(), 2.5);
  assert.equal(sg.zeros([2, 0]).cumprod(1).shape, [2, 0]);
  assertThrows(() => sg.cumsum(sg.zeros([2])), 'cumsum: missing dim');
  assertThrows(() => sg.cumsum(sg.zeros([2]), 1), 'cumsum: dim 1 out of range');
});

test('prod over everything and along a dim (keepdim), forward and gradient', () => {
  gradcheck({ inputs: [{ shape: [2, 3], lo: 0.5, hi: 1.5 }], fn: (x) => x.prod(), ref: (a) => R.nd([], [a.data.reduce((p, v) => p * v, 1)]) });
  for (const [dim, keepdim] of [[0, false], [1, true], [-1, false]]) {
    gradcheck({
      inputs: [{ shape: [3, 4, 2], lo: -1.5, hi: 1.5 }],
      fn: (x) => sg.prod(x, dim, keepdim),
      ref: (a) => R.reduce(a, dim, keepdim, (p, v) => p * v, 1),
      seed: 40 + dim,
    });
  }
  assert.equal(sg.prod(sg.zeros([2, 3]), { dim: 1, keepdim: true }).shape, [2, 1]);
});

test('prod gradient with one zero (the product of the others there) and two zeros (all 0)', () => {
  const x = sg.tensor([[2, 0, 3], [0, 4, 0]], { requiresGrad: true });
  const y = x.prod(1);
  assert.equal(Array.from(y.toArray()), [0, 0]);
  y.backward(sg.tensor([1, 1]));
  assert.equal(Array.from(x.grad.toArray()), [0, 6, 0, 0, 0, 0]);
  const e = sg.zeros([0], { requiresGrad: true });
  const p = e.prod();
  assert.equal(p.item(), 1);
  p.backward();
  assert.equal(e.grad.shape, [0]);
});

test('any and all: over everything, along a dim (keepdim), NaN is true, empty reductions', () => {
  const x = sg.tensor([[0, 1, 0], [0, 0, 0], [2, NaN, -1]]);
  assert.equal(x.any().item(), 1);
  assert.equal(x.all().item(), 0);
  assert.equal(Array.from(x.any(1).toArray()), [1, 0, 1]);
  assert.equal(Array.from(sg.all(x, 1).toArray()), [0, 0, 1]);
  assert.equal(sg.any(x, 0, true).shape, [1, 3]);
  assert.equal(Array.from(sg.all(x, { dim: 0, keepdim: true }).toArray()), [0, 0, 0]);
  assert.equal(sg.zeros([0]).any().item(), 0);
  assert.equal(sg.zeros([0]).all().item(), 1);
  assert.equal(Array.from(sg.zeros([2, 0]).all(1).toArray()), [1, 1]);
  assert.is(sg.tensor([1, 2], { requiresGrad: true }).any().requiresGrad, false);
  assertThrows(() => sg.any(x, 1, 'yes'), 'any: keepdim must be a boolean');
});

test.run();
