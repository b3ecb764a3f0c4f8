// conv2d's strided paths (src/drivers/conv.ts): the forward as one product per
// chunk of images over their phase-split images (conv_phases_f32,
// conv_gemm_gather_f32), the input gradient by phases (each phase of dx a
// stride-1 correlation written in place), the weight gradient over image
// parts with its partial sums added in order; 1x1 kernels without padding as
// the stride-1 convolution of the strided subsample. Checked against float64
// references (strides 2 and 3, padding 0-2, dilation, groups, odd sizes,
// batch 1, 1x1 and 3x3 kernels, output channels off the 4-row blocks,
// batches spanning several chunks and parts), and bit-identical for 1, 2 and
// 3 threads.
import * as assert from 'uvu/assert';
import { suite, sg, assertClose, atThreads, rng } from '../helpers/harness.mjs';
import { nd } from '../helpers/ref.mjs';
import { refConv, refConvGrads } from '../helpers/ref-nn.mjs';

const test = suite('ops: conv2d strided (phases)');

const size = (s) => s.reduce((a, b) => a * b, 1);

/** conv2d's output, dx, dW and db for the given data, at the current thread settings. */
function run(xs, ws, opts, xd, wd, bd, gd) {
  const x = sg.tensor(xd, { shape: xs, requiresGrad: true }), w = sg.tensor(wd, { shape: ws, requiresGrad: true });
  const b = bd === null ? null : sg.tensor(bd, { requiresGrad: true });
  const y = sg.conv2d(x, w, b, opts);
  y.backward(sg.tensor(gd, { shape: [...y.shape] }));
  const out = { shape: [...y.shape], y: y.toArray(), dx: x.grad.toArray(), dw: w.grad.toArray(), db: b?.grad.toArray() };
  for (const t of [x, w, b, y]) t?.dispose();
  return out;
}

// [input shape, weight shape, options, with bias]
const shapes = [
  [[1, 3, 9, 9], [5, 3, 3, 3], { stride: 2, padding: 1 }, true], // batch 1, 5 output channels (a tail row block)
  [[2, 4, 10, 11], [6, 4, 3, 3], { stride: 2, padding: 0 }, false],
  [[2, 2, 11, 9], [3, 2, 3, 3], { stride: 2, padding: 2 }, true],
  [[3, 3, 13, 14], [4, 3, 3, 3], { stride: 3, padding: 1 }, true],
  [[2, 2, 12, 10], [3, 2, 3, 3], { stride: 3, padding: 0 }, false],
  [[2, 3, 15, 13], [5, 3, 3, 3], { stride: 2, padding: 2, dilation: 2 }, true],
  [[1, 2, 13, 12], [4, 2, 3, 2], { stride: [3, 2], padding: [2, 1], dilation: [2, 3] }, false],
  [[2, 6, 9, 10], [8, 3, 3, 3], { stride: 2, padding: 1, groups: 2 }, true],
  [[2, 6, 8, 7], [6, 1, 3, 3], { stride: 2, padding: 1, groups: 6 }, false], // depthwise
  [[3, 5, 14, 14], [7, 5, 1, 1], { stride: 2 }, true], // a 1x1 projection shortcut (the stride-1 convolution of the subsample)
  [[2, 6, 9, 8], [4, 3, 1, 1], { stride: [3, 2], groups: 2 }, true], // 1x1, no padding: subsample with uneven strides, groups, odd size
  [[1, 4, 8, 8], [5, 4, 1, 1], { stride: 2, dilation: 2 }, false], // 1x1: dilation changes nothing
  [[2, 3, 7, 9], [4, 3, 1, 1], { stride: 3, padding: 1 }, false], // phases no tap reaches: dx 0
  [[1, 2, 5, 6], [3, 2, 2, 2], { stride: 4, padding: 1 }, true], // stride past the kernel: dx 0 or the taps of one phase
  [[1, 3, 7, 7], [4, 3, 1, 1], { padding: 2 }, true], // stride 1, padding beyond the kernel: dx by phases
  [[20, 3, 13, 11], [9, 3, 3, 3], { stride: 2, padding: 1 }, true], // several forward chunks, dx chunks and dW parts
  [[11, 4, 28, 28], [8, 4, 3, 3], { stride: 2, padding: 1 }, false], // ResNet-like 28 -> 14
  [[12, 6, 14, 14], [12, 6, 3, 3], { stride: 2, padding: 1 }, true], // ResNet-like 14 -> 7
];

for (const [xs, ws, opts, bias] of shapes) {
  test(`forward, dx, dW against float64: x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${JSON.stringify(opts)}${bias ? ' +bias' : ''}`, () => {
    const r = rng(size(xs) + size(ws));
    const xd = Float32Array.from(r.array(size(xs))), wd = Float32Array.from(r.array(size(ws)));
    const bd = bias ? Float32Array.from(r.array(ws[0])) : null;
    const ref = refConv(nd(xs, xd), nd(ws, wd), bias ? nd([ws[0]], bd) : null, opts);
    const gd = Float32Array.from(r.array(ref.data.length));
    const got = run(xs, ws, opts, xd, wd, bd, gd);
    assert.equal(got.shape, ref.shape);
    assertClose(got.y, ref.data, { atol: 1e-5, rtol: 1e-4, what: 'forward' });
    const { dx, dw } = refConvGrads(nd(xs, xd), nd(ws, wd), nd(ref.shape, gd), opts);
    assertClose(got.dx, dx.data, { atol: 1e-5, rtol: 1e-4, what: 'dx' });
    // dW sums over every image and pixel: a tolerance for that many terms
    assertClose(got.dw, dw.data, { atol: 1e-4, rtol: 1e-4, what: 'dW' });
    if (bias) {
      const [N, O, OH, OW] = ref.shape;
      const db = new Float64Array(O);
      for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let q = 0; q < OH * OW; q++) db[o] += gd[(n * O + o) * OH * OW + q];
      assertClose(got.db, db, { atol: 1e-4, rtol: 1e-4, what: 'bias gradient' });
    }
  });
}

test('bit-identical for 1, 2 and 3 threads (forward, dx, dW over several chunks and parts); each image gives the forward and dx bits it gives alone', () => {
  const r = rng(21);
  for (const [xs, ws, opts] of [
    [[21, 4, 13, 12], [6, 4, 3, 3], { stride: 2, padding: 1 }],
    [[19, 2, 11, 11], [5, 2, 1, 1], { stride: 2 }],
    [[9, 1, 16, 16], [6, 1, 3, 3], { padding: 1 }], // a stem: stride 1, one channel (dW parts)
  ]) {
    const xd = Float32Array.from(r.array(size(xs))), wd = Float32Array.from(r.array(size(ws))), bd = Float32Array.from(r.array(ws[0]));
    const probe = sg.conv2d(sg.zeros(xs), sg.zeros(ws), null, opts);
    const ys = [...probe.shape];
    probe.dispose();
    const gd = Float32Array.from(r.array(size(ys)));
    const one = atThreads(1, () => run(xs, ws, opts, xd, wd, bd, gd));
    for (const threads of [2, 3]) {
      const many = atThreads(threads, () => run(xs, ws, opts, xd, wd, bd, gd));
      for (const key of ['y', 'dx', 'dw', 'db']) assert.equal(Array.from(many[key]), Array.from(one[key]), `${JSON.stringify(opts)}: ${threads} threads, ${key}`);
    }
    const xImg = size(xs.slice(1)), yImg = size(ys.slice(1));
    for (const n of [0, xs[0] - 1]) {
      const alone = run([1, ...xs.slice(1)], ws, opts, xd.slice(n * xImg, (n + 1) * xImg), wd, bd, gd.slice(n * yImg, (n + 1) * yImg));
      assert.equal(Array.from(alone.y), Array.from(one.y.subarray(n * yImg, (n + 1) * yImg)), `image ${n} forward`);
      assert.equal(Array.from(alone.dx), Array.from(one.dx.subarray(n * xImg, (n + 1) * xImg)), `image ${n} dx`);
    }
  }
});

test.run();
