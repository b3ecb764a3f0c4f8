// Numerics at PyTorch parity: gradients at singular points and kinks, ties,
// and the ops PyTorch users reach for (logsumexp, sign, max with indices,
// amax/amin). Values PyTorch 1.13 gives are quoted where a rule is a choice;
// every reference is computed here in float64.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('numerics: singular points, ties, new ops');

const grad = (data, f, shape = [data.length]) => {
  const x = sg.tensor(data, { shape, requiresGrad: true });
  const y = f(x);
  y.sum().backward();
  return { y: Array.from(y.toArray()), g: Array.from(x.grad.toArray()) };
};

test('std: zero gradient where the standard deviation is 0 (PyTorch: 0, was NaN)', () => {
  assert.equal(grad([2, 2, 2, 2], (x) => x.std()).g, [0, 0, 0, 0]);
  assert.equal(grad([2, 2, 5, 5], (x) => x.std(1), [2, 2]).g.slice(0, 2), [0, 0]);
  // a dim of size 1 with the biased estimate: std 0, gradient 0
  assert.equal(grad([1, 2, 3], (x) => x.std(1, { unbiased: false }), [3, 1]).g, [0, 0, 0]);
});

test('var and std with N <= correction follow PyTorch: +-inf, finite of flipped sign, 0, NaN', () => {
  const v2 = grad([1, 2], (x) => x.var(0, { correction: 2 }));
  assert.equal(v2.y, [Infinity]);
  assert.equal(v2.g, [-Infinity, Infinity]);
  // N < correction: divisor N - correction = -1 in the gradient
  assert.equal(grad([1, 2], (x) => x.var(0, { correction: 3 })).g, [1, -1]);
  const s3 = grad([1, 2], (x) => x.std(0, { correction: 3 })).g;
  assert.ok(s3.every((v) => v === 0), `std N < correction: ${s3}`);
  assert.ok(grad([1, 2], (x) => x.std(0, { correction: 2 })).g.every(Number.isNaN));
});

test('var and std gradients against float64 finite differences', () => {
  for (const [dim, opts] of [[undefined, {}], [1, {}], [0, { unbiased: false }], [[0, 1], { correction: 0, keepdim: true }]]) {
    const count = (a) => (dim === undefined || Array.isArray(dim) ? a.data.length : a.shape[dim]);
    const c = opts.correction ?? (opts.unbiased === false ? 0 : 1);
    const refVar = (a) => {
      const dims = dim === undefined ? undefined : dim;
      const m = R.map(R.sum(a, dims, true), (s) => s / count(a));
      const d = R.zip((x, y) => (x - y) ** 2, a, m);
      return R.map(R.sum(d, dims, opts.keepdim ?? false), (s) => s / (count(a) - c));
    };
    gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => x.var(dim, opts), ref: refVar });
    gradcheck({ inputs: [{ shape: [3, 4] }], fn: (x) => x.std(dim, opts), ref: (a) => R.map(refVar(a), Math.sqrt) });
  }
});

test('norm: the gradient of the norm of a zero vector is 0 for every p (PyTorch: 0, was NaN)', () => {
  for (const p of [2, 3, 1.5, 0.5, 1, Infinity]) {
    assert.equal(grad([0, 0, 0], (x) => x.norm(p)).g, [0, 0, 0], `p = ${p}`);
  }
  // a zero entry of a nonzero vector: 0 there, PyTorch's values elsewhere
  for (const p of [0.5, 1.5, 3]) assertClose(grad([0, 4], (x) => x.norm(p)).g, [0, 1], { atol: 1e-6 });
  // rows: one zero row, one 3-4-5 row
  assertClose(grad([0, 0, 3, 4], (x) => x.norm(2, 1), [2, 2]).g, [0, 0, 0.6, 0.8], { atol: 1e-6 });
});

test('norm gradients for p = 2, 3, 1.5, 0.5 against float64 finite differences', () => {
  for (const p of [2, 3, 1.5, 0.5]) {
    for (const dim of [undefined, 1]) {
      gradcheck({
        inputs: [{ shape: [3, 4], lo: 0.2, hi: 1.5 }],
        fn: (x) => x.mul(sg.sign(x)).norm(p, dim),
        ref: (a) => R.map(R.sum(R.map(a, (v) => Math.abs(v) ** p), dim), (s) => s ** (1 / p)),
      });
    }
  }
});

test('max(x, dim) returns { values, indices }; the gradient goes to the index (torch.max)', () => {
  const x = sg.tensor([[3, 1, 3], [0, 5, 5]], { requiresGrad: true });
  const r = sg.max(x, 1);
  assert.equal(Array.from(r.values.toArray()), [3, 5]);
  assert.equal(Array.from(r.indices.toArray()), [0, 1]);
  const [v, i] = x.max(1, true);
  assert.equal(v.shape, [2, 1]);
  assert.equal(i.shape, [2, 1]);
  r.values.sum().backward();
  assert.equal(Array.from(x.grad.toArray()), [1, 0, 0, 0, 1, 0]);
  const m = sg.min(sg.tensor([[2, 1, 1]]), 1);
  assert.equal(Array.from(m.indices.toArray()), [1]);
  assert.equal(Array.from(m.values.toArray()), [1]);
  // NaN wins, as PyTorch's
  const n = sg.max(sg.tensor([[1, NaN, 2]]), 1);
  assert.ok(Number.isNaN(n.values.item()));
  assert.is(n.indices.item(), 1);
});

test('max(x, dim).values and min(x, dim).values against float64 finite differences', () => {
  for (const [dim, keepdim] of [[0, false], [1, true], [-1, false], [2, false]]) {
    gradcheck({ inputs: [{ shape: [3, 4, 2] }], fn: (x) => x.max(dim, keepdim).values, ref: (a) => R.max(a, dim, keepdim) });
    gradcheck({ inputs: [{ shape: [3, 4, 2] }], fn: (x) => x.min(dim, keepdim).values, ref: (a) => R.min(a, dim, keepdim), seed: 4 });
  }
});

test('amax, amin and the full max/min split the gradient evenly among ties (torch.amax)', () => {
  assert.equal(grad([3, 1, 3], (x) => x.amax(0)).g, [0.5, 0, 0.5]);
  assertClose(grad([1, 1, 1, 4], (x) => sg.amin(x, [0, 1]), [2, 2]).g, [1 / 3, 1 / 3, 1 / 3, 0], { atol: 1e-7 });
  assert.equal(grad([3, 1, 3], (x) => x.max()).g, [0.5, 0, 0.5]);
  assertClose(grad([1, 1, 1, 4], (x) => x.min(), [2, 2]).g, [1 / 3, 1 / 3, 1 / 3, 0], { atol: 1e-7 });
  assertThrows(() => sg.max(sg.ones([2, 2]), [0, 1]), 'max', 'one integer', 'amax');
  assertThrows(() => sg.zeros([2, 0]).max(1), 'max', 'zero-size');
});

test('prelu at x = 0 gives the weight as the input gradient (PyTorch), 0 to the weight', () => {
  const x = sg.tensor([0, 0, -2, 3], { requiresGrad: true });
  const w = sg.tensor([0.25], { requiresGrad: true });
  sg.F.prelu(x, w).sum().backward();
  assert.equal(Array.from(x.grad.toArray()), [0.25, 0.25, 0.25, 1]);
  assert.equal(Array.from(w.grad.toArray()), [-2]);
  gradcheck({
    inputs: [{ shape: [2, 3, 2] }, { shape: [3] }],
    fn: (a, b) => sg.F.prelu(a, b),
    ref: (a, b) => R.nd(a.shape, a.data.map((v, i) => (v > 0 ? v : b.data[Math.floor(i / 2) % 3] * v))),
  });
});

test('hardswish at the kinks: 1.5 g at 3 and -g/2 at -3, whatever the tensor size', () => {
  for (const n of [1, 3, 8, 64]) {
    assert.ok(grad(new Array(n).fill(3), (x) => sg.hardswish(x)).g.every((v) => v === 1.5), `x = 3, n = ${n}`);
    assert.ok(grad(new Array(n).fill(-3), (x) => sg.hardswish(x)).g.every((v) => v === -0.5), `x = -3, n = ${n}`);
  }
});

test('sign has a zero gradient, and backward flows through it', () => {
  assert.equal(grad([-2, 0, 3], (x) => sg.sign(x)).g, [0, 0, 0]);
  // d(x sign(x)) = sign(x): only the x factor contributes
  assert.equal(grad([-2, 0, 3], (x) => x.mul(sg.sign(x))).g, [-1, 0, 1]);
});

test('logsumexp: values and gradients against float64, stable for large and -inf inputs', () => {
  const lse = (a, dim, keepdim) => {
    const m = R.max(a, dim, true);
    const e = R.zip((x, y) => Math.exp(x - y), a, m);
    return R.zip((s, mm) => Math.log(s) + mm, R.sum(e, dim, keepdim), keepdim ? m : R.max(a, dim, false));
  };
  for (const [dim, keepdim] of [[1, false], [0, true], [[0, 2], false], [undefined, false]]) {
    gradcheck({ inputs: [{ shape: [3, 4, 2], lo: -3, hi: 3 }], fn: (x) => sg.logsumexp(x, dim, keepdim), ref: (a) => lse(a, dim, keepdim) });
  }
  assertClose(sg.logsumexp(sg.tensor([[1000, 1000], [-1000, -1001]]), 1).toArray(), [1000 + Math.log(2), -1000 + Math.log1p(Math.exp(-1))], { atol: 1e-4 });
  assert.equal(Array.from(sg.logsumexp(sg.tensor([[-Infinity, -Infinity]]), 1).toArray()), [-Infinity]);
  assertThrows(() => sg.logsumexp(sg.ones([2]), 0, 'yes'), 'logsumexp', 'keepdim', 'boolean');
});

test.run();
