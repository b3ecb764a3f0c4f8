// convTranspose2d (F.conv_transpose2d semantics) against a float64 scatter
// reference: strides 1-3, padding, outputPadding (also >= stride under
// dilation), dilation, groups, bias; finite-difference gradients; the
// identity with conv2d's input gradient; a hand-derived example; the module;
// refused inputs.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';
import { refConvTranspose } from '../helpers/ref-nn.mjs';

const test = suite('ops: convTranspose2d');
const { nn } = sg;

const numel = (s) => s.reduce((a, b) => a * b, 1);

// [input shape, weight shape (C_in, C_out/groups, kh, kw), options]
const forwardCases = [
  [[2, 3, 5, 6], [3, 4, 3, 3], {}],
  [[2, 3, 5, 6], [3, 4, 3, 3], { padding: 1 }],
  [[1, 3, 4, 5], [3, 2, 3, 3], { stride: 2 }],
  [[2, 3, 4, 5], [3, 2, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }],
  [[1, 2, 4, 4], [2, 3, 4, 4], { stride: 3, padding: 2, outputPadding: 2 }],
  [[1, 2, 5, 4], [2, 3, 3, 2], { stride: [3, 2], padding: [1, 0], outputPadding: [2, 1] }],
  [[1, 2, 5, 5], [2, 3, 3, 3], { dilation: 2, padding: 1 }],
  [[1, 2, 5, 5], [2, 3, 3, 3], { dilation: 3, outputPadding: 2 }], // output padding >= stride, < dilation
  [[1, 2, 5, 5], [2, 3, 3, 3], { stride: 2, dilation: [2, 3], padding: [2, 1], outputPadding: [1, 2] }],
  [[2, 4, 5, 5], [4, 3, 3, 3], { groups: 2, padding: 1 }],
  [[1, 6, 4, 5], [6, 1, 3, 3], { groups: 6, stride: 2, outputPadding: 1 }],
  [[1, 4, 4, 4], [4, 2, 2, 2], { groups: 4, stride: 2 }],
  [[1, 3, 5, 5], [3, 2, 1, 1], { padding: 1 }], // padding beyond the kernel: the col2im path at stride 1
  [[2, 4, 5, 6], [4, 3, 1, 1], { stride: 2, outputPadding: 1 }], // 1x1 stride 2 (without bias: the gathered 1x1 product writing every other pixel)
  [[1, 4, 3, 4], [4, 2, 1, 1], { stride: [3, 2], groups: 2 }],
  [[2, 5, 9, 13], [5, 10, 3, 3], { padding: 1 }], // several tiles and row blocks
  [[1, 8, 7, 11], [8, 3, 3, 3], { stride: 2, padding: 1, groups: 2, outputPadding: 1 }],
];

test('forward matches the float64 scatter reference, with and without bias', () => {
  const r = rng(5);
  for (const [xs, ws, opts] of forwardCases) {
    const O = ws[1] * (opts.groups ?? 1);
    const xd = r.array(numel(xs)), wd = r.array(numel(ws)), bd = r.array(O);
    for (const withBias of [false, true]) {
      const y = sg.convTranspose2d(sg.tensor(Float32Array.from(xd), { shape: xs }), sg.tensor(Float32Array.from(wd), { shape: ws }),
        withBias ? sg.tensor(Float32Array.from(bd)) : null, opts);
      const e = refConvTranspose(nd(xs, xd), nd(ws, wd), withBias ? nd([O], bd) : null, opts);
      const what = `${JSON.stringify(xs)} ${JSON.stringify(ws)} ${JSON.stringify(opts)}${withBias ? ' +bias' : ''}`;
      assert.equal([...y.shape], e.shape, what);
      assertClose(y.toArray(), e.data, { atol: 1e-5, rtol: 1e-4, what });
    }
  }
});

// [input shape, weight shape, options, with bias]
const gradCases = [
  [[2, 3, 4, 5], [3, 4, 3, 3], { padding: 1 }, true],
  [[2, 3, 3, 4], [3, 2, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }, true],
  [[1, 2, 3, 3], [2, 3, 2, 3], { stride: [3, 2], padding: [1, 0], outputPadding: [2, 0] }, false],
  [[1, 2, 4, 4], [2, 2, 3, 3], { dilation: 2, outputPadding: 1, padding: 1 }, true],
  [[2, 4, 3, 3], [4, 1, 3, 3], { groups: 2, stride: 2 }, true],
  [[1, 3, 4, 4], [3, 2, 1, 1], { padding: 1 }, false],
  [[2, 3, 3, 4], [3, 2, 1, 1], { stride: 2, outputPadding: 1 }, false], // 1x1 stride 2: its gradients are the 1x1 convolution's passes
  [[1, 4, 3, 3], [4, 3, 1, 1], { stride: [2, 3], groups: 2 }, true],
];

for (const [xs, ws, opts, bias] of gradCases) {
  test(`gradients by finite differences x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(opts)}${bias ? ' +bias' : ''}`, () => {
    const inputs = [{ shape: xs }, { shape: ws }];
    if (bias) inputs.push({ shape: [ws[1] * (opts.groups ?? 1)] });
    gradcheck({
      inputs,
      fn: (x, w, b) => sg.convTranspose2d(x, w, b ?? null, opts),
      ref: (x, w, b) => refConvTranspose(x, w, b ?? null, opts),
    });
  });
}

test('forward equals the autograd input gradient of conv2d with the same weight', () => {
  for (const [xs, ws, opts] of [
    [[2, 3, 5, 6], [3, 4, 3, 3], { padding: 1 }],
    [[2, 3, 4, 5], [3, 2, 3, 3], { stride: 2, padding: 1 }],
    [[1, 4, 5, 5], [4, 3, 3, 2], { groups: 2, dilation: 2, stride: [1, 3] }],
  ]) {
    const x = sg.randn(xs), w = sg.randn(ws);
    const y = sg.convTranspose2d(x, w, null, opts);
    const z = sg.zeros([...y.shape], { requiresGrad: true });
    sg.conv2d(z, w, null, opts).mul(x).sum().backward();
    assert.equal(Array.from(y.toArray()), Array.from(z.grad.toArray()), JSON.stringify(opts));
  }
});

test('hand-derived examples: overlap at stride 1, tiling at stride 2, padding crops, output padding extends', () => {
  const x = sg.tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] });
  // stride 1: out[a, b] = sum over i + ky = a, j + kx = b of x[i, j] w[ky, kx]
  const y1 = sg.convTranspose2d(x, sg.tensor([1, 2, 3, 4], { shape: [1, 1, 2, 2] }));
  assert.equal(Array.from(y1.toArray()), [1, 4, 4, 6, 20, 16, 9, 24, 16]);
  // stride 2: each input pixel writes x[i, j] w into its own 2x2 block
  const w = sg.tensor([1, 10, 100, 1000], { shape: [1, 1, 2, 2] });
  const y2 = sg.convTranspose2d(x, w, sg.tensor([0.5]), { stride: 2 });
  assert.equal([...y2.shape], [1, 1, 4, 4]);
  assert.equal(Array.from(y2.toArray()), [1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000].map((v) => v + 0.5));
  // padding 1 removes the outer ring; output padding 1 keeps one more row and column at the end
  assert.equal(Array.from(sg.convTranspose2d(x, w, null, { stride: 2, padding: 1 }).toArray()), [1000, 200, 30, 4]);
  assert.equal(Array.from(sg.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }).toArray()), [1000, 200, 2000, 30, 4, 40, 3000, 400, 4000]);
});

test('unbatched input, empty batch, non-contiguous views; gradients only where requested', () => {
  const x = sg.randn([3, 4, 5]), w = sg.randn([3, 2, 3, 3]), b = sg.randn([2]);
  const y3 = sg.convTranspose2d(x, w, b, { stride: 2 });
  const y4 = sg.convTranspose2d(x.unsqueeze(0), w, b, { stride: 2 });
  assert.equal([...y3.shape], [2, 9, 11]);
  assert.equal(Array.from(y3.toArray()), Array.from(y4.toArray()));
  assert.equal([...sg.convTranspose2d(sg.zeros([0, 3, 4, 5]), w, b).shape], [0, 2, 6, 7]);
  const xt = sg.randn([1, 5, 4, 3]).permute(0, 3, 2, 1); // (1, 3, 4, 5), non-contiguous
  const wt = sg.randn([3, 3, 2, 3]).permute(3, 2, 0, 1); // (3, 2, 3, 3)
  assert.equal(Array.from(sg.convTranspose2d(xt, wt, null, { padding: 1 }).toArray()),
    Array.from(sg.convTranspose2d(xt.contiguous(), wt.contiguous(), null, { padding: 1 }).toArray()));
  const wg = sg.randn([3, 2, 3, 3], { requiresGrad: true }), bg = sg.zeros([2], { requiresGrad: true });
  sg.convTranspose2d(sg.randn([2, 3, 4, 4]), wg, bg, { padding: 1 }).sum().backward();
  assert.equal(Array.from(bg.grad.toArray()), [32, 32]);
  assert.equal([...wg.grad.shape], [3, 2, 3, 3]);
});

test('nn.ConvTranspose2d: defaults, PyTorch init from weight dim 1, parameters, stateDict keys, repr, forward', () => {
  const m = new nn.ConvTranspose2d(16, 2, 3);
  try {
    assert.equal([...m.weight.shape], [16, 2, 3, 3]);
    assert.equal([...m.bias.shape], [2]);
    assert.equal([m.stride, m.padding, m.outputPadding, m.dilation, m.groups], [[1, 1], [0, 0], [0, 0], [1, 1], 1]);
    // fan in = weight.size(1) kh kw = 18, so kaiming_uniform(a = sqrt 5) and the bias are U(-1/sqrt 18, 1/sqrt 18)
    const bound = 1 / Math.sqrt(18), ws = Array.from(m.weight.toArray());
    assert.ok(ws.every((v) => Math.abs(v) <= bound) && Math.max(...ws.map(Math.abs)) > 0.9 * bound, 'weight bound from fan in 18');
    assert.ok(Array.from(m.bias.toArray()).every((v) => Math.abs(v) <= bound));
    assert.equal([...m.namedParameters()].map(([k]) => k), ['weight', 'bias']);
    sg.scope(() => assert.equal([...m.stateDict().keys()], ['weight', 'bias']));
    assert.is(m.toString(), 'ConvTranspose2d(16, 2, kernelSize=[3,3], stride=[1,1])');
    const x = sg.randn([2, 16, 3, 4]);
    const e = refConvTranspose(nd([2, 16, 3, 4], Float64Array.from(x.toArray())), nd([16, 2, 3, 3], Float64Array.from(ws)), nd([2], Float64Array.from(m.bias.toArray())));
    assertClose(m.forward(x).toArray(), e.data, { atol: 1e-5, rtol: 1e-4 });
  } finally {
    m.dispose();
  }
  const g = new nn.ConvTranspose2d(4, 6, [3, 2], { stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: false, dilation: [1, 2] });
  try {
    assert.equal([...g.weight.shape], [4, 3, 3, 2]);
    assert.is(g.bias, null);
    sg.scope(() => assert.equal([...g.stateDict().keys()], ['weight']));
    assert.is(g.toString(), 'ConvTranspose2d(4, 6, kernelSize=[3,2], stride=[2,2], padding=[1,1], dilation=[1,2], outputPadding=[1,1], groups=2, bias=false)');
    const x = sg.randn([1, 4, 3, 3], { requiresGrad: true });
    const y = g.forward(x);
    assert.equal([...y.shape], [1, 6, 6, 6]);
    y.sum().backward();
    assert.ok(x.grad !== null && g.weight.grad !== null);
  } finally {
    g.dispose();
  }
  assertThrows(() => new nn.ConvTranspose2d(3, 4, 3, { groups: 2 }), 'ConvTranspose2d', 'divisible by groups');
  assertThrows(() => new nn.ConvTranspose2d(3, 4, 3, { stride: 2, outputPadding: 2 }), 'ConvTranspose2d', 'output padding must be smaller than either stride or dilation');
  assertThrows(() => new nn.ConvTranspose2d(3, 4, 0), 'ConvTranspose2d', 'kernelSize');
});

test('bad inputs and options are refused, naming the op and the shapes', () => {
  const x = sg.zeros([2, 3, 5, 5]);
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([4, 2, 3, 3])), 'convTranspose2d', '[2,3,5,5]', '[4,2,3,3]', 'weight [4,2,3,3] expects 4 input channels (its dim 0), got 3');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 2, 3])), 'convTranspose2d', '[3,2,3]', '4-d weight');
  assertThrows(() => sg.convTranspose2d(sg.zeros([5, 5]), sg.zeros([3, 2, 3, 3])), 'convTranspose2d', '[5,5]');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 2, 3, 3]), sg.zeros([3])), 'convTranspose2d', 'bias', '[3]', 'must have shape [2]');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 2, 3, 3]), sg.zeros([4]), { groups: 2 }), 'convTranspose2d', 'not divisible by groups=2');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 2, 3, 3]), null, { outputPadding: 1 }), 'convTranspose2d', 'output padding must be smaller than either stride or dilation');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 2, 3, 3]), null, { stride: 2, outputPadding: [1, 2] }), 'output padding must be smaller');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 2, 1, 1]), null, { padding: 3 }), 'convTranspose2d', '[2,3,5,5]', 'output size', 'too small');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 2, 3, 3]), null, { stride: 0 }), 'convTranspose2d', 'stride');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 2, 3, 3]), null, { padding: -1 }), 'convTranspose2d', 'padding');
  assertThrows(() => sg.convTranspose2d(x, sg.zeros([3, 0, 3, 3])), 'convTranspose2d', 'must not be empty');
  assertThrows(() => sg.F.convTranspose2d(x, [1, 2]), 'convTranspose2d', 'Tensors');
});

test.run();
