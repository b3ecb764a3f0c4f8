// The Winograd path of conv2d (3x3 kernels, stride 1, dilation 1, at least
// 4 channels per group on both sides; F(2x2, 3x3), F(4x4, 3x3) for the
// forward and input gradient with 8 or more channels on both sides (tested
// in conv-winograd-f4.test.mjs), and F(4x4, 3x3) for the weight gradient
// where it makes fewer products: output sizes 7 and up here): forward, input
// gradient and weight gradient against float64 references over tile edges (output sizes 1-17,
// odd and even, rows of tiles that are not a multiple of 4), padding 0-3,
// groups, bias, batch 1; its float32 error is bounded in units of the
// float32 rounding of the sum of |products| (the scale any float32 sum of
// those products has); bit-identical for 1, 2 and 3 threads; each image of
// a batch gives the forward and input-gradient bits it gives alone.
import * as assert from 'uvu/assert';
import { suite, sg, rng, atThreads } from '../helpers/harness.mjs';
import { nd } from '../helpers/ref.mjs';
import { refConv, refConvGrads, refConvTranspose } from '../helpers/ref-nn.mjs';

const test = suite('ops: conv2d winograd');

const EPS32 = 2 ** -24;
/**
 * Largest |y - ref| / (EPS32 (|b| + sum |w| |x|)) over the elements: the error in units of
 * the float32 rounding of the absolute sum (the direct float32 sum of K products stays
 * below about K of these units; Winograd's transforms add a few).
 */
function errorUnits(y, ref, absRef) {
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const scale = EPS32 * Math.max(absRef.data[i], 1e-30);
    worst = Math.max(worst, Math.abs(y[i] - ref.data[i]) / scale);
  }
  return worst;
}

const abs = (a) => nd(a.shape, a.data.map(Math.abs));
/** Measured: at most 4 units forward, 11 for an input gradient and 11 for an F(4x4) weight gradient (F(2x2): 2) over these cases. */
const BOUND = 32;

/** Float64 weight gradient of refConv for output gradient g. */
const refWeightGrad = (x, g, O, groups, padding) => refConvGrads(x, nd([O, x.shape[1] / groups, 3, 3]), g, { padding, groups }).dw;

// [batch, channels, outputs, H, W, padding, groups, bias]
const cases = [
  [1, 4, 4, 1, 1, 1, 1, false],
  [1, 4, 5, 2, 3, 1, 1, true],
  [2, 5, 4, 7, 7, 1, 1, true],
  [1, 6, 7, 8, 9, 0, 1, false],
  [3, 4, 8, 9, 16, 1, 1, true],
  [1, 8, 4, 13, 17, 2, 1, false],
  [2, 8, 12, 5, 11, 3, 2, true],
  [1, 16, 6, 14, 14, 1, 1, true],
  [1, 9, 6, 17, 5, 1, 1, false],
  [2, 8, 8, 6, 6, 0, 2, true],
  [11, 8, 12, 5, 6, 1, 1, false],
];

for (const [N, C, O, H, W, p, groups, bias] of cases) {
  test(`forward, input and weight gradients: x [${N}, ${C}, ${H}, ${W}], w [${O}, ${C / groups}, 3, 3], padding ${p}${groups > 1 ? `, groups ${groups}` : ''}${bias ? ', bias' : ''}`, () => {
    const r = rng(N * 1000 + C * 100 + H * 10 + W);
    const xs = [N, C, H, W], ws = [O, C / groups, 3, 3];
    const xd = r.array(xs.reduce((a, b) => a * b)), wd = r.array(ws.reduce((a, b) => a * b)), bd = r.array(O);
    const x = sg.tensor(Float32Array.from(xd), { shape: xs, requiresGrad: true });
    const w = sg.tensor(Float32Array.from(wd), { shape: ws, requiresGrad: true });
    const b = bias ? sg.tensor(Float32Array.from(bd)) : null;
    const y = sg.conv2d(x, w, b, { padding: p, groups });
    const x64 = nd(xs, Float32Array.from(xd)), w64 = nd(ws, Float32Array.from(wd)), b64 = bias ? nd([O], Float32Array.from(bd)) : null;
    const ref = refConv(x64, w64, b64, { padding: p, groups });
    assert.equal([...y.shape], ref.shape);
    const fwdErr = errorUnits(y.toArray(), ref, refConv(abs(x64), abs(w64), b64 && abs(b64), { padding: p, groups }));
    assert.ok(fwdErr < BOUND, `forward error ${fwdErr.toFixed(1)} units of EPS32 |sum|, bound ${BOUND}`);
    // dx = the transposed convolution of g with the same weight (the input size is what padding p gives back)
    const gd = r.array(ref.data.length);
    y.backward(sg.tensor(Float32Array.from(gd), { shape: ref.shape }));
    const g64 = nd(ref.shape, Float32Array.from(gd));
    // (padding 3 > 2: the input gradient leaves Winograd for the col2im path; the same reference holds)
    const dref = refConvTranspose(g64, w64, null, { padding: p, groups });
    assert.equal(dref.shape, xs);
    const dxErr = errorUnits(x.grad.toArray(), dref, refConvTranspose(abs(g64), abs(w64), null, { padding: p, groups }));
    assert.ok(dxErr < BOUND, `input gradient error ${dxErr.toFixed(1)} units, bound ${BOUND}`);
    const dwErr = errorUnits(w.grad.toArray(), refWeightGrad(x64, g64, O, groups, p), refWeightGrad(abs(x64), abs(g64), O, groups, p));
    assert.ok(dwErr < BOUND, `weight gradient error ${dwErr.toFixed(1)} units, bound ${BOUND}`);
    for (const t of [x, w, y, b]) t?.dispose();
  });
}

test('the float32 error of the weight gradient over the ResNet-20 shapes it serves stays within a few units (batch 4, 16-64 channels; their forward is F(4x4)\'s)', () => {
  const r = rng(7);
  for (const [C, O, H] of [[16, 16, 28], [32, 32, 14], [64, 64, 7]]) {
    const ws = [O, C, 3, 3];
    const wd = Float32Array.from(r.array(ws.reduce((a, b) => a * b)).map((v) => v * 0.1));
    // the weight gradient sums over every tile of every image: a longer float32 sum
    const xs4 = [4, C, H, H], gs = [4, O, H, H];
    const x4 = Float32Array.from(r.array(xs4.reduce((a, b) => a * b))), gd = Float32Array.from(r.array(gs.reduce((a, b) => a * b)));
    const x = sg.tensor(x4, { shape: xs4 }), w = sg.tensor(wd, { shape: ws, requiresGrad: true });
    sg.conv2d(x, w, null, { padding: 1 }).backward(sg.tensor(gd, { shape: gs }));
    const xr = nd(xs4, x4), gr = nd(gs, gd);
    const dwErr = errorUnits(w.grad.toArray(), refWeightGrad(xr, gr, O, 1, 1), refWeightGrad(abs(xr), abs(gr), O, 1, 1));
    assert.ok(dwErr < BOUND, `${C}->${O} ${H}x${H} weight gradient: ${dwErr.toFixed(1)} units`);
    for (const t of [x, w]) t.dispose();
  }
});

test('transposed convolution (stride 1, 3x3) runs the same path: matches its float64 reference', () => {
  const r = rng(9);
  const xs = [2, 6, 5, 7], ws = [6, 4, 3, 3];
  const xd = Float32Array.from(r.array(2 * 6 * 5 * 7)), wd = Float32Array.from(r.array(6 * 4 * 9)), bd = Float32Array.from(r.array(4));
  const y = sg.convTranspose2d(sg.tensor(xd, { shape: xs }), sg.tensor(wd, { shape: ws }), sg.tensor(bd), { padding: 1 });
  const x64 = nd(xs, xd), w64 = nd(ws, wd), b64 = nd([4], bd);
  const ref = refConvTranspose(x64, w64, b64, { padding: 1 });
  assert.equal([...y.shape], ref.shape);
  assert.ok(errorUnits(y.toArray(), ref, refConvTranspose(abs(x64), abs(w64), abs(b64), { padding: 1 })) < BOUND);
  y.dispose();
});

test('bit-identical for 1, 2 and 3 threads (forward, input and weight gradients); each image gives the forward and input-gradient bits it gives alone', () => {
  const r = rng(5);
  const xs = [5, 8, 9, 10], ws = [12, 8, 3, 3];
  const xd = Float32Array.from(r.array(5 * 8 * 90)), wd = Float32Array.from(r.array(12 * 8 * 9)), bd = Float32Array.from(r.array(12));
  const gd = Float32Array.from(r.array(5 * 12 * 90));
  const run = (n0 = 0, count = 5) => {
    const x = sg.tensor(xd.subarray(n0 * 720, (n0 + count) * 720), { shape: [count, 8, 9, 10], requiresGrad: true });
    const w = sg.tensor(wd, { shape: ws, requiresGrad: true }), b = sg.tensor(bd);
    const y = sg.conv2d(x, w, b, { padding: 1 });
    y.backward(sg.tensor(gd.subarray(n0 * 1080, (n0 + count) * 1080), { shape: [count, 12, 9, 10] }));
    const out = [y.toArray(), x.grad.toArray(), w.grad.toArray()];
    for (const t of [x, w, b, y]) t.dispose();
    return out;
  };
  const one = atThreads(1, () => run());
  for (const threads of [2, 3]) {
    const many = atThreads(threads, () => run());
    for (let i = 0; i < one.length; i++) assert.equal(Array.from(many[i]), Array.from(one[i]), `${threads} threads, output ${i}`);
  }
  for (let n = 0; n < 5; n++) {
    const alone = run(n, 1);
    assert.equal(Array.from(alone[0]), Array.from(one[0].subarray(n * 1080, (n + 1) * 1080)), `image ${n} forward`);
    assert.equal(Array.from(alone[1]), Array.from(one[1].subarray(n * 720, (n + 1) * 720)), `image ${n} input gradient`);
  }
});

test('weight gradient: bit-identical for 1, 2 and 3 threads at batches 1, 2, 9 and 11 (chunks of images, blocks of output channels)', () => {
  const r = rng(9);
  for (const N of [1, 2, 9, 11]) {
    const xd = Float32Array.from(r.array(N * 8 * 42)), gd = Float32Array.from(r.array(N * 20 * 42)), wd = Float32Array.from(r.array(20 * 8 * 9));
    const run = () => {
      const x = sg.tensor(xd, { shape: [N, 8, 6, 7] });
      const w = sg.tensor(wd, { shape: [20, 8, 3, 3], requiresGrad: true });
      sg.conv2d(x, w, null, { padding: 1 }).backward(sg.tensor(gd, { shape: [N, 20, 6, 7] }));
      const dw = w.grad.toArray();
      for (const t of [x, w]) t.dispose();
      return Array.from(dw);
    };
    const one = atThreads(1, run);
    for (const threads of [2, 3]) assert.equal(atThreads(threads, run), one, `batch ${N}, ${threads} threads`);
  }
});

test.run();
