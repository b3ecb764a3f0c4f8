// Modules: Softmax, LogSoftmax, ZeroPad2d, ConstantPad2d, ReflectionPad2d,
// ReplicationPad2d, Upsample, PixelShuffle, PixelUnshuffle, InstanceNorm1d/2d,
// AdaptiveMaxPool2d, Unflatten: outputs against hand-derived examples, state
// dict keys as PyTorch's, train/eval behaviour, constructor checks.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';

const test = suite('nn: shape, padding, resampling and normalisation layers');
const { nn } = sg;

test('Softmax and LogSoftmax along a dim; the legacy implicit dim', () => {
  const x = sg.tensor([[0, Math.log(3)], [Math.log(2), Math.log(2)]]);
  // rows: e^0 : e^ln3 = 1 : 3 -> [0.25, 0.75]; equal entries -> [0.5, 0.5]
  assertClose(new nn.Softmax(1).forward(x).toArray(), [0.25, 0.75, 0.5, 0.5], { atol: 1e-6 });
  assertClose(new nn.LogSoftmax(-1).forward(x).toArray(), [Math.log(0.25), Math.log(0.75), Math.log(0.5), Math.log(0.5)], { atol: 1e-6 });
  // dim null: 1 for a 2-d input, 0 for a 1-d or 3-d one (PyTorch's _get_softmax_dim)
  assertClose(new nn.Softmax().forward(x).toArray(), [0.25, 0.75, 0.5, 0.5], { atol: 1e-6 });
  assertClose(new nn.Softmax().forward(sg.tensor([0, 0, 0, 0])).toArray(), [0.25, 0.25, 0.25, 0.25], { atol: 1e-7 });
  assert.is(new nn.Softmax(1).toString(), 'Softmax(dim=1)');
  assertThrows(() => new nn.Softmax(1.5), 'Softmax: dim must be an integer');
  assertThrows(() => new nn.LogSoftmax({ axis: 1 }), "LogSoftmax: unknown option 'axis'");
});

test('padding layers on [[1, 2], [3, 4]]', () => {
  const x = sg.tensor([[[[1, 2], [3, 4]]]]);
  assert.equal(new nn.ZeroPad2d([1, 0, 0, 1]).forward(x).tolist(), [[[[0, 1, 2], [0, 3, 4], [0, 0, 0]]]]);
  assert.equal(new nn.ConstantPad2d(1, 9).forward(x).tolist()[0][0], [[9, 9, 9, 9], [9, 1, 2, 9], [9, 3, 4, 9], [9, 9, 9, 9]]);
  assert.equal(new nn.ReflectionPad2d(1).forward(x).tolist()[0][0], [[4, 3, 4, 3], [2, 1, 2, 1], [4, 3, 4, 3], [2, 1, 2, 1]]);
  assert.equal(new nn.ReplicationPad2d([2, 0, 1, 0]).forward(x).tolist()[0][0], [[1, 1, 1, 2], [1, 1, 1, 2], [3, 3, 3, 4]]);
  assert.equal(new nn.ZeroPad2d(-1).forward(sg.ones([1, 3, 3])).shape, [1, 1, 1]);
  // the gradient of reflection padding sums the reflected copies back
  const w = sg.tensor([[[[1, 2], [3, 4]]]], { requiresGrad: true });
  new nn.ReflectionPad2d([1, 1, 0, 0]).forward(w).sum().backward();
  assert.equal(w.grad.tolist(), [[[[2, 2], [2, 2]]]]);
  assert.is(new nn.ConstantPad2d([1, 2, 3, 4], 0.5).toString(), 'ConstantPad2d([1,2,3,4], value=0.5)');
  assertThrows(() => new nn.ZeroPad2d([1, 2]), 'ZeroPad2d: padding must be an integer or 4 integers [left, right, top, bottom]');
  assertThrows(() => new nn.ConstantPad2d(1), 'ConstantPad2d: missing value');
  assertThrows(() => new nn.ReflectionPad2d(2).forward(x), "pad: padding (2, 2) of dim 3 (size 2)");
  assertThrows(() => new nn.ZeroPad2d(1).forward(sg.zeros([2, 2])), 'ZeroPad2d: expected a 3-d [C, H, W] or 4-d [N, C, H, W] input');
});

test('Upsample nearest and bilinear, by size or factor', () => {
  const x = sg.tensor([[[[1, 2], [3, 4]]]]);
  assert.equal(new nn.Upsample({ scaleFactor: 2 }).forward(x).tolist()[0][0], [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]);
  // align corners, 2 -> 3: the middle sample is the average of its neighbours
  assertClose(new nn.Upsample([3, 3], null, 'bilinear', true).forward(x).toArray(), [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], { atol: 1e-6 });
  assert.is(new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false }).toString(), "Upsample(scaleFactor=2, mode='bilinear', alignCorners=false)");
  assertThrows(() => new nn.Upsample(), 'Upsample: give exactly one of size and scaleFactor');
  assertThrows(() => new nn.Upsample({ size: 4, alignCorners: true }), 'Upsample: alignCorners only applies to the linear modes');
  assertThrows(() => new nn.Upsample({ size: 4, mode: 'bilinear' }).forward(sg.zeros([1, 1, 4])), "Upsample: mode 'bilinear' takes a 4-d input");
});

test('PixelShuffle, PixelUnshuffle and Unflatten', () => {
  // channels (c r^2 + i r + j) go to pixel (h r + i, w r + j)
  const x = sg.arange(4).reshape(1, 4, 1, 1);
  assert.equal(new nn.PixelShuffle(2).forward(x).tolist(), [[[[0, 1], [2, 3]]]]);
  assert.equal(new nn.PixelUnshuffle(2).forward(sg.tensor([[[[0, 1], [2, 3]]]])).tolist(), [[[[0]], [[1]], [[2]], [[3]]]]);
  assert.equal(new nn.Unflatten(1, [2, -1]).forward(sg.zeros([3, 8])).shape, [3, 2, 4]);
  assert.is(new nn.Unflatten(-1, [2, 2]).toString(), 'Unflatten(dim=-1, unflattenedSize=[2,2])');
  assertThrows(() => new nn.PixelShuffle(0), 'PixelShuffle: upscaleFactor must be an integer >= 1');
  assertThrows(() => new nn.Unflatten(1, 4), 'Unflatten: unflattenedSize must be an array of integers');
});

test('AdaptiveMaxPool2d: the window maxima, the gradient to each first maximum', () => {
  const x = sg.tensor([[[[1, 5, 2, 0], [4, 3, 6, 6]]]], { requiresGrad: true });
  const y = new nn.AdaptiveMaxPool2d([1, 2]).forward(x);
  assert.equal(y.tolist(), [[[[5, 6]]]]);
  y.sum().backward();
  assert.equal(x.grad.tolist(), [[[[0, 1, 0, 0], [0, 0, 1, 0]]]]);
  assert.equal(new nn.AdaptiveMaxPool2d(1).forward(sg.ones([2, 3, 4, 4])).shape, [2, 3, 1, 1]);
  assertThrows(() => new nn.AdaptiveMaxPool2d(0), 'AdaptiveMaxPool2d: outputSize must be an integer >= 1');
});

test('InstanceNorm2d: per-plane statistics, affine parameters and state dict keys', () => {
  // plane [1, 3; 5, 7]: mean 4, biased variance 5
  const x = sg.tensor([[[[1, 3], [5, 7]], [[2, 2], [2, 2]]]]);
  const m = new nn.InstanceNorm2d(2);
  const s = Math.sqrt(5 + 1e-5);
  assertClose(m.forward(x).toArray(), [-3 / s, -1 / s, 1 / s, 3 / s, 0, 0, 0, 0], { atol: 1e-6 });
  assert.equal([...m.stateDict().keys()], []);
  const a = new nn.InstanceNorm2d(2, { affine: true, trackRunningStats: true });
  assert.equal([...a.stateDict().keys()].map(nn.toTorchKey), ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  sg.noGrad(() => { a.weight.fill_(2); a.bias.fill_(1); });
  assertClose(a.forward(x).toArray(), [-6 / s + 1, -2 / s + 1, 2 / s + 1, 6 / s + 1, 1, 1, 1, 1], { atol: 1e-5 });
  // running statistics: momentum 0.1 toward the plane means (4, 2) and unbiased variances (20/3, 0)
  assertClose(a.runningMean.toArray(), [0.4, 0.2], { atol: 1e-6 });
  assertClose(a.runningVar.toArray(), [0.9 + 0.1 * (20 / 3), 0.9], { atol: 1e-6 });
  assert.is(a.numBatchesTracked.item(), 1);
  // eval mode normalises with the running statistics
  a.eval();
  const e = a.forward(x).toArray();
  assertClose([e[0]], [((1 - 0.4) / Math.sqrt(0.9 + 2 / 3 + 1e-5)) * 2 + 1], { atol: 1e-5 });
  assertThrows(() => m.forward(sg.zeros([1, 3, 2, 2])), 'InstanceNorm2d: input [1,3,2,2]: expected 2 channels, got 3');
  m.dispose();
  a.dispose();
  assertThrows(() => new nn.InstanceNorm2d(2, { afine: true }), "unknown option 'afine'", "did you mean 'affine'");
});

test('InstanceNorm1d on an unbatched input and its gradient flowing to the affine parameters', () => {
  const m = new nn.InstanceNorm1d(1, 1e-5, 0.1, true);
  const x = sg.tensor([[0, 2]], { requiresGrad: true });
  const y = m.forward(x);
  assertClose(y.toArray(), [-1 / Math.sqrt(1 + 1e-5), 1 / Math.sqrt(1 + 1e-5)], { atol: 1e-6 });
  y.mul(sg.tensor([[1, 3]])).sum().backward();
  assertClose(m.weight.grad.toArray(), [2 / Math.sqrt(1 + 1e-5)], { atol: 1e-5 });
  assertClose(m.bias.grad.toArray(), [4], { atol: 1e-6 });
  m.dispose();
});

test.run();
