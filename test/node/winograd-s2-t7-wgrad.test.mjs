// The stride-2 weight gradient by 7x7 output tiles (assembly/winograd-s2-t7-wgrad.ts),
// called on the built module (build/simdgrad.wasm) directly over a memory of
// its own, against a float64 reference: conv2d serves it only where it needs
// clearly fewer products than 2x2 blocks (7x7 outputs, src/drivers/conv.ts
// wgradTiles7; those go through test/suites/conv-winograd-s2.test.mjs), so here
// the kernel itself meets every tile edge: outputs of 5, 7, 8, 12, 13, 14, 15
// (last tiles cut, one to three tiles a side), padding 0-2 (different on each
// axis), batch 1, channel counts off the 4- and 8-blocks, blocks of tiles that
// span images and end half filled, dU accumulated over two calls, and the
// transform back split over output channels (as threads split it) giving the
// same bits.
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { suite } from '../helpers/harness.mjs';

const test = suite('winograd stride-2 weight gradient by 7x7 tiles (kernel)');

const memory = new WebAssembly.Memory({ initial: 32 });
const { instance } = await WebAssembly.instantiate(readFileSync(new URL('../../build/simdgrad.wasm', import.meta.url)), { env: { memory } });
const K = instance.exports;

/** Floats after each position's slab (assembly/winograd-layout.ts XI_PAD), and dU's sums per channel pair. */
const XI_PAD = 16, SUMS = 100;
/**
 * Measured: at most 3.0 units (EPS32 max |s|, s = sum |g| |x| of each weight's
 * gradient) over these cases, 4.7 over the ResNet-20 shape 32->64 14x14
 * (conv-winograd-s2.test.mjs bounds it through conv2d).
 */
const BOUND = 8;

let top = 1024;
const alloc = (floats) => {
  const p = top;
  top += Math.ceil((floats * 4 + 64) / 64) * 64;
  const need = Math.ceil((top + 65536) / 65536) - memory.buffer.byteLength / 65536;
  if (need > 0) memory.grow(need);
  return p;
};
const put = (values) => { const p = alloc(values.length); new Float32Array(memory.buffer, p, values.length).set(values); return p; };
const get = (p, n) => Float32Array.from(new Float32Array(memory.buffer, p, n));

function values(n, seed) {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s >>> 8) / 2 ** 23 - 1;
  });
}

/** dw[o, c, ky, kx] = sum g[n, o, oy, ox] x[n, c, 2 oy - ph + ky, 2 ox - pw + kx] in float64, and the same of |g| |x|. */
function reference(x, g, N, C, H, W, O, ph, pw, OH, OW) {
  const dw = new Float64Array(O * C * 9), abs = new Float64Array(O * C * 9);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    const gv = g[((n * O + o) * OH + oy) * OW + ox];
    for (let c = 0; c < C; c++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
      const iy = 2 * oy - ph + ky, ix = 2 * ox - pw + kx;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      const xv = x[((n * C + c) * H + iy) * W + ix], i = (o * C + c) * 9 + ky * 3 + kx;
      dw[i] += gv * xv;
      abs[i] += Math.abs(gv * xv);
    }
  }
  return { dw, abs };
}

/**
 * The kernel's dw for images [0, N) summed in the calls `splits` give (image
 * ranges), transformed back in one call or per block of 4 output channels
 * (`quads`). The calls accumulate into one dU, or with `chunks` each into a
 * dU of its own that the transform back adds first; with `chunks` = 'js' the
 * chunks' dU are added here in float32, chunk after chunk, before a transform
 * back of one.
 */
function kernelGrad(x, g, N, C, H, W, O, ph, pw, OH, OW, bt, splits, quads, chunks = false) {
  top = 1024;
  const Cp = Math.ceil(C / 8) * 8, Op = Math.ceil(O / 4) * 4, TH = Math.ceil(OH / 7), TW = Math.ceil(OW / 7);
  const xp = put(x), gp = put(g), xImg = C * H * W, gImg = O * OH * OW;
  const dUFloats = SUMS * (Op * Cp + XI_PAD), count = chunks ? splits.length : 1;
  const dup = alloc(count * dUFloats), wp = alloc(O * C * 9);
  const scratch = alloc((14 * TH + 1) * (14 * TW + 1) * Cp + 49 * TH * TW * Op + 256 * ((Cp + Op) * bt + 2 * XI_PAD) + 960);
  splits.forEach(([n0, n1], i) => {
    const into = chunks ? dup + i * dUFloats * 4 : dup;
    K.winograd_s2t7_wgrad_f32(n1 - n0, C, H, W, O, ph, pw, OH, OW, xp + n0 * xImg * 4, xImg, gp + n0 * gImg * 4, gImg, into, !chunks && i > 0 ? 1 : 0, bt, scratch);
  });
  if (chunks === 'js') {
    const f = new Float32Array(memory.buffer, dup, count * dUFloats);
    for (let j = 1; j < count; j++) for (let i = 0; i < dUFloats; i++) f[i] = Math.fround(f[i] + f[j * dUFloats + i]);
  }
  const added = chunks === true ? count : 1;
  if (quads) for (let o = 0; o < O; o += 4) K.winograd_s2t7_wgrad_weights_f32(O, C, o, o + 4, dup, wp, C * 9, 9, added, dUFloats * 4);
  else K.winograd_s2t7_wgrad_weights_f32(O, C, 0, O, dup, wp, C * 9, 9, added, dUFloats * 4);
  return get(wp, O * C * 9);
}

// [N, C, O, H, W, ph, pw, bt]
const cases = [
  [1, 4, 4, 9, 9, 1, 1, 8],
  [1, 5, 7, 13, 14, 1, 1, 8],
  [2, 9, 6, 15, 16, 1, 1, 8],
  [3, 4, 5, 25, 26, 0, 0, 8],
  [2, 12, 13, 26, 27, 1, 0, 16],
  [1, 8, 8, 28, 27, 1, 2, 8],
  [2, 6, 9, 29, 30, 1, 1, 8],
  [5, 3, 2, 13, 13, 1, 1, 8],
  [11, 16, 20, 14, 14, 1, 1, 8],
  [3, 7, 4, 31, 12, 2, 1, 16],
];

for (const [N, C, O, H, W, ph, pw, bt] of cases) {
  const OH = Math.floor((H + 2 * ph - 3) / 2) + 1, OW = Math.floor((W + 2 * pw - 3) / 2) + 1;
  test(`x [${N}, ${C}, ${H}, ${W}], ${O} outputs, padding (${ph}, ${pw}): ${OH}x${OW} outputs, blocks of ${bt} tiles`, () => {
    const x = values(N * C * H * W, N * 1000 + C * 100 + H), g = values(N * O * OH * OW, O * 100 + W);
    const ref = reference(x, g, N, C, H, W, O, ph, pw, OH, OW);
    const dw = kernelGrad(x, g, N, C, H, W, O, ph, pw, OH, OW, bt, [[0, N]], false);
    const scale = Math.max(...ref.abs);
    let err = 0;
    for (let i = 0; i < dw.length; i++) err = Math.max(err, Math.abs(dw[i] - ref.dw[i]));
    const units = err / (2 ** -24 * scale);
    assert.ok(units < BOUND, `error ${units.toFixed(2)} units, bound ${BOUND}`);
    // the transform back per block of 4 output channels: the same bits
    assert.equal(kernelGrad(x, g, N, C, H, W, O, ph, pw, OH, OW, bt, [[0, N]], true), dw);
    if (N > 1) {
      // dU accumulated over two calls: another order of the same sums, within the bound
      const h = Math.floor(N / 2), two = kernelGrad(x, g, N, C, H, W, O, ph, pw, OH, OW, bt, [[0, h], [h, N]], false);
      let e2 = 0;
      for (let i = 0; i < two.length; i++) e2 = Math.max(e2, Math.abs(two[i] - ref.dw[i]));
      assert.ok(e2 / (2 ** -24 * scale) < BOUND, `two calls: error ${(e2 / (2 ** -24 * scale)).toFixed(2)} units`);
      // a dU per call (chunk), added by the transform back: the bits of adding the chunks in turn first
      const thirds = [[0, Math.floor(N / 3)], [Math.floor(N / 3), h], [h, N]].filter(([a, b]) => b > a);
      const added = kernelGrad(x, g, N, C, H, W, O, ph, pw, OH, OW, bt, thirds, true, 'js');
      assert.equal(kernelGrad(x, g, N, C, H, W, O, ph, pw, OH, OW, bt, thirds, false, true), added);
      assert.equal(kernelGrad(x, g, N, C, H, W, O, ph, pw, OH, OW, bt, thirds, true, true), added);
    }
  });
}

test.run();
