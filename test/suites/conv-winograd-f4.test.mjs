// The Winograd F(4x4, 3x3) path of conv2d (3x3 kernels, stride 1, dilation
// 1, at least 8 channels per group on both sides; assembly/winograd-f4.ts):
// forward and input gradient against float64 references over tile edges
// (sizes 1-13: odd, 4k, 4k + 1, 4k + 3), batches whose tiles share a block
// across images, padding 0-3, groups, bias, channel counts that are not
// multiples of 4 or 8; bit-identical for 1, 2 and 3 threads and for each
// image alone; the input gradient added into a pending gradient (a residual
// join) gives the bits of the separate sum.
//
// Its float32 error is larger than F(2x2)'s (transform coefficients up to 8
// and G's sixths): measured over the ResNet-20 shapes (16-64 channels, 7x7
// to 28x28 maps, batch 2) about 4e-6 of max |y| forward and input gradient,
// against 2-3e-7 for F(2x2) and 4-6e-7 for a direct float32 sum. The bound
// below is in units of EPS32 max |s|, s = |b| + sum |w| |x| the absolute sum
// of each output (so it scales with the data, not with cancellation in y).
import * as assert from 'uvu/assert';
import { suite, sg, rng } from '../helpers/harness.mjs';
import { absNd as abs, assertSplitInvariant, errorUnits } from '../helpers/conv-checks.mjs';
import { nd } from '../helpers/ref.mjs';
import { refConv, refConvTranspose } from '../helpers/ref-nn.mjs';

const test = suite('ops: conv2d winograd F(4x4)');

/** Measured: at most 22 units over these cases and the ResNet shapes (forward 21, input gradient 21). */
const BOUND = 48;

// [batch, channels, outputs, H, W, padding, groups, bias]
const cases = [
  [1, 8, 8, 1, 1, 1, 1, false],
  [1, 8, 9, 2, 3, 1, 1, true],
  [3, 9, 8, 5, 5, 1, 1, true],
  [2, 11, 13, 7, 7, 1, 1, false],
  [1, 8, 8, 13, 6, 0, 1, true],
  [2, 12, 10, 9, 11, 2, 1, true],
  [2, 16, 16, 6, 10, 1, 2, true],
  [4, 8, 16, 3, 4, 1, 1, false],
  [1, 10, 8, 12, 12, 1, 1, false],
  [5, 8, 8, 4, 4, 0, 1, true],
  [1, 20, 12, 13, 9, 1, 1, true],
  [2, 8, 8, 5, 6, 3, 1, true],
];

for (const [N, C, O, H, W, p, groups, bias] of cases) {
  test(`forward and input gradient: x [${N}, ${C}, ${H}, ${W}], w [${O}, ${C / groups}, 3, 3], padding ${p}${groups > 1 ? `, groups ${groups}` : ''}${bias ? ', bias' : ''}`, () => {
    const r = rng(N * 1000 + C * 100 + H * 10 + W);
    const xs = [N, C, H, W], ws = [O, C / groups, 3, 3];
    const xd = Float32Array.from(r.array(xs.reduce((a, b) => a * b))), wd = Float32Array.from(r.array(ws.reduce((a, b) => a * b)));
    const bd = Float32Array.from(r.array(O));
    const x = sg.tensor(xd, { shape: xs, requiresGrad: true }), w = sg.tensor(wd, { shape: ws }), b = bias ? sg.tensor(bd) : null;
    const y = sg.conv2d(x, w, b, { padding: p, groups });
    const x64 = nd(xs, xd), w64 = nd(ws, wd), b64 = bias ? nd([O], bd) : null;
    const ref = refConv(x64, w64, b64, { padding: p, groups });
    assert.equal([...y.shape], ref.shape);
    const fwdErr = errorUnits(y.toArray(), ref.data, refConv(abs(x64), abs(w64), b64 && abs(b64), { padding: p, groups }).data);
    assert.ok(fwdErr < BOUND, `forward error ${fwdErr.toFixed(1)} units, bound ${BOUND}`);
    // dx = the transposed convolution of g with the same weight (padding 3 > 2 leaves Winograd: the same reference holds)
    const gd = Float32Array.from(r.array(ref.data.length)), g64 = nd(ref.shape, gd);
    y.backward(sg.tensor(gd, { shape: ref.shape }));
    const dref = refConvTranspose(g64, w64, null, { padding: p, groups });
    assert.equal(dref.shape, xs);
    const dxErr = errorUnits(x.grad.toArray(), dref.data, refConvTranspose(abs(g64), abs(w64), null, { padding: p, groups }).data);
    assert.ok(dxErr < BOUND, `input gradient error ${dxErr.toFixed(1)} units, bound ${BOUND}`);
    for (const t of [x, w, y, b]) t?.dispose();
  });
}

test('the float32 error over the ResNet-20 shapes it serves (batch 2, 16-64 channels, 28x28 to 7x7) stays within the bound', () => {
  const r = rng(17);
  for (const [C, O, H] of [[16, 16, 28], [32, 32, 14], [64, 64, 7]]) {
    const xs = [2, C, H, H], ws = [O, C, 3, 3];
    const xd = Float32Array.from(r.array(xs.reduce((a, b) => a * b))), wd = Float32Array.from(r.array(ws.reduce((a, b) => a * b)).map((v) => v * 0.1));
    const gd = Float32Array.from(r.array(xs.reduce((a, b) => a * b) / C * O));
    const x64 = nd(xs, xd), w64 = nd(ws, wd), g64 = nd([2, O, H, H], gd);
    const y = sg.noGrad(() => sg.conv2d(sg.tensor(xd, { shape: xs }), sg.tensor(wd, { shape: ws }), null, { padding: 1 }));
    const err = errorUnits(y.toArray(), refConv(x64, w64, null, { padding: 1 }).data, refConv(abs(x64), abs(w64), null, { padding: 1 }).data);
    assert.ok(err < BOUND, `${C}->${O} ${H}x${H} forward: ${err.toFixed(1)} units`);
    const dx = sg.noGrad(() => sg.convTranspose2d(sg.tensor(gd, { shape: [2, O, H, H] }), sg.tensor(wd, { shape: ws }), null, { padding: 1 }));
    const dErr = errorUnits(dx.toArray(), refConvTranspose(g64, w64, null, { padding: 1 }).data, refConvTranspose(abs(g64), abs(w64), null, { padding: 1 }).data);
    assert.ok(dErr < BOUND, `${C}->${O} ${H}x${H} input gradient: ${dErr.toFixed(1)} units`);
    for (const t of [y, dx]) t.dispose();
  }
});

test('bit-identical for 1, 2 and 3 threads; each image gives the bits it gives alone (7x7 maps: blocks span images)', () => {
  const r = rng(23);
  const N = 7, C = 9, O = 10, H = 7, W = 7, img = C * H * W, out = O * H * W;
  const xd = Float32Array.from(r.array(N * img)), wd = Float32Array.from(r.array(O * C * 9)), bd = Float32Array.from(r.array(O));
  const gd = Float32Array.from(r.array(N * out));
  const run = (n0 = 0, count = N) => {
    const x = sg.tensor(xd.subarray(n0 * img, (n0 + count) * img), { shape: [count, C, H, W], requiresGrad: true });
    const w = sg.tensor(wd, { shape: [O, C, 3, 3] }), b = sg.tensor(bd);
    const y = sg.conv2d(x, w, b, { padding: 1 });
    y.backward(sg.tensor(gd.subarray(n0 * out, (n0 + count) * out), { shape: [count, O, H, W] }));
    const res = [y.toArray(), x.grad.toArray()];
    for (const t of [x, w, b, y]) t.dispose();
    return res;
  };
  assertSplitInvariant(run, N, [out, img]);
});

test('a join: the input gradient added into the pending gradient in the output pass gives the bits of the separate sum', () => {
  // [batch, channels, H, W, groups]: whole and clipped tiles, a batch of 1, groups
  for (const [N, C, H, W, G] of [[2, 8, 8, 8, 1], [3, 16, 9, 11, 1], [1, 12, 7, 5, 1], [2, 16, 6, 10, 2]]) {
    const r = rng(N * 100 + C + H);
    const data = (n) => Float32Array.from(r.array(n, -1, 1));
    const x0data = data(N * C * H * W), wdata = data(C * (C / G) * 9), gdata = data(N * C * H * W);
    const shape = [N, C, H, W];
    const wOf = () => sg.tensor(wdata, { shape: [C, C / G, 3, 3], requiresGrad: true });
    const upstream = sg.tensor(gdata, { shape });
    // join(y, s) as a residual block ends (batch norm + add + ReLU, the gradients of y and s in separate buffers) or a product
    const joins = [
      (y, s) => sg.F.batchNormAddRelu(y, s, null, null, null, null, true),
      (y, s) => y.mul(s),
    ];
    for (const [j, join] of joins.entries()) {
      // x = 1.5 x0 feeds the convolution and the join: its gradient from the join is pending when the conv's backward runs
      const x0 = sg.tensor(x0data, { shape, requiresGrad: true }), w = wOf();
      const x = x0.mul(1.5);
      join(sg.conv2d(x, w, null, { padding: 1, groups: G }), x).mul(upstream).sum().backward();
      // the same two gradients on separate leaves, then added (the join's first, as the graph holds it) and scaled
      const xv = sg.tensor(x0data, { shape }).mul(1.5);
      const xa = xv.clone().requiresGrad_(), xb = xv.clone().requiresGrad_(), w2 = wOf();
      join(sg.conv2d(xa, w2, null, { padding: 1, groups: G }), xb).mul(upstream).sum().backward();
      const expected = sg.add(xb.grad, xa.grad).mul(1.5);
      const got = new Uint32Array(x0.grad.toArray().buffer), want = new Uint32Array(expected.toArray().buffer);
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) throw new Error(`join ${j} [${shape}] groups ${G}: element ${i} differs`);
      assert.equal(Array.from(w.grad.toArray()), Array.from(w2.grad.toArray()), 'weight gradient');
    }
  }
});

test.run();
