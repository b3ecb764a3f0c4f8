import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows, rng } from '../helpers/harness.mjs';

const test = suite('nn-utils');
const { nn } = sg;
const { clipGradNorm_, clipGradValue_ } = nn.utils;

/** Leaf parameters whose .grad holds the given values (set through backward of sum(g p)). */
function withGrads(values) {
  return values.map((g) => {
    const p = sg.zeros([g.length], { requiresGrad: true });
    if (g.length > 0) sg.tensor(g).mul(p).sum().backward();
    return p;
  });
}

const f = Math.fround;
/** PyTorch's clip coefficient in float32: min(reciprocal(total + 1e-6) * maxNorm, 1). */
const torchCoef = (total, maxNorm) => Math.min(f(f(1 / f(f(total) + f(1e-6))) * f(maxNorm)), 1);

test('clipGradNorm_ (2-norm) returns the total norm over all grads and scales them by maxNorm / (total + 1e-6)', () => {
  const [a, b, c] = withGrads([[3, 4], [12], []]);
  assert.is(c.grad, null);
  // total = sqrt(9 + 16 + 144) = 13
  const total = clipGradNorm_([a, b, c], 6.5);
  assert.equal(total.shape, []);
  assert.is(total.item(), 13);
  const coef = torchCoef(13, 6.5);
  assert.ok(coef < 0.5 && coef > 0.4999999);
  // float32 products, as g.mul_(coef) computes them
  assert.equal(Array.from(a.grad.toArray()), [f(3 * coef), f(4 * coef)]);
  assert.equal(Array.from(b.grad.toArray()), [f(12 * coef)]);
  // the clipped grads now have norm 6.5 (up to the 1e-6)
  const again = clipGradNorm_([a, b], 100);
  assertClose([again.item()], [6.5], { rtol: 1e-6 });
  // a single tensor works as the parameters argument
  assertClose([clipGradNorm_(b, 1e9).item()], [12 * coef], { rtol: 1e-7 });
});

test('clipGradNorm_ other orders: 1, Infinity, 3; no change when the norm is below maxNorm', () => {
  const [a, b] = withGrads([[3, -4], [-12]]);
  // p = 1: 19 < 100, coef clamps to 1 and the grads keep their exact values
  assert.is(clipGradNorm_([a, b], 100, { normType: 1 }).item(), 19);
  assert.equal(Array.from(a.grad.toArray()), [3, -4]);
  assert.equal(Array.from(b.grad.toArray()), [-12]);
  // p = Infinity: the largest |g| = 12; maxNorm 6
  assert.is(clipGradNorm_([a, b], 6, { normType: Infinity }).item(), 12);
  const c = torchCoef(12, 6);
  assert.equal(Array.from(a.grad.toArray()), [f(3 * c), f(-4 * c)]);
  // p = 3 on fresh grads: (27 + 64 + 1728)^(1/3) = 1819^(1/3) = 12.2089...
  const [x, y] = withGrads([[3, -4], [-12]]);
  const t3 = clipGradNorm_([x, y], 1, { normType: 3 });
  assertClose([t3.item()], [Math.cbrt(1819)], { atol: 0, rtol: 1e-6 });
  const c3 = 1 / (Math.cbrt(1819) + 1e-6);
  assertClose(x.grad.toArray(), [3 * c3, -4 * c3], { atol: 0, rtol: 1e-6 });
  // p = 0.5 (below 1 is allowed, as in PyTorch): (sqrt 3 + 2 + sqrt 12)^2
  const [u] = withGrads([[3, -4, 12]]);
  assertClose([clipGradNorm_([u], 1e9, { normType: 0.5 }).item()], [(Math.sqrt(3) + 2 + Math.sqrt(12)) ** 2], { atol: 0, rtol: 1e-6 });
});

test('clipGradNorm_ edge cases: zero grads, no grads, non-finite totals, errorIfNonfinite', () => {
  // total 0: coef = maxNorm / 1e-6 clamps to 1, nothing changes
  const [z] = withGrads([[0, -0, 0]]);
  assert.is(clipGradNorm_([z], 1).item(), 0);
  assert.equal(Array.from(z.grad.toArray()), [0, -0, 0]);
  // no parameter has a gradient: a 0-d zero, like torch.tensor(0.0)
  const bare = sg.zeros([2], { requiresGrad: true });
  const none = clipGradNorm_([bare], 1);
  assert.equal(none.shape, []);
  assert.is(none.item(), 0);
  assert.is(clipGradNorm_([], 1).item(), 0);
  // an infinite total: coef = 1 / inf = 0, so finite grads become 0 and inf * 0 = NaN
  const [inf] = withGrads([[1, Infinity, -2]]);
  assert.is(clipGradNorm_([inf], 1).item(), Infinity);
  const g = Array.from(inf.grad.toArray());
  assert.ok(g[0] === 0 && Number.isNaN(g[1]) && Object.is(g[2], -0), String(g));
  // a NaN total turns every grad into NaN
  const [nan] = withGrads([[1, NaN]]);
  assert.ok(Number.isNaN(clipGradNorm_([nan], 1).item()));
  assert.ok(Array.from(nan.grad.toArray()).every(Number.isNaN));
  // errorIfNonfinite throws (naming the order and the value) and leaves the grads alone
  const [bad] = withGrads([[1, Infinity]]);
  assertThrows(() => clipGradNorm_([bad], 1, { errorIfNonfinite: true }), 'clipGradNorm_', 'order 2', 'non-finite (Infinity)', 'errorIfNonfinite');
  assert.equal(Array.from(bad.grad.toArray()), [1, Infinity]);
  const [bad1] = withGrads([[NaN]]);
  assertThrows(() => clipGradNorm_([bad1], 1, { normType: 1, errorIfNonfinite: true }), 'order 1', 'non-finite (NaN)');
  // float64 accumulation: 4 grads of 1e20 have norm 2e20 (float32 squares would overflow)
  const [big] = withGrads([[1e20, 1e20, -1e20, 1e20]]);
  assertClose([clipGradNorm_([big], 1, { errorIfNonfinite: true }).item()], [2e20], { atol: 0, rtol: 1e-7 });
});

test('clipGradNorm_ over large gradients matches a float64 reference (chunks, tails, several tensors)', () => {
  const r = rng(7);
  const sizes = [100003, 5, 40000];
  const data = sizes.map((n) => r.array(n, -2, 2));
  const params = withGrads(data.map((d) => Array.from(d)));
  for (const [p, ref] of [[2, (x) => x * x], [1, Math.abs], [2.5, (x) => Math.abs(x) ** 2.5]]) {
    let s = 0;
    for (const d of data) for (const x of d) s += ref(x);
    const want = p === 1 ? s : s ** (1 / p);
    const got = clipGradNorm_(params, 1e30, { normType: p }).item();
    // float64 sums: only the final rounding to float32 (p = 2.5 also the float32 exp/log, a few 1e-7)
    assertClose([got], [want], { atol: 0, rtol: p === 2.5 ? 1e-6 : 1e-7, what: `p = ${p}` });
    assert.is(got, clipGradNorm_(params, 1e30, { normType: p }).item(), 'the same bits on a repeat');
  }
  let mx = 0;
  for (const d of data) for (const x of d) mx = Math.max(mx, Math.abs(x));
  assert.is(clipGradNorm_(params, 1e30, { normType: Infinity }).item(), mx);
  // clip to 1: every element scaled by the same float32 coefficient
  const total = clipGradNorm_(params, 1).item();
  const c = torchCoef(total, 1);
  const scaled = Array.from(params[0].grad.toArray());
  const expected = Array.from(data[0], (x) => f(x * c));
  assert.ok(scaled.every((v, i) => v === expected[i]), 'grads scaled in float32 by coef');
});

test('clipGradNorm_ on a strided gradient writes through the view', () => {
  const p = sg.zeros([2, 3], { requiresGrad: true });
  const base = sg.tensor([[3, 0], [0, 0], [0, 4]]);
  p.grad = base.t(); // [2, 3], non-contiguous: rows [3, 0, 0] and [0, 0, 4]
  assert.ok(!p.grad.isContiguous());
  assert.is(clipGradNorm_([p], 1).item(), 5);
  const c = torchCoef(5, 1);
  assert.equal(Array.from(base.toArray()), [f(3 * c), 0, 0, 0, 0, f(4 * c)]);
  clipGradValue_([p], 0.5);
  assert.equal(Array.from(base.toArray()), [0.5, 0, 0, 0, 0, 0.5]);
  p.grad = null;
});

test('clipGradValue_ clamps every grad into [-clipValue, clipValue]', () => {
  const [a, b] = withGrads([[-3, 0.5, 2, -0.1], [Infinity, -Infinity, NaN]]);
  assert.is(clipGradValue_([a, b], 1), undefined);
  assert.equal(Array.from(a.grad.toArray()), [-1, 0.5, 1, f(-0.1)]);
  const bg = Array.from(b.grad.toArray());
  assert.ok(bg[0] === 1 && bg[1] === -1 && Number.isNaN(bg[2]), String(bg));
  // the bound is rounded to float32 like PyTorch's scalar
  clipGradValue_(a, 0.3);
  assert.equal(Array.from(a.grad.toArray()), [f(-0.3), f(0.3), f(0.3), f(-0.1)]);
  // clipValue < 0: clamp(min = 0.2, max = -0.2) gives max everywhere, as torch.clamp does
  clipGradValue_([a], -0.2);
  assert.equal(Array.from(a.grad.toArray()), [f(-0.2), f(-0.2), f(-0.2), f(-0.2)]);
});

test('clipping validates its arguments before touching any gradient', () => {
  const [a] = withGrads([[3, 4]]);
  assertThrows(() => clipGradNorm_([a], 'one'), 'clipGradNorm_', 'maxNorm', 'one');
  assertThrows(() => clipGradNorm_([a], NaN), 'clipGradNorm_', 'maxNorm');
  assertThrows(() => clipGradNorm_([a], 1, { normType: 0 }), 'clipGradNorm_', 'normType', '0');
  assertThrows(() => clipGradNorm_([a], 1, { normType: -Infinity }), 'clipGradNorm_', 'normType', '-Infinity');
  assertThrows(() => clipGradNorm_([a], 1, { errorIfNonfinite: 'yes' }), 'clipGradNorm_', 'errorIfNonfinite');
  assertThrows(() => clipGradNorm_([a], 1, { foreach: 1 }), 'clipGradNorm_', 'foreach');
  assertThrows(() => clipGradNorm_(null, 1), 'clipGradNorm_', 'parameters');
  assertThrows(() => clipGradNorm_([a, 3], 1), 'clipGradNorm_', 'parameter 1');
  assertThrows(() => clipGradValue_([a], NaN), 'clipGradValue_', 'clipValue');
  const q = sg.zeros([3], { requiresGrad: true });
  q.grad = sg.tensor([2]).expand([3]);
  assertThrows(() => clipGradNorm_([a, q], 1), 'clipGradNorm_', 'parameter 1', '[3]', 'broadcast');
  assertThrows(() => clipGradValue_([q], 1), 'clipGradValue_', 'broadcast');
  assert.equal(Array.from(a.grad.toArray()), [3, 4]);
  q.grad = null;
});

test('clipGradNorm_ with an optimizer: the step uses the clipped gradient', () => {
  const p = sg.tensor([1, 1], { requiresGrad: true });
  const opt = new sg.optim.SGD([p], { lr: 0.1 });
  try {
    sg.tensor([30, 40]).mul(p).sum().backward();
    assert.is(clipGradNorm_([p], 5).item(), 50);
    opt.step();
    const c = torchCoef(50, 5);
    assertClose(p.toArray(), [1 - 0.1 * 30 * c, 1 - 0.1 * 40 * c], { atol: 1e-7 });
  } finally {
    opt.dispose();
    p.dispose();
  }
});
test.run();
