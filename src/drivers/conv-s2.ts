/**
 * The stride-2 3x3 convolution by Winograd: the forward (assembly/winograd-s2.ts)
 * each 2x2 block of outputs from its 5x5 input tile, the input gradient
 * (assembly/winograd-s2-dx.ts) each 4x4 block of dx from a 3x3 tile of dy,
 * both with 25 products per channel pair instead of 36. Threads split the
 * images; every output is one fixed expression of its own image, so any
 * thread count gives the same bits.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { parallelFor } from '../runtime/parallel';
import type { Geometry } from './conv';
import type { Kernels } from '../runtime/kernels.generated';

/** Least channels per group on each side: with fewer the transforms (linear in C + O per tile) cost more than the products they save (C O per tile). */
const MIN_CHANNELS = 4;
/** Floats after each position's slab in the scratch (assembly/winograd-layout.ts XI_PAD). */
const XI_PAD = 16;
/** Floats of one position's operands per block (max(C, O) tiles): the 25 positions' transformed inputs stay in L2. */
const BLOCK_FLOATS = 2048;

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Whether the stride-2 Winograd forward and input gradient compute this geometry: 3x3 kernels, stride 2, dilation 1, enough channels on both sides. */
export function winogradS2Serves(g: Geometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 2 && g.sw === 2 && g.dh === 1 && g.dw === 1 &&
    g.Cg >= MIN_CHANNELS && g.Og >= MIN_CHANNELS;
}

/**
 * Runs one stride-2 Winograd pass per group over the images: the weights
 * transformed once (`weights(k, grp, u)`: rows output channels by red
 * reduction channels, rows padded to 4), then blocks of bt tiles with nb
 * images per call (`call`; padFloats: one image's padded copy). Threads split
 * the images.
 */
function runImages(
  g: Geometry, red: number, rows: number, tiles: number, padFloats: number, weights: (k: Kernels, grp: number, u: number) => void,
  call: (k: Kernels, lo: number, hi: number, grp: number, u: number, bt: number, nb: number, scratch: number) => void,
): void {
  const Rp = roundUp(rows, 4), per = 25 * Rp * red;
  const U = Tensor.empty([g.G * per]);
  const lanes: Tensor[] = [U];
  try {
    for (let grp = 0; grp < g.G; grp++) weights(kernels(), grp, U.ptr + grp * per * 4);
    // tiles per block, and images padded per call: enough to fill a block when the maps are small
    const bt = Math.max(8, Math.floor(BLOCK_FLOATS / Math.max(red, Rp) / 8) * 8);
    const nb = Math.max(1, Math.min(g.N, Math.ceil(bt / tiles)));
    const scratchFloats = nb * padFloats + 25 * (red * bt + XI_PAD) + 25 * (Rp * bt + XI_PAD);
    parallelFor(g.N, g.N * g.O * g.Kg * g.OH * g.OW, (k, lo, hi) => {
      const scratch = Tensor.empty([scratchFloats]);
      lanes.push(scratch);
      for (let grp = 0; grp < g.G; grp++) call(k, lo, hi, grp, U.ptr + grp * per * 4, bt, nb, scratch.ptr);
    });
  } finally {
    for (const t of lanes) t.dispose();
  }
}

/**
 * out (N, O, OH, OW) = the stride-2 convolution of x with w (+ bias) for a
 * geometry winogradS2Serves accepts, per group; threads split the images.
 */
export function winogradS2Forward(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | null, out: Tensor): void {
  const C = g.Cg, O = g.Og, xImg = g.C * g.H * g.W, yImg = g.O * g.OH * g.OW;
  const TH = Math.ceil(g.OH / 2), TWp = roundUp(Math.ceil(g.OW / 2), 4);
  runImages(g, C, O, TH * TWp, C * (4 * TH + 1) * (4 * TWp + 4),
    (k, grp, u) => k.winograd_s2_weights_f32(O, C, w.ptr + grp * O * g.Kg * 4, g.Kg, 9, 3, 1, u),
    (k, lo, hi, grp, u, bt, nb, scratch) => k.winograd_s2_conv_f32(hi - lo, C, g.H, g.W, O, g.ph, g.pw, g.OH, g.OW,
      x.ptr + (lo * xImg + grp * C * g.H * g.W) * 4, xImg, u, out.ptr + (lo * yImg + grp * O * g.OH * g.OW) * 4, yImg,
      bias === null ? 0 : bias.ptr + grp * O * 4, bt, nb, scratch));
}

/**
 * dx (N, C, H, W) = the input gradient of the stride-2 convolution for dy
 * (N, O, OH, OW) (+ bias[c] when given: the forward of a transposed
 * convolution), for a geometry winogradS2Serves accepts, per group; threads
 * split the images.
 */
export function winogradS2InputGrad(g: Geometry, w: Tensor, dy: Tensor, dx: Tensor, bias: Tensor | null): void {
  const C = g.Cg, O = g.Og, xImg = g.C * g.H * g.W, gImg = g.O * g.OH * g.OW;
  const TH = Math.ceil(g.H / 4), TWp = roundUp(Math.ceil(g.W / 4), 4);
  runImages(g, O, C, TH * TWp, O * (2 * TH + Math.ceil(g.ph / 2) + 1) * (2 * TWp + Math.ceil(g.pw / 2) + 2),
    // C rows of O: w'[c, o, ky, kx] = w[o, c, 2 - ky, 2 - kx]
    (k, grp, u) => k.winograd_s2_weights_f32(C, O, w.ptr + (grp * O * g.Kg + 8) * 4, 9, g.Kg, -3, -1, u),
    (k, lo, hi, grp, u, bt, nb, scratch) => k.winograd_s2_dx_f32(hi - lo, O, g.OH, g.OW, C, g.ph, g.pw, g.H, g.W,
      dy.ptr + (lo * gImg + grp * O * g.OH * g.OW) * 4, gImg, u, dx.ptr + (lo * xImg + grp * C * g.H * g.W) * 4, xImg,
      bias === null ? 0 : bias.ptr + grp * C * 4, bt, nb, scratch));
}
