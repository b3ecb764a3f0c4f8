// Pooling against float64 window-loop references, with gradients by finite
// differences (max pooling on distinct values so the argmax is stable).
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

test('maxPool2d 2x2 stride 2 (vector path and its scalar tail): values and argmax with ties and NaN', () => {
  const r = rng(17);
  const shape = [2, 3, 9, 11]; // outputs 4x5: four vector lanes and one scalar column per row
  const n = shape.reduce((a, b) => a * b);
  // few distinct values, so windows tie often; a few NaN
  const data = Array.from({ length: n }, (_, i) => (i % 37 === 5 ? NaN : r.int(4)));
  const x = sg.tensor(data, { shape, requiresGrad: true });
  const y = sg.maxPool2d(x, { kernelSize: 2 });
  y.sum().backward();
  const [H, W, OH, OW] = [9, 11, 4, 5];
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

test('global average pooling equals the mean over H and W', () => {
  const x = sg.randn([4, 8, 32, 32]);
  const g = sg.adaptiveAvgPool2d(x, 1);
  assert.equal([...g.shape], [4, 8, 1, 1]);
  assertClose(g.toArray(), x.mean([2, 3]).toArray(), { atol: 1e-6, rtol: 1e-5 });
});

test('bad shapes and options are refused', () => {
  assertThrows(() => sg.maxPool2d(sg.zeros([4, 4]), { kernelSize: 2 }), 'maxPool2d', '[4,4]');
  assertThrows(() => sg.maxPool2d(sg.zeros([1, 1, 4, 4]), { kernelSize: 2, padding: 2 }), 'maxPool2d', 'at most half');
  assertThrows(() => sg.avgPool2d(sg.zeros([1, 1, 2, 2]), { kernelSize: 3 }), 'avgPool2d', '[1,1,2,2]', 'smaller than the kernel');
  assertThrows(() => sg.avgPool2d(sg.zeros([1, 1, 4, 4]), {}), 'kernelSize');
  assertThrows(() => sg.adaptiveAvgPool2d(sg.zeros([1, 1, 4, 4]), 0), 'adaptiveAvgPool2d', 'outputSize');
});

test.run();
