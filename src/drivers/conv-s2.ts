/**
 * The stride-2 3x3 convolution by Winograd: the forward each 2x2 block of
 * outputs from its 5x5 input tile (assembly/winograd-s2.ts), or, where that
 * needs fewer products (small maps such as 7x7), each 7x7 tile of outputs
 * from its 15x15 input tile (assembly/winograd-s2-t7.ts, 256 products per
 * channel pair instead of 441); the input gradient each 4x4 block of dx from
 * a 3x3 tile of dy with 25 products per channel pair instead of 36
 * (assembly/winograd-s2-dx.ts), or each 14x14 tile from an 8x8 tile of dy
 * with 256 (assembly/winograd-s2-t7-dx.ts). Threads split the images; every output is one fixed
 * expression of its own image, so any thread count gives the same bits.
 */
import { Tensor } from '../tensor';
import { parallelFor } from '../runtime/parallel';
import type { Geometry } from './conv';
import type { Kernels } from '../runtime/kernels.generated';

/** Least channels per group on each side: with fewer the transforms (linear in C + O per tile) cost more than the products they save (C O per tile). */
const MIN_CHANNELS = 4;
/** Floats after each position's slab in the scratch (assembly/winograd-layout.ts XI_PAD). */
const XI_PAD = 16;
/** Floats of one position's operands per block (max(C, O) tiles): the 25 positions' transformed inputs stay in L2. */
const BLOCK_FLOATS = 2048;
/**
 * The same for 7x7 output tiles: a block's 256 positions of operands and
 * products (about 100 KB per tile at 32->64 channels) stay in L2 (measured at
 * 32->64 14x14, batch 128, 1 thread: bt 8 about 15% faster than 64).
 */
const T7_BLOCK_FLOATS = 512;
/**
 * useTiles7: 7x7 tiles when their products are fewer than this fraction of
 * 2x2 blocks' (measured at batch 128, 1 thread, CPU time of 7x7 tiles / 2x2
 * blocks: 32->64 7x7 outputs, products 0.64x, time 0.87x; 16->32 14x14
 * outputs, products 0.73x, time 0.93x forward, 0.95x forward + input
 * gradient, since the tiles' weights keep 100 positions and their output
 * transforms place the tiles once per channel).
 */
const T7_MARGIN = 0.75;
/** Work units per weight of the weight transforms (for the thread split): about as much as that many multiply-adds. */
const WEIGHT_WORK = 16;

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Whether the stride-2 Winograd forward and input gradient compute this geometry: 3x3 kernels, stride 2, dilation 1, enough channels on both sides. */
export function winogradS2Serves(g: Geometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 2 && g.sw === 2 && g.dh === 1 && g.dw === 1 &&
    g.Cg >= MIN_CHANNELS && g.Og >= MIN_CHANNELS;
}

/**
 * One stride-2 Winograd scheme: its positions per tile, the floats of its
 * scratch beyond the padded images and the operands, and of its weight
 * transform's scratch.
 */
interface Scheme { positions: number; weightPositions: number; extraFloats: number; weightScratch: number; blockFloats: number }
/** 2x2 output blocks (assembly/winograd-s2.ts, winograd-s2-dx.ts): 25 positions. */
const BLOCKS_2X2: Scheme = { positions: 25, weightPositions: 25, extraFloats: 0, weightScratch: 0, blockFloats: BLOCK_FLOATS };
/**
 * 7x7 output tiles (assembly/winograd-s2-t7.ts) and 14x14 tiles of the input
 * gradient (winograd-s2-t7-dx.ts), both reading their operands in place (no
 * padded copy): 256 positions, of which the weights' transform keeps the 100
 * distinct; the transforms' rows (15 x 16 vectors), then the zero row, a
 * group's masks and row tables; the weight transform's block (100 positions
 * of 8 channels x 4 floats).
 */
const TILES_7X7: Scheme = { positions: 256, weightPositions: 100, extraFloats: 1160, weightScratch: 3200, blockFloats: T7_BLOCK_FLOATS };

/**
 * Runs one stride-2 Winograd pass per group over the images: the weights
 * transformed once (`weights(k, grp, r0, r1, u)`: rows r0 .. r1 (multiples of
 * 4) of output channels by red reduction channels, rows padded to 4; threads
 * split the blocks of 4 rows), then blocks of bt tiles with nb images per call
 * (`call`; padFloats: one image's padded copy). Threads split the images.
 */
function runImages(
  g: Geometry, scheme: Scheme, red: number, rows: number, tiles: number, padFloats: number,
  weights: (k: Kernels, grp: number, r0: number, r1: number, u: number, scratch: number) => void,
  call: (k: Kernels, lo: number, hi: number, grp: number, u: number, bt: number, nb: number, scratch: number) => void,
): void {
  const P = scheme.positions, Rp = roundUp(rows, 4), per = scheme.weightPositions * Rp * red;
  const U = Tensor.empty([g.G * per]);
  const lanes: Tensor[] = [U];
  try {
    const blocks = Rp / 4;
    parallelFor(g.G * blocks, g.G * per * WEIGHT_WORK, (k, lo, hi) => {
      const scratch = scheme.weightScratch > 0 ? Tensor.empty([scheme.weightScratch]) : null;
      if (scratch !== null) lanes.push(scratch);
      for (let grp = Math.floor(lo / blocks); grp * blocks < hi; grp++) {
        weights(k, grp, 4 * Math.max(lo - grp * blocks, 0), 4 * Math.min(hi - grp * blocks, blocks), U.ptr + grp * per * 4, scratch?.ptr ?? 0);
      }
    });
    // tiles per block, and images padded per call: enough to fill a block when the maps are small
    const bt = Math.max(8, Math.floor(scheme.blockFloats / Math.max(red, Rp) / 8) * 8);
    const nb = Math.max(1, Math.min(g.N, Math.ceil(bt / tiles)));
    const scratchFloats = nb * padFloats + P * (red * bt + XI_PAD) + P * (Rp * bt + XI_PAD) + scheme.extraFloats;
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
 * Whether tiles of 256 products per channel pair (7x7 outputs of the forward,
 * 14x14 pixels of the input gradient) beat blocks of 25 (2x2 outputs, 4x4
 * pixels; rows of blocks padded to 4) for a map of rows x cols tiles or
 * blocks: fewer products by T7_MARGIN (their transforms cost more per product).
 */
function useTiles7(tileRows: number, tileCols: number, blockRows: number, blockCols: number): boolean {
  return 256 * tileRows * tileCols < T7_MARGIN * 25 * blockRows * roundUp(blockCols, 4);
}

/**
 * out (N, O, OH, OW) = the stride-2 convolution of x with w (+ bias) for a
 * geometry winogradS2Serves accepts, per group, by 7x7 output tiles where
 * useTiles7 says so, else by 2x2 blocks; threads split the images.
 */
export function winogradS2Forward(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | null, out: Tensor): void {
  const C = g.Cg, O = g.Og, xImg = g.C * g.H * g.W, yImg = g.O * g.OH * g.OW;
  const xAt = (lo: number, grp: number): number => x.ptr + (lo * xImg + grp * C * g.H * g.W) * 4;
  const yAt = (lo: number, grp: number): number => out.ptr + (lo * yImg + grp * O * g.OH * g.OW) * 4;
  const bAt = (grp: number): number => bias === null ? 0 : bias.ptr + grp * O * 4;
  const wAt = (grp: number): number => w.ptr + grp * O * g.Kg * 4;
  // (the 7x7 tiles read the images in place, up to 13 + pw floats past a row: within the heap's slack for pw <= 3)
  if (g.pw <= 3 && useTiles7(Math.ceil(g.OH / 7), Math.ceil(g.OW / 7), Math.ceil(g.OH / 2), Math.ceil(g.OW / 2))) {
    runImages(g, TILES_7X7, C, O, Math.ceil(g.OH / 7) * Math.ceil(g.OW / 7), 0,
      (k, grp, r0, r1, u, scratch) => k.winograd_s2t7_weights_f32(O, C, r0, r1, wAt(grp), g.Kg, 9, 3, 1, u, scratch),
      (k, lo, hi, grp, u, bt, _nb, scratch) => k.winograd_s2t7_conv_f32(hi - lo, C, g.H, g.W, O, g.ph, g.pw, g.OH, g.OW,
        xAt(lo, grp), xImg, u, yAt(lo, grp), yImg, bAt(grp), bt, scratch));
    return;
  }
  const TH = Math.ceil(g.OH / 2), TWp = roundUp(Math.ceil(g.OW / 2), 4);
  runImages(g, BLOCKS_2X2, C, O, TH * TWp, C * (4 * TH + 1) * (4 * TWp + 4),
    (k, grp, r0, r1, u) => k.winograd_s2_weights_f32(O, C, r0, r1, wAt(grp), g.Kg, 9, 3, 1, u),
    (k, lo, hi, grp, u, bt, nb, scratch) => k.winograd_s2_conv_f32(hi - lo, C, g.H, g.W, O, g.ph, g.pw, g.OH, g.OW,
      xAt(lo, grp), xImg, u, yAt(lo, grp), yImg, bAt(grp), bt, nb, scratch));
}

/**
 * dx (N, C, H, W) = the input gradient of the stride-2 convolution for dy
 * (N, O, OH, OW) (+ bias[c] when given: the forward of a transposed
 * convolution), for a geometry winogradS2Serves accepts, per group, by 14x14
 * tiles of dx where useTiles7 says so, else by 4x4 blocks; threads split the
 * images.
 */
export function winogradS2InputGrad(g: Geometry, w: Tensor, dy: Tensor, dx: Tensor, bias: Tensor | null): void {
  const C = g.Cg, O = g.Og, xImg = g.C * g.H * g.W, gImg = g.O * g.OH * g.OW;
  const gAt = (lo: number, grp: number): number => dy.ptr + (lo * gImg + grp * O * g.OH * g.OW) * 4;
  const xAt = (lo: number, grp: number): number => dx.ptr + (lo * xImg + grp * C * g.H * g.W) * 4;
  const bAt = (grp: number): number => bias === null ? 0 : bias.ptr + grp * C * 4;
  // C rows of O: w'[c, o, ky, kx] = w[o, c, 2 - ky, 2 - kx]
  const wAt = (grp: number): number => w.ptr + (grp * O * g.Kg + 8) * 4;
  const qy = Math.ceil(g.ph / 2), qx = Math.ceil(g.pw / 2);
  if (useTiles7(Math.ceil(g.H / 14), Math.ceil(g.W / 14), Math.ceil(g.H / 4), Math.ceil(g.W / 4))) {
    const TH = Math.ceil(g.H / 14), TW = Math.ceil(g.W / 14);
    // (the 14x14 tiles read dy in place, up to 7 floats past a row: within the heap's slack)
    runImages(g, TILES_7X7, O, C, TH * TW, 0,
      (k, grp, r0, r1, u, scratch) => k.winograd_s2t7_weights_f32(C, O, r0, r1, wAt(grp), 9, g.Kg, -3, -1, u, scratch),
      (k, lo, hi, grp, u, bt, _nb, scratch) => k.winograd_s2t7_dx_f32(hi - lo, O, g.OH, g.OW, C, g.ph, g.pw, g.H, g.W,
        gAt(lo, grp), gImg, u, xAt(lo, grp), xImg, bAt(grp), bt, scratch));
    return;
  }
  const TH = Math.ceil(g.H / 4), TWp = roundUp(Math.ceil(g.W / 4), 4);
  runImages(g, BLOCKS_2X2, O, C, TH * TWp, O * (2 * TH + qy + 1) * (2 * TWp + qx + 2),
    (k, grp, r0, r1, u) => k.winograd_s2_weights_f32(C, O, r0, r1, wAt(grp), 9, g.Kg, -3, -1, u),
    (k, lo, hi, grp, u, bt, nb, scratch) => k.winograd_s2_dx_f32(hi - lo, O, g.OH, g.OW, C, g.ph, g.pw, g.H, g.W,
      gAt(lo, grp), gImg, u, xAt(lo, grp), xImg, bAt(grp), bt, nb, scratch));
}
