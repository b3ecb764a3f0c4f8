// The stride-2 Winograd path of conv2d (3x3 kernels, stride 2, dilation 1,
// at least 4 channels per group on both sides; assembly/winograd-s2.ts,
// winograd-s2-t7.ts, winograd-s2-dx.ts, winograd-s2-t7-dx.ts,
// winograd-s2-wgrad.ts, winograd-s2-t7-wgrad.ts): forward (by 2x2 output
// blocks, or 7x7 tiles where they need fewer products), input gradient (by
// 4x4 blocks of dx, or 14x14 tiles likewise) (and convTranspose2d, whose
// forward is that input gradient) and weight gradient (by 2x2 blocks, or 7x7
// tiles for 7x7 outputs; test/node/winograd-s2-t7-wgrad.test.mjs takes that
// kernel over every tile edge) against float64 references over tile edges
// (sizes 1-15, odd and even, tiles straddling the image's edge), batches
// whose tiles share a block across images, padding 0-3, groups, bias,
// channel counts off the 4- and 8-blocks; bit-identical for 1, 2 and 3
// threads and for each image alone.
//
// The blocks' transform coefficients are 0 and +-1, so their float32 error
// stays near the direct sum's; the tiles' reach 8 (and sixths in the
// weights'). The bound is in units of EPS32 max |s|, s = |b| + sum
// |w| |x| the absolute sum of each output (so it scales with the data, not
// with cancellation in y).
import * as assert from 'uvu/assert';
import { suite, sg, rng } from '../helpers/harness.mjs';
import { absNd as abs, assertSplitInvariant, errorUnits } from '../helpers/conv-checks.mjs';
import { nd } from '../helpers/ref.mjs';
import { refConv, refConvGrads, refConvTranspose } from '../helpers/ref-nn.mjs';

const test = suite('ops: conv2d winograd stride 2');

const size = (s) => s.reduce((a, b) => a * b, 1);
/**
 * Measured: at most 1.4 units (forward by 2x2 blocks), 2.3 (input gradient) and 3.2 (weight gradient; 4.7 by 7x7
 * tiles, at 32->64 14x14) over these cases and the ResNet shapes.
 */
const BOUND = 8;
/** Measured: at most 6.4 units for the forward by 7x7 tiles and 12.9 for the input gradient by 14x14 tiles over these cases and the ResNet shapes. */
const TILES7_BOUND = 24;

// [batch, channels, outputs, H, W, padding, groups, bias]
const cases = [
  [1, 4, 4, 1, 1, 1, 1, false],
  [1, 4, 5, 2, 3, 1, 1, true],
  [3, 5, 4, 5, 5, 1, 1, true],
  [2, 7, 9, 7, 7, 1, 1, false],
  [1, 4, 4, 13, 6, 0, 1, true],
  [2, 6, 10, 9, 11, 2, 1, true],
  [2, 16, 16, 6, 10, 1, 2, true],
  [4, 8, 16, 3, 4, 1, 1, false],
  [1, 10, 8, 12, 12, 1, 1, false],
  [5, 4, 8, 4, 4, 0, 1, true],
  [1, 12, 12, 15, 9, 1, 1, true],
  [2, 8, 4, 5, 6, 3, 1, true],
  [3, 9, 13, 14, 14, 1, 1, false],
  [2, 4, 6, 8, 15, 2, 1, false],
  // outputs the 7x7 tiles serve (useTiles7 in src/drivers/conv-s2.ts): 7 and 14 (one and two tiles, exact), 2, 6
  // and 13 (the last tile cut), 21 (a middle tile), padding 0-2, batches whose blocks of 8 tiles span images and
  // end in a partial group of 4 or a half panel, groups, bias; their input gradients by 14x14 tiles where those
  // serve (13, 14, 28 and 41 pixels, padding 0-3); the forward reads the images in place (padding up to 3)
  [1, 4, 4, 13, 13, 1, 1, true, TILES7_BOUND],
  [3, 5, 7, 14, 13, 1, 1, false, TILES7_BOUND],
  [2, 6, 9, 13, 28, 1, 1, true, TILES7_BOUND],
  [2, 8, 12, 15, 15, 0, 1, true, TILES7_BOUND],
  [1, 16, 8, 13, 25, 1, 2, true, TILES7_BOUND],
  [2, 4, 6, 12, 9, 2, 1, false, TILES7_BOUND],
  [1, 4, 5, 41, 41, 1, 1, true, TILES7_BOUND],
  [9, 4, 4, 14, 14, 1, 1, true, TILES7_BOUND],
  [12, 6, 5, 14, 3, 1, 1, false, TILES7_BOUND],
  [2, 40, 36, 14, 14, 1, 1, true, TILES7_BOUND],
  [12, 64, 8, 14, 14, 1, 1, true, TILES7_BOUND],
  [2, 5, 6, 13, 14, 2, 1, true, TILES7_BOUND],
  [1, 4, 4, 14, 11, 3, 1, false, TILES7_BOUND],
  [2, 4, 5, 9, 9, 3, 1, true, TILES7_BOUND],
  // groups with 7x7 outputs (the weight gradient by 7x7 tiles per group)
  [2, 16, 12, 13, 14, 1, 2, true, TILES7_BOUND],
];

for (const [N, C, O, H, W, p, groups, bias, bound = BOUND] of cases) {
  test(`forward and input gradient${bound === BOUND ? '' : ' (7x7 and 14x14 tiles)'}: x [${N}, ${C}, ${H}, ${W}], w [${O}, ${C / groups}, 3, 3], stride 2, padding ${p}${groups > 1 ? `, groups ${groups}` : ''}${bias ? ', bias' : ''}`, () => {
    const r = rng(N * 1000 + C * 100 + H * 10 + W + p);
    const xs = [N, C, H, W], ws = [O, C / groups, 3, 3], opts = { stride: 2, padding: p, groups };
    const xd = Float32Array.from(r.array(size(xs))), wd = Float32Array.from(r.array(size(ws))), bd = Float32Array.from(r.array(O));
    const x = sg.tensor(xd, { shape: xs, requiresGrad: true }), w = sg.tensor(wd, { shape: ws, requiresGrad: true }), b = bias ? sg.tensor(bd) : null;
    const y = sg.conv2d(x, w, b, opts);
    const x64 = nd(xs, xd), w64 = nd(ws, wd), b64 = bias ? nd([O], bd) : null;
    const ref = refConv(x64, w64, b64, opts);
    assert.equal([...y.shape], ref.shape);
    const fwdErr = errorUnits(y.toArray(), ref.data, refConv(abs(x64), abs(w64), b64 && abs(b64), opts).data);
    assert.ok(fwdErr < bound, `forward error ${fwdErr.toFixed(1)} units, bound ${bound}`);
    const gd = Float32Array.from(r.array(ref.data.length)), g64 = nd(ref.shape, gd);
    y.backward(sg.tensor(gd, { shape: ref.shape }));
    const dref = refConvGrads(x64, w64, g64, opts), dabs = refConvGrads(abs(x64), abs(w64), abs(g64), opts);
    const dxErr = errorUnits(x.grad.toArray(), dref.dx.data, dabs.dx.data);
    assert.ok(dxErr < bound, `input gradient error ${dxErr.toFixed(1)} units, bound ${bound}`);
    const dwErr = errorUnits(w.grad.toArray(), dref.dw.data, dabs.dw.data);
    assert.ok(dwErr < BOUND, `weight gradient error ${dwErr.toFixed(1)} units, bound ${BOUND}`);
    for (const t of [x, w, y, b]) t?.dispose();
  });
}

test('the float32 error over the ResNet-20 stride-2 shapes (batch 2, 16->32 28x28, 32->64 14x14) stays within the bound', () => {
  const r = rng(19);
  // both by 7x7 tiles (14x14 tiles for the input gradient): 16->32 since they beat 2x2 blocks there too (conv-s2.ts T7_MARGIN)
  for (const [C, O, H, bound] of [[16, 32, 28, TILES7_BOUND], [32, 64, 14, TILES7_BOUND]]) {
    const xs = [2, C, H, H], ws = [O, C, 3, 3], OH = H / 2, opts = { stride: 2, padding: 1 };
    const xd = Float32Array.from(r.array(size(xs))), wd = Float32Array.from(r.array(size(ws)).map((v) => v * 0.1));
    const gd = Float32Array.from(r.array(2 * O * OH * OH));
    const x64 = nd(xs, xd), w64 = nd(ws, wd), g64 = nd([2, O, OH, OH], gd);
    const x = sg.tensor(xd, { shape: xs, requiresGrad: true }), w = sg.tensor(wd, { shape: ws, requiresGrad: true });
    const y = sg.conv2d(x, w, null, opts);
    const err = errorUnits(y.toArray(), refConv(x64, w64, null, opts).data, refConv(abs(x64), abs(w64), null, opts).data);
    assert.ok(err < bound, `${C}->${O} ${H}x${H} forward: ${err.toFixed(1)} units, bound ${bound}`);
    y.backward(sg.tensor(gd, { shape: [2, O, OH, OH] }));
    const dref = refConvGrads(x64, w64, g64, opts), dabs = refConvGrads(abs(x64), abs(w64), abs(g64), opts);
    const dErr = errorUnits(x.grad.toArray(), dref.dx.data, dabs.dx.data);
    assert.ok(dErr < bound, `${C}->${O} ${H}x${H} input gradient: ${dErr.toFixed(1)} units, bound ${bound}`);
    const wErr = errorUnits(w.grad.toArray(), dref.dw.data, dabs.dw.data);
    assert.ok(wErr < BOUND, `${C}->${O} ${H}x${H} weight gradient: ${wErr.toFixed(1)} units`);
    for (const t of [x, w, y]) t.dispose();
  }
});

test('convTranspose2d at stride 2 (its forward is this input gradient, plus the bias): output padding 0 and 1, padding 0-2', () => {
  const r = rng(31);
  // the last two: 13x13 and 14x14 outputs, by 14x14 tiles
  for (const [N, C, O, H, W, p, op, bound] of [[2, 6, 5, 4, 5, 1, 1, BOUND], [1, 8, 4, 3, 3, 0, 0, BOUND], [3, 4, 9, 5, 2, 2, 1, BOUND],
    [2, 6, 5, 7, 7, 1, 0, TILES7_BOUND], [1, 8, 12, 7, 7, 1, 1, TILES7_BOUND]]) {
    const xs = [N, C, H, W], ws = [C, O, 3, 3], opts = { stride: 2, padding: p, outputPadding: op };
    const xd = Float32Array.from(r.array(size(xs))), wd = Float32Array.from(r.array(size(ws))), bd = Float32Array.from(r.array(O));
    const y = sg.noGrad(() => sg.convTranspose2d(sg.tensor(xd, { shape: xs }), sg.tensor(wd, { shape: ws }), sg.tensor(bd), opts));
    const x64 = nd(xs, xd), w64 = nd(ws, wd), b64 = nd([O], bd);
    const ref = refConvTranspose(x64, w64, b64, opts);
    assert.equal([...y.shape], ref.shape);
    const err = errorUnits(y.toArray(), ref.data, refConvTranspose(abs(x64), abs(w64), abs(b64), opts).data);
    assert.ok(err < bound, `x ${xs} padding ${p} output padding ${op}: ${err.toFixed(1)} units, bound ${bound}`);
    y.dispose();
  }
});

// 9x7 images: 5x4 outputs by 2x2 blocks; 13x14: 7x7 outputs by 7x7 tiles
for (const [H, W, OH, OW] of [[9, 7, 5, 4], [13, 14, 7, 7]]) {
  test(`bit-identical for 1, 2 and 3 threads (the weight gradient too: its image chunks are fixed by the shape); each image's forward and input gradient are the bits it gives alone (small maps: blocks span images): ${H}x${W}`, () => {
    const r = rng(29);
    const N = 7, C = 9, O = 10, img = C * H * W, out = O * OH * OW;
    const xd = Float32Array.from(r.array(N * img)), wd = Float32Array.from(r.array(O * C * 9)), bd = Float32Array.from(r.array(O));
    const gd = Float32Array.from(r.array(N * out));
    const run = (n0 = 0, count = N) => {
      const x = sg.tensor(xd.subarray(n0 * img, (n0 + count) * img), { shape: [count, C, H, W], requiresGrad: true });
      const w = sg.tensor(wd, { shape: [O, C, 3, 3], requiresGrad: true }), b = sg.tensor(bd);
      const y = sg.conv2d(x, w, b, { stride: 2, padding: 1 });
      y.backward(sg.tensor(gd.subarray(n0 * out, (n0 + count) * out), { shape: [count, O, OH, OW] }));
      const res = [y.toArray(), x.grad.toArray(), w.grad.toArray()];
      for (const t of [x, w, b, y]) t.dispose();
      return res;
    };
    assertSplitInvariant(run, N, [out, img]);
  });
}

test.run();
