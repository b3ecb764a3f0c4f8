// batchNorm against a float64 reference: training (batch statistics) and
// eval (running statistics), gradients by finite differences, running-stat
// updates as PyTorch documents them, accuracy on large channels, bad shapes.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';
import { refStats, refNorm } from '../helpers/ref-nn.mjs';

const test = suite('ops: batchNorm');

for (const shape of [[5, 3], [4, 3, 5], [3, 2, 3, 4], [2, 4, 1, 3]]) {
  const C = shape[1];
  test(`training ${JSON.stringify(shape)}: forward and gradients of x, weight, bias`, () => {
    gradcheck({
      inputs: [{ shape }, { shape: [C], lo: 0.5, hi: 1.5 }, { shape: [C] }],
      fn: (x, w, b) => sg.batchNorm(x, null, null, w, b, { training: true }),
      ref: (x, w, b) => { const s = refStats(x); return refNorm(x, s.mean, s.v, w, b); },
      fatol: 1e-4, atol: 5e-3, rtol: 5e-3, h: 1e-5,
    });
  });
  test(`eval ${JSON.stringify(shape)}: running statistics, gradients`, () => {
    const r = rng(7);
    const rm = Float64Array.from({ length: C }, () => Math.fround(r.uniform(-0.5, 0.5)));
    const rv = Float64Array.from({ length: C }, () => Math.fround(r.uniform(0.5, 2)));
    const rmT = sg.tensor(Float32Array.from(rm)), rvT = sg.tensor(Float32Array.from(rv));
    gradcheck({
      inputs: [{ shape }, { shape: [C] }, { shape: [C] }],
      fn: (x, w, b) => sg.batchNorm(x, rmT, rvT, w, b, { training: false }),
      ref: (x, w, b) => refNorm(x, rm, rv, w, b),
    });
    assert.equal(Array.from(rmT.toArray()), Array.from(Float32Array.from(rm)), 'eval leaves the running mean alone');
  });
}

test('training without affine parameters; gradient of x only', () => {
  gradcheck({
    inputs: [{ shape: [3, 4, 5] }],
    fn: (x) => sg.batchNorm(x, null, null, null, null, { training: true, eps: 1e-3 }),
    ref: (x) => { const s = refStats(x); return refNorm(x, s.mean, s.v, null, null, 1e-3); },
    fatol: 1e-4, atol: 5e-3, rtol: 5e-3, h: 1e-5,
  });
});

test('running statistics after one step from zeros/ones: 0.1 mean, 0.9 + 0.1 unbiased var', () => {
  const x = sg.randn([4, 3, 2, 5]).mul(2).add(1);
  const rm = sg.zeros([3]), rv = sg.ones([3]);
  sg.batchNorm(x, rm, rv, null, null, { training: true });
  const s = refStats(nd(x.shape, Float64Array.from(x.toArray())));
  const M = s.M;
  assertClose(rm.toArray(), Array.from(s.mean, (m) => 0.1 * m), { atol: 1e-6, rtol: 1e-5 });
  assertClose(rv.toArray(), Array.from(s.v, (v) => 0.9 + 0.1 * v * (M / (M - 1))), { atol: 1e-6, rtol: 1e-5 });
  // a second step with momentum 0.5
  sg.batchNorm(x, rm, rv, null, null, { training: true, momentum: 0.5 });
  assertClose(rm.toArray(), Array.from(s.mean, (m) => 0.5 * 0.1 * m + 0.5 * m), { atol: 1e-6, rtol: 1e-5 });
  assert.is(rm.requiresGrad, false);
});

test('running statistics are updated without recording a graph, even with requiresGrad inputs', () => {
  const x = sg.randn([6, 2], { requiresGrad: true });
  const rm = sg.zeros([2]), rv = sg.ones([2]);
  const y = sg.batchNorm(x, rm, rv, null, null, { training: true });
  assert.is(y.gradFn, 'NativeBatchNormBackward');
  assert.is(rm.gradFn, null);
  y.mul(y).sum().backward();
  assert.equal([...x.grad.shape], [6, 2]);
});

test('statistics of 32x32x32 elements per channel with a large offset stay accurate', () => {
  const r = rng(11);
  const N = 32, C = 2, L = 1024;
  const data = new Float32Array(N * C * L).map(() => 1000 + r.uniform(-1, 1));
  const x = sg.tensor(data, { shape: [N, C, 32, 32] });
  const rm = sg.zeros([C]), rv = sg.zeros([C]);
  const y = sg.batchNorm(x, rm, rv, null, null, { training: true, momentum: 1 });
  const s = refStats(nd([N, C, L], Float64Array.from(data)));
  assertClose(rm.toArray(), s.mean, { atol: 0, rtol: 1e-7 });
  assertClose(rv.toArray(), Array.from(s.v, (v) => (v * N * L) / (N * L - 1)), { atol: 0, rtol: 1e-4 });
  // normalised output: mean 0, variance 1 per channel
  const ys = refStats(nd([N, C, L], Float64Array.from(y.toArray())));
  assertClose(ys.mean, [0, 0], { atol: 1e-4 });
  assertClose(ys.v, [1, 1], { atol: 1e-3 });
});

test('bad shapes and modes are refused, naming both shapes', () => {
  const x = sg.zeros([4, 3, 5]);
  assertThrows(() => sg.batchNorm(x, sg.zeros([4]), sg.ones([3]), null, null, { training: true }), 'batchNorm', '[4,3,5]', 'runningMean [4]');
  assertThrows(() => sg.batchNorm(x, null, null, sg.ones([2]), null, { training: true }), '[4,3,5]', 'weight [2]');
  assertThrows(() => sg.batchNorm(x, null, null, null, sg.ones([3, 1]), { training: true }), 'bias [3,1]');
  assertThrows(() => sg.batchNorm(sg.zeros([4]), null, null, null, null, { training: true }), 'batchNorm', '[4]');
  assertThrows(() => sg.batchNorm(x, null, null, null, null, { training: false }), 'evaluation mode');
  assertThrows(() => sg.batchNorm(sg.zeros([1, 3]), null, null, null, null, { training: true }), 'more than 1 value per channel');
});

test.run();
