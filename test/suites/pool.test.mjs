// Pooling against float64 window-loop references, with gradients by finite
// differences (max pooling on distinct values so the argmax is stable), over
// strides, padding, ceilMode, dilation (max) and divisorOverride (average);
// hand-derived PyTorch values for each option; the errors for bad options.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';
import { pair, refWindowed, refAdaptive } from '../helpers/ref-nn.mjs';

const test = suite('ops: pooling');

/** Distinct values (a shuffled ramp), so max pooling has a unique argmax. */
function distinct(n, seed) {
  const r = rng(seed), v = Array.from({ length: n }, (_, i) => (i - n / 2) / n);
  for (let i = n - 1; i > 0; i--) { const j = r.int(i + 1); [v[i], v[j]] = [v[j], v[i]]; }
  return v;
}

const windowCases = [
  [[2, 3, 6, 6], { kernelSize: 2 }],
  [[1, 2, 7, 9], { kernelSize: 3, stride: 2, padding: 1 }],
  [[2, 1, 5, 8], { kernelSize: [2, 3], stride: [1, 2], padding: [1, 1] }],
  [[3, 7, 7], { kernelSize: 3, stride: 1, padding: 1 }],
  [[1, 1, 5, 5], { kernelSize: 5 }],
  // ceilMode: clipped last windows (rows and columns), with and without padding
  [[2, 2, 5, 7], { kernelSize: 2, ceilMode: true }],
  [[1, 2, 6, 8], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }],
  [[1, 1, 7, 6], { kernelSize: [3, 2], stride: [3, 3], padding: [1, 0], ceilMode: true }],
  // 2x2 stride 2 with a clipped last row and column next to the vector path
  [[1, 2, 9, 19], { kernelSize: 2, ceilMode: true }],
];

/** Max pooling only: dilated windows (with padding up to half the dilated span, ceilMode). */
const dilatedCases = [
  [[2, 2, 7, 8], { kernelSize: 2, stride: 1, dilation: 2 }],
  [[1, 2, 9, 9], { kernelSize: 3, stride: 2, padding: 2, dilation: 2 }],
  [[1, 1, 8, 11], { kernelSize: [2, 3], stride: [2, 3], padding: [1, 2], dilation: [3, 2], ceilMode: true }],
  [[2, 6, 7], { kernelSize: 2, stride: 2, dilation: [1, 2], ceilMode: true }],
];

/** Average pooling only: divisorOverride with and without padding and ceilMode. */
const divisorCases = [
  [[2, 2, 6, 6], { kernelSize: 2, divisorOverride: 3 }],
  [[1, 2, 7, 5], { kernelSize: 3, stride: 2, padding: 1, ceilMode: true, divisorOverride: 5 }],
];

for (const [shape, opts] of windowCases) {
  const n = shape.reduce((a, b) => a * b);
  test(`maxPool2d ${JSON.stringify(shape)} ${JSON.stringify(opts)}`, () => {
    gradcheck({ inputs: [{ shape, data: distinct(n, 5) }], fn: (x) => sg.maxPool2d(x, opts), ref: (x) => refWindowed(x, opts, 'max') });
  });
  for (const countIncludePad of [true, false]) {
    test(`avgPool2d ${JSON.stringify(shape)} ${JSON.stringify(opts)} countIncludePad=${countIncludePad}`, () => {
      const o = { ...opts, countIncludePad };
      gradcheck({ inputs: [{ shape }], fn: (x) => sg.avgPool2d(x, o), ref: (x) => refWindowed(x, o, 'avg') });
    });
  }
}

for (const [shape, opts] of dilatedCases) {
  test(`maxPool2d (dilated) ${JSON.stringify(shape)} ${JSON.stringify(opts)}`, () => {
    const n = shape.reduce((a, b) => a * b);
    gradcheck({ inputs: [{ shape, data: distinct(n, 9) }], fn: (x) => sg.maxPool2d(x, opts), ref: (x) => refWindowed(x, opts, 'max') });
  });
}

for (const [shape, opts] of divisorCases) {
  for (const countIncludePad of [true, false]) {
    test(`avgPool2d ${JSON.stringify(shape)} ${JSON.stringify(opts)} countIncludePad=${countIncludePad} (ignored)`, () => {
      const o = { ...opts, countIncludePad };
      gradcheck({ inputs: [{ shape }], fn: (x) => sg.avgPool2d(x, o), ref: (x) => refWindowed(x, o, 'avg') });
    });
  }
}

for (const [shape, size] of [[[2, 3, 7, 5], 1], [[1, 2, 7, 9], [3, 4]], [[1, 1, 5, 5], 5], [[2, 6, 10], [4, 3]], [[1, 1, 3, 4], [5, 7]]]) {
  test(`adaptiveAvgPool2d ${JSON.stringify(shape)} -> ${JSON.stringify(size)}`, () => {
    gradcheck({ inputs: [{ shape }], fn: (x) => sg.adaptiveAvgPool2d(x, size), ref: (x) => refAdaptive(x, size) });
  });
}

test('maxPool2d: the first maximum of a tie gets the gradient', () => {
  const x = sg.tensor([[[[1, 1], [1, 1]]]], { requiresGrad: true });
  sg.maxPool2d(x, { kernelSize: 2 }).sum().backward();
  assert.equal(Array.from(x.grad.toArray()), [1, 0, 0, 0]);
  const y = sg.tensor([[[[-5, -5, -5]]]], { requiresGrad: true });
  const m = sg.maxPool2d(y, { kernelSize: [1, 2], stride: 1, padding: [0, 1] });
  assert.equal(Array.from(m.toArray()), [-5, -5, -5, -5]); // padding never wins
  m.sum().backward();
  assert.equal(Array.from(y.grad.toArray()), [2, 1, 1]);
});

// widths 5..19: rows of 2..9 outputs (scalar rows under 4; one vector step; a
// last step overlapping the one before; whole steps), odd widths leave a column out
for (const W of [5, 7, 8, 9, 11, 12, 14, 19]) {
  test(`maxPool2d 2x2 stride 2, width ${W} (vector steps, overlapping last step, scalar rows): values and argmax with ties and NaN`, () => {
    const r = rng(17 + W);
    const H = 9, shape = [2, 3, H, W]; // 4 output rows; the ninth input row is left out
    const n = shape.reduce((a, b) => a * b);
    // few distinct values, so windows tie often; a few NaN
    const data = Array.from({ length: n }, (_, i) => (i % 37 === 5 ? NaN : r.int(4)));
    const x = sg.tensor(data, { shape, requiresGrad: true });
    const y = sg.maxPool2d(x, { kernelSize: 2 });
    y.sum().backward();
    const OH = 4, OW = Math.floor(W / 2);
    const expected = [], grad = new Float64Array(n);
    for (let p = 0; p < 6; p++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
      let best = -Infinity, at = -1;
      for (let y0 = 2 * oy; y0 < 2 * oy + 2; y0++) for (let x0 = 2 * ox; x0 < 2 * ox + 2; x0++) {
        const i = (p * H + y0) * W + x0, v = data[i];
        if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) { best = v; at = i; }
      }
      expected.push(best);
      grad[at] += 1;
    }
    assert.equal(Array.from(y.toArray()).map(String), expected.map(String));
    assert.equal(Array.from(x.grad.toArray()), Array.from(grad));
  });
}

test('global average pooling equals the mean over H and W', () => {
  const x = sg.randn([4, 8, 32, 32]);
  const g = sg.adaptiveAvgPool2d(x, 1);
  assert.equal([...g.shape], [4, 8, 1, 1]);
  assertClose(g.toArray(), x.mean([2, 3]).toArray(), { atol: 1e-6, rtol: 1e-5 });
});

const arange = (n) => Array.from({ length: n }, (_, i) => i);
const values = (t) => Array.from(t.toArray());

test('ceilMode by hand (PyTorch): 5x5 arange, kernel 2, stride 2 -> 3x3 with clipped last row and column', () => {
  const x = sg.tensor(arange(25), { shape: [1, 1, 5, 5], requiresGrad: true });
  const floor = sg.maxPool2d(x, { kernelSize: 2 });
  assert.equal([...floor.shape], [1, 1, 2, 2]);
  assert.equal(values(floor), [6, 8, 16, 18]);
  const m = sg.maxPool2d(x, { kernelSize: 2, ceilMode: true });
  assert.equal([...m.shape], [1, 1, 3, 3]);
  assert.equal(values(m), [6, 8, 9, 16, 18, 19, 21, 23, 24]);
  m.sum().backward();
  const g = new Array(25).fill(0);
  for (const i of [6, 8, 9, 16, 18, 19, 21, 23, 24]) g[i] = 1;
  assert.equal(values(x.grad), g);
  // no padding: the divisor of a clipped window is its size inside the input, whether padding counts or not
  for (const countIncludePad of [true, false]) {
    const a = sg.avgPool2d(x, { kernelSize: 2, ceilMode: true, countIncludePad });
    assert.equal(values(a), [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24]);
  }
});

test('ceilMode by hand (PyTorch): average divisors at the clipped edge count padding but not the overhang', () => {
  // one row [0..5], kernel 3 wide, stride 2, padding 1: window starts -1, 1, 3, 5 (the last one only with ceilMode)
  const x = sg.tensor(arange(6), { shape: [1, 1, 1, 6], requiresGrad: true });
  const opts = { kernelSize: [1, 3], stride: [1, 2], padding: [0, 1] };
  assert.equal(values(sg.avgPool2d(x, opts)), [1 / 3, 2, 4].map(Math.fround));
  // countIncludePad: divisors 3 (padding at -1 counts), 3, 3, and min(5 + 3, 6 + 1) - 5 = 2 for the last window
  const inc = sg.avgPool2d(x, { ...opts, ceilMode: true });
  assert.equal([...inc.shape], [1, 1, 1, 4]);
  assert.equal(values(inc), [1 / 3, 2, 4, 2.5].map(Math.fround));
  inc.sum().backward();
  assertClose(x.grad.toArray(), [1 / 3, 2 / 3, 1 / 3, 2 / 3, 1 / 3, 1 / 3 + 1 / 2], { atol: 1e-7, rtol: 1e-6 });
  // input elements only: divisors 2, 3, 3, 1
  assert.equal(values(sg.avgPool2d(x, { ...opts, ceilMode: true, countIncludePad: false })), [0.5, 2, 4, 5]);
  // divisorOverride replaces every divisor
  assert.equal(values(sg.avgPool2d(x, { ...opts, ceilMode: true, divisorOverride: 2 })), [0.5, 3, 6, 2.5]);
  // ceilMode drops a window that would start in the right padding: 5 wide, kernel 2, stride 2, padding 1 -> starts -1, 1, 3 (not 5)
  const y = sg.tensor(arange(5), { shape: [1, 1, 1, 5] });
  assert.equal(values(sg.avgPool2d(y, { kernelSize: [1, 2], stride: [1, 2], padding: [0, 1], ceilMode: true })), [0, 1.5, 3.5]);
});

test('divisorOverride by hand: 4x4 arange, kernel 2 -> window sums / 3', () => {
  const x = sg.tensor(arange(16), { shape: [1, 4, 4], requiresGrad: true });
  const a = sg.avgPool2d(x, { kernelSize: 2, divisorOverride: 3 });
  assert.equal(values(a), [10 / 3, 18 / 3, 42 / 3, 50 / 3].map(Math.fround));
  a.sum().backward();
  assert.equal(values(x.grad), new Array(16).fill(Math.fround(1 / 3)));
});

test('dilation by hand (PyTorch): taps 2 apart skip the values between them; argmax gets the gradient', () => {
  // taps {0,2,4}, {2,4,6}, and with ceilMode {4,6} (8 is past the edge)
  const x = sg.tensor([3, 9, 1, 4, 7, 2, 8, 5], { shape: [1, 1, 1, 8], requiresGrad: true });
  const opts = { kernelSize: [1, 3], stride: [1, 2], dilation: [1, 2] };
  assert.equal(values(sg.maxPool2d(x, opts)), [7, 8]);
  const m = sg.maxPool2d(x, { ...opts, ceilMode: true });
  assert.equal(values(m), [7, 8, 8]);
  m.sum().backward();
  assert.equal(values(x.grad), [0, 0, 0, 0, 1, 0, 2, 0]);
  // 2-d: 5x5 arange, kernel 2, dilation 2, stride 1 -> the bottom-right tap (oy + 2, ox + 2) of each window
  const z = sg.tensor(arange(25).map((v) => -v), { shape: [1, 1, 5, 5] });
  assert.equal(values(sg.maxPool2d(z, { kernelSize: 2, stride: 1, dilation: 2 })), [0, 1, 2, 5, 6, 7, 10, 11, 12].map((v) => -v));
});

test('dilation: a window whose taps all fall in the padding gives -inf and no gradient', () => {
  // row [5, 6], kernel 2, dilation 3, padding 2, stride 1: starts -2 (taps -2, 1), -1 (taps -1, 2: none inside), 0 (taps 0, 3)
  const x = sg.tensor([5, 6], { shape: [1, 1, 1, 2], requiresGrad: true });
  const m = sg.maxPool2d(x, { kernelSize: [1, 2], stride: 1, padding: [0, 2], dilation: [1, 3] });
  assert.equal(values(m), [6, -Infinity, 5]);
  sg.mul(m, sg.tensor([1, 10, 100], { shape: [1, 1, 1, 3] })).sum().backward();
  assert.equal(values(x.grad), [100, 1]);
});

test('bad shapes and options are refused, naming the op and the values', () => {
  const x = sg.zeros([1, 1, 4, 4]);
  assertThrows(() => sg.maxPool2d(sg.zeros([4, 4]), { kernelSize: 2 }), 'maxPool2d', '[4,4]');
  assertThrows(() => sg.maxPool2d(x, { kernelSize: 2, padding: 2 }), 'maxPool2d', 'padding 2x2', 'at most half', 'effective kernel size 2x2');
  assertThrows(() => sg.avgPool2d(x, { kernelSize: 3, padding: [1, 2] }), 'avgPool2d', 'padding 1x2', 'at most half');
  // dilation widens the window, so more padding is allowed: kernel 2, dilation 3 spans 4
  assert.equal([...sg.maxPool2d(x, { kernelSize: 2, dilation: 3, padding: 2, stride: 1 }).shape], [1, 1, 5, 5]);
  assertThrows(() => sg.maxPool2d(x, { kernelSize: 2, dilation: 3, padding: 3 }), 'maxPool2d', 'padding 3x3', 'effective kernel size 4x4', 'dilation 3x3');
  assertThrows(() => sg.avgPool2d(sg.zeros([1, 1, 2, 2]), { kernelSize: 3 }), 'avgPool2d', '[1,1,2,2]', 'output size 0x0', 'too small');
  assertThrows(() => sg.maxPool2d(sg.zeros([1, 1, 2, 9]), { kernelSize: 2, dilation: [2, 1] }), 'maxPool2d', '[1,1,2,9]', 'output size 0x', 'dilation 2x1');
  // ceilMode keeps a window clipped by the edge (one row from a 1-row input), but not a window that cannot fit at all
  assert.equal([...sg.maxPool2d(sg.zeros([1, 1, 1, 5]), { kernelSize: 2, ceilMode: true }).shape], [1, 1, 1, 3]);
  assertThrows(() => sg.maxPool2d(sg.zeros([1, 1, 1, 5]), { kernelSize: 3, stride: 1, ceilMode: true }), 'maxPool2d', '[1,1,1,5]', 'output size -1x3', 'ceilMode true');
  assertThrows(() => sg.avgPool2d(x, {}), 'kernelSize');
  assertThrows(() => sg.maxPool2d(x, { kernelSize: 0 }), 'maxPool2d', 'kernelSize', '0');
  assertThrows(() => sg.maxPool2d(x, { kernelSize: 2, stride: [1, 0] }), 'maxPool2d', 'stride', '[1, 0]');
  assertThrows(() => sg.maxPool2d(x, { kernelSize: 2, dilation: 0 }), 'maxPool2d', 'dilation', '0');
  assertThrows(() => sg.maxPool2d(x, { kernelSize: 2, dilation: 1.5 }), 'maxPool2d', 'dilation', '1.5');
  assertThrows(() => sg.avgPool2d(x, { kernelSize: 2, dilation: 2 }), 'avgPool2d', 'dilation');
  assertThrows(() => sg.maxPool2d(x, { kernelSize: 2, divisorOverride: 2 }), 'maxPool2d', 'divisorOverride');
  assertThrows(() => sg.avgPool2d(x, { kernelSize: 2, divisorOverride: 0 }), 'avgPool2d', 'divisorOverride', '0');
  assertThrows(() => sg.avgPool2d(x, { kernelSize: 2, divisorOverride: 2.5 }), 'avgPool2d', 'divisorOverride', '2.5');
  assertThrows(() => sg.avgPool2d(x, { kernelSize: 2, ceilMode: 1 }), 'avgPool2d', 'ceilMode', '1');
  assertThrows(() => sg.avgPool2d(x, { kernelSize: 2, countIncludePad: 'no' }), 'avgPool2d', 'countIncludePad');
  assertThrows(() => sg.adaptiveAvgPool2d(x, 0), 'adaptiveAvgPool2d', 'outputSize');
});

test.run();
