// Activations (elu, selu, celu, gelu, silu, mish, softplus, hardtanh, relu6,
// hardsigmoid, hardswish, logSigmoid, softsign) and erf: forward values
// against float64 references of PyTorch's formulas over wide ranges, the
// kinks and thresholds; finite-difference gradients away from the kinks and
// PyTorch's exact gradient rules at them; verf's error over a dense sweep;
// lane/tail and thread-count independence; option checks.
import * as assert from 'uvu/assert';
import { suite, sg, rng, assertClose, assertThrows } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import * as R from '../helpers/ref.mjs';

const test = suite('activations');

/**
 * erf in float64 from its everywhere-convergent series of positive terms,
 * erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1 3 5 ... (2n+1)),
 * which has no cancellation (relative error ~1e-14 for |x| < 6); +-1 beyond.
 */
function erf64(x) {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  let term = a, sum = a;
  for (let n = 0; term > sum * 1e-17; n++) {
    term *= (2 * a * a) / (2 * n + 3);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;
const sigmoid = (v) => 1 / (1 + Math.exp(-v));
/** log(1 + e^v) without overflow. */
const softplus64 = (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const geluTanh64 = (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

/**
 * [name, engine op, float64 forward, float64 derivative (PyTorch's rule, also at the kinks), kinks, forward tolerance].
 * Forward tolerances are absolute + relative: float32 rounding of the result,
 * plus, where PyTorch's formula itself cancels (gelu's 1 + erf for x << 0),
 * about an ulp of the terms that cancel.
 */
const ops = [
  ['elu', (x) => sg.elu(x), (v) => (v > 0 ? v : Math.expm1(v)), (v) => (v > 0 ? 1 : Math.exp(v)), [0], {}],
  ['elu alpha=0.3', (x) => sg.elu(x, { alpha: 0.3 }), (v) => (v > 0 ? v : 0.3 * Math.expm1(v)), (v) => (v > 0 ? 1 : Math.fround(0.3) * Math.exp(v)), [0], {}],
  ['elu alpha=-0.5', (x) => sg.elu(x, { alpha: -0.5 }), (v) => (v > 0 ? v : -0.5 * Math.expm1(v)), (v) => (v > 0 ? 1 : -0.5 * Math.exp(v)), [0], {}],
  ['selu', (x) => sg.selu(x), (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v)), (v) => SELU_SCALE * (v > 0 ? 1 : SELU_ALPHA * Math.exp(v)), [0], {}],
  ['celu alpha=2', (x) => sg.celu(x, { alpha: 2 }), (v) => (v > 0 ? v : 2 * Math.expm1(v / 2)), (v) => (v > 0 ? 1 : Math.exp(v / 2)), [0], {}],
  ['celu alpha=0.25', (x) => sg.celu(x, { alpha: 0.25 }), (v) => (v > 0 ? v : 0.25 * Math.expm1(v / 0.25)), (v) => (v > 0 ? 1 : Math.exp(v / 0.25)), [0], {}],
  ['gelu', (x) => sg.gelu(x), (v) => 0.5 * v * (1 + erf64(v * Math.SQRT1_2)), (v) => 0.5 * (1 + erf64(v * Math.SQRT1_2)) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI), [], { atol: 3e-7 }],
  ['gelu tanh', (x) => sg.gelu(x, { approximate: 'tanh' }), geluTanh64, (v) => {
    const b = Math.sqrt(2 / Math.PI), t = Math.tanh(b * (v + 0.044715 * v ** 3));
    return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * b * (1 + 3 * 0.044715 * v * v);
  }, [], { atol: 3e-7 }],
  ['silu', (x) => sg.silu(x), (v) => v * sigmoid(v), (v) => sigmoid(v) * (1 + v * (1 - sigmoid(v))), [], {}],
  ['mish', (x) => sg.mish(x), (v) => v * Math.tanh(softplus64(v)), (v) => {
    const t = Math.tanh(softplus64(v));
    return t + v * sigmoid(v) * (1 - t * t);
  }, [], {}],
  ['softplus', (x) => sg.softplus(x), (v) => (v > 20 ? v : softplus64(v)), (v) => (v > 20 ? 1 : sigmoid(v)), [20], {}],
  ['softplus beta=2 threshold=3', (x) => sg.softplus(x, { beta: 2, threshold: 3 }), (v) => (2 * v > 3 ? v : softplus64(2 * v) / 2), (v) => (2 * v > 3 ? 1 : sigmoid(2 * v)), [1.5], {}],
  ['softplus beta=0.5 threshold=-1', (x) => sg.softplus(x, { beta: 0.5, threshold: -1 }), (v) => (0.5 * v > -1 ? v : softplus64(0.5 * v) / 0.5), (v) => (0.5 * v > -1 ? 1 : sigmoid(0.5 * v)), [-2], {}],
  ['hardtanh', (x) => sg.hardtanh(x), (v) => Math.min(Math.max(v, -1), 1), (v) => (v <= -1 || v >= 1 ? 0 : 1), [-1, 1], {}],
  ['hardtanh -2.5..0.5', (x) => sg.hardtanh(x, { minVal: -2.5, maxVal: 0.5 }), (v) => Math.min(Math.max(v, -2.5), 0.5), (v) => (v <= -2.5 || v >= 0.5 ? 0 : 1), [-2.5, 0.5], {}],
  ['relu6', (x) => sg.relu6(x), (v) => Math.min(Math.max(v, 0), 6), (v) => (v <= 0 || v >= 6 ? 0 : 1), [0, 6], {}],
  ['hardsigmoid', (x) => sg.hardsigmoid(x), (v) => Math.min(Math.max(v + 3, 0), 6) / 6, (v) => (v > -3 && v < 3 ? 1 / 6 : 0), [-3, 3], {}],
  ['hardswish', (x) => sg.hardswish(x), (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6, (v) => (v < -3 ? 0 : v <= 3 ? v / 3 + 0.5 : 1), [-3, 3], {}],
  ['logSigmoid', (x) => sg.logSigmoid(x), (v) => Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v))), (v) => 1 - sigmoid(v), [], {}],
  ['softsign', (x) => sg.softsign(x), (v) => v / (1 + Math.abs(v)), (v) => 1 / (1 + Math.abs(v)) ** 2, [], {}],
  ['erf', (x) => sg.erf(x), erf64, (v) => (2 / Math.sqrt(Math.PI)) * Math.exp(-v * v), [], {}],
];

/** Inputs over a wide range: large |x|, zero, tiny values, the exp/softplus thresholds, every kink and its float32 neighbours, random values. */
function wideInputs(kinks) {
  const fixed = [0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 1e-4, -1e-4, 0.1, -0.1, 0.5, -0.5, 1, -1, 2, -2, 3, -3, 5, -5, 6, -6, 8, -8, 10, -10,
    15, -15, 17, -17, 19.9, 20, 20.5, -20, 30, -30, 50, -50, 87, -87, 88.8, -88.8, 100, -100, 1e4, -1e4, 1e30, -1e30];
  const near = kinks.flatMap((k) => [k, nextUp(k), nextDown(k), k + 1e-3, k - 1e-3]);
  const r = rng(99);
  return Float32Array.from([...fixed, ...near, ...r.array(1000, -12, 12)]);
}

/** The next float32 above / below v. */
function nextUp(v) {
  const b = new Float32Array([v]), i = new Int32Array(b.buffer);
  if (v === 0) return 1.401298464324817e-45;
  i[0] += v > 0 ? 1 : -1;
  return b[0];
}
const nextDown = (v) => -nextUp(-v);

for (const [name, fn, f, , kinks, tol] of ops) {
  test(`${name}: forward against the float64 formula over a wide range`, () => {
    const xs = wideInputs(kinks);
    const y = fn(sg.tensor(xs)).toArray();
    assertClose(y, Float64Array.from(xs, f), { atol: tol.atol ?? 1e-7, rtol: 2e-6, what: name });
  });
}

/** Data for a gradcheck: uniform in [lo, hi), at least `gap` away from every kink. */
function awayFromKinks(n, kinks, seed, lo = -6, hi = 6, gap = 0.01) {
  const r = rng(seed);
  const out = [];
  while (out.length < n) {
    const v = Math.fround(r.uniform(lo, hi));
    if (kinks.every((k) => Math.abs(v - k) > gap)) out.push(v);
  }
  return out;
}

for (const [name, fn, f, , kinks] of ops) {
  test(`${name}: gradient by finite differences away from the kinks`, () => {
    for (const [shape, seed] of [[[2, 3, 5], 3], [[7], 4], [[], 5]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      gradcheck({ inputs: [{ shape, data: awayFromKinks(n, kinks, seed) }], fn, ref: (a) => R.map(a, f), fatol: 3e-7, frtol: 2e-6 });
    }
  });
}

for (const [name, fn, , df, kinks] of ops) {
  test(`${name}: gradient values at the kinks, thresholds and large |x| follow PyTorch's rule`, () => {
    const xs = Float32Array.from([...kinks.flatMap((k) => [k, nextUp(k), nextDown(k)]), 0, -0, 3, -3, 6, 1, -1, 25, -25, 100, -100, 1e-6, -1e-6]);
    const x = sg.tensor(xs, { requiresGrad: true });
    const g = Float32Array.from(xs, (_, i) => 0.5 + 0.25 * (i % 3));
    fn(x).backward(sg.tensor(g));
    assertClose(x.grad.toArray(), Float64Array.from(xs, (v, i) => g[i] * df(v)), { atol: 1e-7, rtol: 2e-6, what: `${name} gradient` });
  });
}

test('exact gradients at the kinks (PyTorch rules, hand-derived)', () => {
  const gradAt = (fn, xs) => {
    const x = sg.tensor(xs, { requiresGrad: true });
    fn(x).sum().backward();
    return Array.from(x.grad.toArray());
  };
  // hardtanh and relu6 pass the gradient only strictly inside (min, max)
  assert.equal(gradAt(sg.hardtanh, [-1, 1, -0.5, 0.5, -2, 2]), [0, 0, 1, 1, 0, 0]);
  assert.equal(gradAt((x) => sg.hardtanh(x, { minVal: 0.25, maxVal: 0.25 }), [0.25, 0, 1]), [0, 0, 0]);
  assert.equal(gradAt(sg.relu6, [0, 6, 3, -1, 7]), [0, 0, 1, 0, 0]);
  // hardsigmoid: 1/6 strictly inside (-3, 3)
  assert.equal(gradAt(sg.hardsigmoid, [-3, 3, 0, -4, 4]), [0, 0, Math.fround(1 / 6), 0, 0]);
  // hardswish: 0 below -3, x/3 + 1/2 on [-3, 3], 1 above
  assert.equal(gradAt(sg.hardswish, [-3, 3, 0, -4, 4, nextDown(-3)]), [-0.5, 1.5, 0.5, 0, 1, 0]);
  // elu family at 0 takes the x <= 0 branch: alpha scale inputScale e^0
  assert.equal(gradAt((x) => sg.elu(x, { alpha: 0.7 }), [0, -0]), [Math.fround(0.7), Math.fround(0.7)]);
  assert.equal(gradAt(sg.celu, [0]), [1]);
  assert.equal(gradAt(sg.selu, [0, 1]), [Math.fround(Math.fround(SELU_ALPHA) * Math.fround(SELU_SCALE)), Math.fround(SELU_SCALE)]);
  // softplus reverts to x only strictly above the threshold
  const t = Math.fround(1.5);
  assert.equal(gradAt((x) => sg.softplus(x, { beta: 2, threshold: 3 }), [t, nextUp(t)]), [Math.fround(sigmoid(3)), 1]);
  // smooth ones at 0
  assert.equal(gradAt(sg.gelu, [0]), [0.5]);
  assert.equal(gradAt(sg.silu, [0]), [0.5]);
  assert.equal(gradAt(sg.logSigmoid, [0]), [0.5]);
  assert.equal(gradAt(sg.softsign, [0]), [1]);
  assertClose(gradAt(sg.mish, [0]), [0.6], { atol: 1e-7, rtol: 0, what: 'mish\'(0) = tanh(log 2)' });
});

test('softplus threshold rule in the forward: x itself only where beta x > threshold', () => {
  const t = Math.fround(1.5);
  const y = sg.softplus(sg.tensor([t, nextUp(t), 30, -30]), { beta: 2, threshold: 3 }).toArray();
  assertClose([y[0]], [Math.log1p(Math.exp(3)) / 2], { atol: 0, rtol: 2e-7, what: 'at the threshold' });
  assert.is(y[1], nextUp(t));
  assert.is(y[2], 30);
  assertClose([y[3]], [Math.log1p(Math.exp(-60)) / 2], { atol: 0, rtol: 1e-5, what: 'far below: e^(beta x) / beta, not 0' });
  // an infinite threshold never reverts, and large beta x stays finite (x), where log1p(e^(beta x)) would overflow
  assert.equal(Array.from(sg.softplus(sg.tensor([100, 1e4]), { threshold: Infinity }).toArray()), [100, 1e4]);
});

test('verf: absolute error below 1e-7 over a dense sweep of [-6, 6], the piece boundaries and special values', () => {
  // every 2^-13 over [-6, 6] (98305 points), and 2000 float32 neighbours each side of the pieces' ends 1 and 3.92
  const xs = [];
  for (let i = -6 * 8192; i <= 6 * 8192; i++) xs.push(i / 8192);
  for (const edge of [1, -1, Math.fround(3.92), -Math.fround(3.92)]) {
    let up = edge, down = edge;
    for (let i = 0; i < 2000; i++) xs.push((up = nextUp(up)), (down = nextDown(down)));
  }
  const x = Float32Array.from(xs);
  const y = sg.erf(sg.tensor(x)).toArray();
  let worst = 0, at = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(y[i] - erf64(x[i]));
    if (e > worst) { worst = e; at = x[i]; }
  }
  assert.ok(worst < 1e-7, `max |verf - erf| = ${worst} at x = ${at}`);
  const s = sg.erf(sg.tensor([0, -0, Infinity, -Infinity, NaN, 1e-30, -1e-30, 20, -20])).toArray();
  assert.is(Object.is(s[0], 0) && Object.is(s[1], -0), true, 'erf(+-0) = +-0');
  assert.equal(Array.from(s.slice(2, 4)), [1, -1]);
  assert.ok(Number.isNaN(s[4]));
  assertClose(s.slice(5), [1e-30 * 1.1283791670955126, -1e-30 * 1.1283791670955126, 1, -1], { atol: 0, rtol: 2e-7, what: 'erf at tiny and large |x|' });
  // Tensor.erf, as in PyTorch, is the same op
  assert.equal(Array.from(sg.tensor([-0.5, 0.25, 2]).erf().toArray()), Array.from(sg.erf(sg.tensor([-0.5, 0.25, 2])).toArray()));
});

test('special values: NaN propagates, infinities saturate', () => {
  const x = sg.tensor([NaN, Infinity, -Infinity]);
  const expect = {
    elu: [NaN, Infinity, -1], selu: [NaN, Infinity, -Math.fround(Math.fround(SELU_ALPHA) * Math.fround(SELU_SCALE))], celu: [NaN, Infinity, -1],
    gelu: [NaN, Infinity, NaN], silu: [NaN, Infinity, NaN], mish: [NaN, Infinity, NaN], softplus: [NaN, Infinity, 0],
    hardtanh: [NaN, 1, -1], relu6: [NaN, 6, 0], hardsigmoid: [NaN, 1, 0], hardswish: [NaN, Infinity, NaN], logSigmoid: [NaN, 0, -Infinity], softsign: [NaN, NaN, NaN],
  };
  for (const [name, want] of Object.entries(expect)) {
    const got = Array.from(sg[name](x).toArray());
    assert.ok(got.every((v, i) => Object.is(v, want[i]) || (Number.isNaN(v) && Number.isNaN(want[i]))), `${name}: got ${got}, expected ${want}`);
  }
});

test('a lane gives the same bits in a full vector, a loop tail and any thread split', () => {
  const r = rng(21);
  const xs = r.array(4099, -8, 8);
  const x = sg.tensor(Float32Array.from(xs));
  for (const [name, fn] of ops.map((o) => [o[0], o[1]])) {
    const full = fn(x).toArray();
    // elements 0..10 again as single-element tensors (the scalar tail path)
    for (let i = 0; i < 10; i++) {
      const one = fn(sg.tensor([xs[i]])).item();
      assert.ok(Object.is(one, full[i]), `${name}: element ${i} is ${full[i]} in a vector but ${one} alone`);
    }
  }
});

test('large tensors: forward and backward bit-identical for 1, 2, 3 threads', () => {
  const n = 16384 * 3 + 5;
  const xs = Float32Array.from(rng(8).array(n, -8, 8));
  const run = (threads) => {
    const prevN = sg.setNumThreads(threads), prevWork = sg.setMinWorkPerThread(0);
    try {
      // one scope per op, so the heap never holds more than one op's tensors
      return ops.map(([, fn]) => sg.scope(() => {
        const x = sg.tensor(xs, { requiresGrad: true });
        const y = fn(x);
        y.backward(sg.onesLike(x));
        return [y.toArray(), x.grad.toArray()];
      }));
    } finally {
      sg.setNumThreads(prevN);
      sg.setMinWorkPerThread(prevWork);
    }
  };
  const one = run(1);
  for (const t of [2, 3]) {
    const other = run(t);
    one.forEach(([y, g], i) => {
      assert.ok(y.every((v, j) => Object.is(v, other[i][0][j])), `${ops[i][0]} forward with ${t} threads`);
      assert.ok(g.every((v, j) => Object.is(v, other[i][1][j])), `${ops[i][0]} gradient with ${t} threads`);
    });
  }
});

test('non-contiguous inputs and gradients', () => {
  gradcheck({
    inputs: [{ shape: [5, 4], data: awayFromKinks(20, [-3, 3], 31) }],
    fn: (x) => sg.hardswish(x.t()).mul(sg.gelu(x.t().narrow(1, 1, 3)).sum()),
    ref: (x) => {
      const t = R.permute(x, [1, 0]);
      const hs = R.map(t, (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6);
      let s = 0;
      for (let i = 0; i < 4; i++) for (let j = 1; j < 4; j++) { const v = t.data[i * 5 + j]; s += 0.5 * v * (1 + erf64(v * Math.SQRT1_2)); }
      return R.map(hs, (v) => v * s);
    },
    fatol: 1e-5,
  });
});

test('option checks name the op and the option', () => {
  const x = sg.ones([2]);
  assertThrows(() => sg.elu(x, { alpha: '1' }), 'elu', 'alpha', 'finite number', "'1'");
  assertThrows(() => sg.elu(x, { alpha: NaN }), 'elu', 'alpha');
  assertThrows(() => sg.elu(x, { alpha: Infinity }), 'elu', 'alpha');
  assertThrows(() => sg.elu(x, 2, 3), 'elu', 'takes 1 positional argument (alpha)');
  assertThrows(() => sg.elu(x, { alhpa: 2 }), 'elu', "unknown option 'alhpa'", "'alpha'");
  assertThrows(() => sg.celu(x, { alpha: 0 }), 'celu', 'alpha cannot be 0');
  assertThrows(() => sg.gelu(x, { approximate: 'exact' }), 'gelu', "approximate must be one of 'none', 'tanh'", "'exact'");
  assertThrows(() => sg.gelu(x, { approximate: true }), 'gelu', 'approximate');
  assertThrows(() => sg.softplus(x, { beta: [2] }), 'softplus', 'beta', 'finite number');
  assertThrows(() => sg.softplus(x, { threshold: NaN }), 'softplus', 'threshold', 'must be a number');
  assertThrows(() => sg.hardtanh(x, { minVal: 2, maxVal: 1 }), 'hardtanh', 'minVal cannot be greater than maxVal', 'minVal=2, maxVal=1');
  assertThrows(() => sg.hardtanh(x, { minVal: 2 }), 'hardtanh', 'minVal=2, maxVal=1');
  assertThrows(() => sg.hardtanh(x, { min: 0 }), 'hardtanh', "unknown option 'min'");
  // what PyTorch accepts: a negative alpha, equal hardtanh bounds, an infinite bound or threshold
  assert.equal(Array.from(sg.hardtanh(sg.tensor([-3, 3]), { minVal: -Infinity, maxVal: 2 }).toArray()), [-3, 2]);
  assert.equal(Array.from(sg.hardtanh(sg.tensor([-3, 3]), { minVal: 1, maxVal: 1 }).toArray()), [1, 1]);
  assert.is(sg.elu(sg.tensor([-1]), { alpha: -1 }).item(), Math.fround(-Math.expm1(-1)));
});

test('F namespace carries the functional forms', () => {
  for (const name of ['elu', 'selu', 'celu', 'gelu', 'silu', 'mish', 'softplus', 'hardtanh', 'relu6', 'hardsigmoid', 'hardswish', 'logSigmoid', 'softsign']) {
    assert.is(sg.F[name], sg[name], name);
  }
});

test.run();
