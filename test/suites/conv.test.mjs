// conv2d against a float64 direct-loop reference: strides, padding,
// dilation, groups, odd sizes, batch 1, unbatched input; gradients by
// finite differences; refused shapes.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows, atThreads, rng } from '../helpers/harness.mjs';
import { gradcheck } from '../helpers/gradcheck.mjs';
import { nd } from '../helpers/ref.mjs';
import { refConv, refConvGrads } from '../helpers/ref-nn.mjs';

const test = suite('ops: conv2d');

// [input shape, weight shape, options, with bias]
const cases = [
  [[2, 3, 7, 9], [5, 3, 3, 3], { padding: 1 }, true],
  [[1, 4, 8, 8], [6, 2, 3, 3], { padding: 1, groups: 2 }, true],
  [[2, 3, 9, 7], [4, 3, 3, 2], { stride: 2, padding: 1 }, false],
  [[1, 2, 10, 11], [3, 2, 3, 3], { padding: 2, dilation: 2 }, true],
  [[1, 2, 10, 11], [3, 2, 3, 3], { stride: [2, 1], padding: [0, 1], dilation: [1, 2] }, true],
  [[2, 6, 5, 5], [6, 1, 3, 3], { padding: 1, groups: 6 }, false],
  [[1, 3, 6, 6], [9, 3, 1, 1], {}, true],
  [[1, 3, 6, 6], [9, 3, 1, 1], { stride: 2 }, false],
  [[1, 3, 5, 5], [2, 3, 1, 1], { padding: 1 }, true], // padding beyond the kernel: col2im gradient path
  [[1, 2, 5, 13], [3, 2, 2, 4], { stride: [1, 3], padding: [1, 2] }, true],
  [[3, 1, 4, 4], [1, 1, 4, 4], {}, true], // output 1x1
];

for (const [xs, ws, opts, bias] of cases) {
  test(`forward and gradients x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(opts)}${bias ? ' +bias' : ''}`, () => {
    const inputs = [{ shape: xs }, { shape: ws }];
    if (bias) inputs.push({ shape: [ws[0]] });
    gradcheck({
      inputs,
      fn: (x, w, b) => sg.conv2d(x, w, b ?? null, opts),
      ref: (x, w, b) => refConv(x, w, b ?? null, opts),
    });
  });
}

test('larger shapes (tiles, tails and several row blocks) match the reference', () => {
  const r = rng(3);
  for (const [xs, ws, opts] of [[[2, 5, 13, 19], [10, 5, 3, 3], { padding: 1 }], [[1, 8, 11, 17], [6, 4, 3, 3], { stride: 2, padding: 1, groups: 2 }]]) {
    const xd = r.array(xs.reduce((a, b) => a * b)), wd = r.array(ws.reduce((a, b) => a * b)), bd = r.array(ws[0]);
    const y = sg.conv2d(sg.tensor(Float32Array.from(xd), { shape: xs }), sg.tensor(Float32Array.from(wd), { shape: ws }), sg.tensor(Float32Array.from(bd)), opts);
    const e = refConv(nd(xs, xd), nd(ws, wd), nd([ws[0]], bd), opts);
    assert.equal([...y.shape], e.shape);
    assertClose(y.toArray(), e.data, { atol: 1e-5, rtol: 1e-4 });
  }
});

test('deep-net shapes: forward, input and weight gradients against float64 (1-3 input channels, 7x7-16x16 maps, stride 2, 1x1, dilation, batches of small maps)', () => {
  const r = rng(11);
  // [input shape, weight shape, options]: the strided rows gather 4 outputs from 8 inputs while they fit in a row
  const shapes = [
    [[3, 1, 16, 16], [4, 1, 3, 3], { padding: 1 }],
    [[2, 3, 14, 14], [5, 3, 3, 3], { stride: 2, padding: 1 }],
    [[2, 2, 16, 15], [4, 2, 3, 3], { stride: 2, padding: 0 }],
    [[9, 4, 7, 7], [8, 4, 3, 3], { stride: 2, padding: 1 }],
    [[9, 6, 7, 7], [4, 6, 3, 3], { padding: 1 }],
    [[2, 3, 14, 14], [6, 3, 1, 1], { stride: 2 }],
    [[2, 4, 14, 14], [4, 4, 1, 1], {}],
    [[1, 2, 17, 19], [3, 2, 3, 3], { stride: 2, padding: 2, dilation: 2 }],
    [[2, 4, 12, 13], [4, 2, 3, 3], { stride: [2, 3], padding: [1, 2], groups: 2 }],
  ];
  for (const [xs, ws, opts] of shapes) {
    const xd = Float32Array.from(r.array(xs.reduce((a, b) => a * b))), wd = Float32Array.from(r.array(ws.reduce((a, b) => a * b)));
    const x = sg.tensor(xd, { shape: xs, requiresGrad: true }), w = sg.tensor(wd, { shape: ws, requiresGrad: true });
    const y = sg.conv2d(x, w, null, opts);
    const ref = refConv(nd(xs, xd), nd(ws, wd), null, opts);
    assert.equal([...y.shape], ref.shape);
    assertClose(y.toArray(), ref.data, { atol: 1e-5, rtol: 1e-4 });
    const gd = Float32Array.from(r.array(ref.data.length));
    y.backward(sg.tensor(gd, { shape: ref.shape }));
    const { dx, dw } = refConvGrads(nd(xs, xd), nd(ws, wd), nd(ref.shape, gd), opts);
    assertClose(x.grad.toArray(), dx.data, { atol: 1e-5, rtol: 1e-4 });
    assertClose(w.grad.toArray(), dw.data, { atol: 1e-4, rtol: 1e-4 });
    for (const t of [x, w, y]) t.dispose();
  }
});

test('batch 1 and unbatched input agree; unbatched gradients', () => {
  const x = sg.randn([3, 6, 5]), w = sg.randn([4, 3, 3, 3]), b = sg.randn([4]);
  const y3 = sg.conv2d(x, w, b, { padding: 1 });
  const y4 = sg.conv2d(x.unsqueeze(0), w, b, { padding: 1 });
  assert.equal([...y3.shape], [4, 6, 5]);
  assert.equal(Array.from(y3.toArray()), Array.from(y4.toArray()));
  gradcheck({
    inputs: [{ shape: [2, 5, 4] }, { shape: [3, 2, 3, 3] }],
    fn: (xx, ww) => sg.conv2d(xx, ww, null, { padding: 1 }),
    ref: (xx, ww) => { const o = refConv(nd([1, ...xx.shape], xx.data), ww, null, { padding: 1 }); return nd(o.shape.slice(1), o.data); },
  });
});

test('non-contiguous input, weight and bias views', () => {
  const x = sg.randn([2, 6, 5, 3]).permute(0, 1, 3, 2); // (2, 6, 3, 5)
  const w = sg.randn([3, 4, 3, 6]).permute(3, 0, 2, 1); // (6, 3, 3, 4), non-contiguous
  const b = sg.randn([6, 2]).select(1, 1); // stride 2
  const y = sg.conv2d(x.narrow(1, 0, 3), w, b, { padding: [1, 2] });
  const e = sg.conv2d(x.narrow(1, 0, 3).contiguous(), w.contiguous(), b.contiguous(), { padding: [1, 2] });
  assert.equal(Array.from(y.toArray()), Array.from(e.toArray()));
});

test('gradients flow only where requested; bias gradient sums over batch and pixels', () => {
  const x = sg.randn([2, 3, 4, 4]), w = sg.randn([2, 3, 3, 3], { requiresGrad: true }), b = sg.zeros([2], { requiresGrad: true });
  sg.conv2d(x, w, b, { padding: 1 }).sum().backward();
  assert.is(x.grad, null);
  assert.equal(Array.from(b.grad.toArray()), [32, 32]);
  assert.equal([...w.grad.shape], [2, 3, 3, 3]);
});

test('bad shapes and options are refused, naming the shapes', () => {
  const x = sg.zeros([2, 3, 8, 8]);
  assertThrows(() => sg.conv2d(x, sg.zeros([4, 5, 3, 3])), 'conv2d', 'weight [4,5,3,3] expects 5 input channels, got 3 in input [2,3,8,8]');
  assertThrows(() => sg.conv2d(x, sg.zeros([4, 3, 3])), 'conv2d', '[4,3,3]', '4-d weight');
  assertThrows(() => sg.conv2d(sg.zeros([8, 8]), sg.zeros([4, 3, 3, 3])), 'conv2d', '[8,8]');
  assertThrows(() => sg.conv2d(x, sg.zeros([4, 3, 3, 3]), sg.zeros([5])), 'bias', '[5]', '[4]');
  assertThrows(() => sg.conv2d(x, sg.zeros([4, 1, 3, 3]), null, { groups: 2 }), 'not divisible by groups=2');
  assertThrows(() => sg.conv2d(x, sg.zeros([4, 3, 9, 9])), '[2,3,8,8]', '[4,3,9,9]', 'smaller than the dilated kernel');
  assertThrows(() => sg.conv2d(x, sg.zeros([4, 3, 3, 3]), null, { stride: 0 }), 'stride');
  assertThrows(() => sg.conv2d(x, sg.zeros([4, 3, 3, 3]), null, { padding: -1 }), 'padding');
});

test('each image of a batch gives the bits it gives alone (forward and input gradient)', () => {
  const x = sg.randn([3, 4, 7, 9]), w = sg.randn([5, 4, 3, 3]), b = sg.randn([5]);
  for (const opts of [{ padding: 1 }, { stride: 2, padding: 1 }]) {
    const xb = x.detach().requiresGrad_();
    const y = sg.conv2d(xb, w, b, opts);
    y.sum().backward();
    for (let n = 0; n < 3; n++) {
      const xn = x.narrow(0, n, 1).contiguous().requiresGrad_();
      const yn = sg.conv2d(xn, w, b, opts);
      yn.sum().backward();
      assert.equal(Array.from(yn.toArray()), Array.from(y.narrow(0, n, 1).toArray()));
      assert.equal(Array.from(xn.grad.toArray()), Array.from(xb.grad.narrow(0, n, 1).toArray()));
    }
  }
});

test('scratch memory does not grow with the batch (forward and backward under a tight memory limit)', () => {
  // at a fixed thread count (every kernel split, so both batches make the same pieces)
  atThreads(2, () => {
    for (const opts of [{ padding: 1 }, { stride: 2, padding: 1 }]) {
      const w = sg.randn([8, 8, 3, 3], { requiresGrad: true }), x = sg.randn([64, 8, 16, 16], { requiresGrad: true });
      // the same convolution of 16 images first: the scratch it frees is what 64 images may use
      sg.scope(() => {
        const x16 = sg.randn([16, 8, 16, 16], { requiresGrad: true });
        sg.conv2d(x16, w, null, opts).sum().backward();
        w.grad.dispose();
        w.grad = null;
      });
      const xBytes = x.numel() * 4, margin = 256 * 1024;
      const outBytes = (opts.stride === 2 ? xBytes / 4 : xBytes);
      // the limit caps the heap's extent: room for the result beyond what the heap holds now
      const previous = sg.setMemoryLimit(sg.memory().heapBytes + outBytes + margin);
      let y;
      try {
        y = sg.conv2d(x, w, null, opts); // a whole-batch im2col buffer would need 4.5 MiB
      } finally {
        sg.setMemoryLimit(previous);
      }
      sg.setMemoryLimit(sg.memory().heapBytes + outBytes + xBytes + margin);
      try {
        y.sum().backward();
      } finally {
        sg.setMemoryLimit(previous);
      }
      assert.equal([...x.grad.shape], [64, 8, 16, 16]);
      for (const t of [x, w, y]) t.dispose();
    }
  });
});

test.run();
