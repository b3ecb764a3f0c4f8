/**
 * Convolution drivers: typed functions over contiguous tensors and a
 * Geometry that call the convolution kernels (assembly/conv.ts, the GEMM of
 * assembly/gemm.ts) and split the work over threads. They know nothing of
 * autograd or argument checking (src/ops/conv.ts and conv-transpose.ts do
 * that). For one image and group, with k = (c, ky, kx) over the group's
 * input channels:
 *   forward   y[o, oy, ox] = b[o] + sum_k w[o, k] x[c, oy sh - ph + ky dh, ox sw - pw + kx dw]
 *             i.e. Y = W col(x) (+ b), col being im2col
 *   weight    dW = sum over images of G col(x)^T           (G = dY)
 *   input     dx = col^T(W^T G)  (col2im of W^T G); for stride 1 and ph <= (kh-1) dh
 *             a stride-1 convolution of G padded by (kh-1) dh - ph with the
 *             flipped, transposed kernel w'[c, o, ky, kx] = w[o, c, kh-1-ky, kw-1-kx];
 *             otherwise, per phase (iy + ph mod sh, ix + pw mod sw) of dx, a
 *             stride-1 correlation of G with the taps that reach that phase
 * No pass builds an im2col buffer: the strided ones read images split into
 * stride phases (conv_phases_f32), in which every tap is a stride-1 window.
 * Results are bit-identical for any thread count: threads split images or
 * output channels, or sum fixed parts of the images added in a fixed order.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { parallelFor } from '../runtime/parallel';
import { availableThreads } from '../runtime/pool';
import type { Kernels } from '../runtime/kernels.generated';
import { winogradS2Forward, winogradS2InputGrad, winogradS2Serves } from './conv-s2';
import { pointwiseForward, pointwiseInputGrad, pointwiseServes, pointwiseWeightGrad } from './conv-pointwise';

/**
 * Sizes of one convolution: batch, channels, image, kernel, stride, padding,
 * dilation, groups, output. OH x OW may be smaller than the size the image
 * allows (a transposed convolution with output padding >= stride uses this
 * geometry backwards); every path reads only the output pixels it is given.
 */
export interface Geometry {
  N: number; C: number; H: number; W: number; O: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  G: number; Cg: number; Og: number; Kg: number; OH: number; OW: number;
}

/** A Geometry from the input shape (N, C, H, W), weight shape (O, C/G, kh, kw), stride, padding, dilation, groups and output size. */
export function makeGeometry(
  [N, C, H, W]: readonly number[], [O, Cg, kh, kw]: readonly number[],
  [sh, sw]: readonly number[], [ph, pw]: readonly number[], [dh, dw]: readonly number[], G: number, [OH, OW]: readonly number[],
): Geometry {
  return { N, C, H, W, O, kh, kw, sh, sw, ph, pw, dh, dw, G, Cg, Og: O / G, Kg: Cg * kh * kw, OH, OW };
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;
/** Floats after each position's slab of transformed tiles in the Winograd scratch (assembly/winograd.ts XI_PAD). */
const XI_PAD = 16;
/** Floats read past a B row's end by a tail tile. */
const SLACK = 8;

/**
 * The size of one phase of an image split by conv_phases_f32 for g (Hh x Wh:
 * the output rows and columns plus those the kernel's extent reaches past
 * them), its floats (C channels) and the floats of all sh sw phases.
 */
function phaseShape(g: Geometry): { Hh: number; Wh: number; phase: number; imageStride: number } {
  const Hh = g.OH + Math.floor(((g.kh - 1) * g.dh) / g.sh), Wh = g.OW + Math.floor(((g.kw - 1) * g.dw) / g.sw);
  return { Hh, Wh, phase: g.C * Hh * Wh, imageStride: g.sh * g.sw * g.C * Hh * Wh };
}

/**
 * The source of the reduction operand for `images` images at a time: each
 * image zero-padded and split into sh x sw phases (conv_phases_f32; one phase,
 * the padded image, at stride 1), so that every (c, ky, kx) reads a stride-1
 * window: A[(c, ky, kx)][oy, ox] at slot base + koff[(c, ky, kx)] + 4 (oy rowStride + ox)
 * for oy < rows = OH, ox < rowLen = OW; slots are imageStride floats apart.
 * `prepare(xn, grp, k, slot)` fills slot `slot` from one image.
 */
class ColumnSource {
  readonly buf: Tensor;
  readonly koff: Tensor;
  readonly rows: number;
  readonly rowLen: number;
  readonly rowStride: number;
  /** Floats between the groups' first channels in a slot. */
  readonly groupStride: number;
  /** Floats between the images' slots in buf. */
  readonly imageStride: number;
  private readonly Hh: number;

  constructor(private readonly g: Geometry, images = 1) {
    const { Hh, Wh, phase, imageStride } = phaseShape(g);
    this.Hh = Hh;
    this.imageStride = imageStride;
    this.buf = Tensor.empty([images * this.imageStride + SLACK]);
    [this.rows, this.rowLen, this.rowStride] = [g.OH, g.OW, Wh];
    this.groupStride = g.Cg * this.Hh * Wh;
    this.koff = Tensor.empty([g.Kg]);
    kernels().conv_offsets_f32(g.Cg, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, phase, this.Hh * Wh, Wh, this.koff.ptr);
  }

  /**
   * Fills slot `slot` for image `xn` (byte offset; the whole image, all groups, at grp 0;
   * kernels called through `k`); returns group grp's base pointer in the slot.
   */
  prepare(xn: number, grp: number, k: Kernels = kernels(), slot = 0): number {
    const g = this.g;
    const base = this.buf.ptr + slot * this.imageStride * 4;
    if (grp === 0) k.conv_phases_f32(g.C, g.H, g.W, g.ph, g.pw, g.sh, g.sw, this.Hh, this.rowStride, xn, base);
    return base + grp * this.groupStride * 4;
  }

  dispose(): void {
    this.buf.dispose();
    this.koff.dispose();
  }
}

/**
 * Byte offsets (i32) of `images` images' rows x cols pixels, in that order:
 * 4 (i imageStride + r rowStride + c colStride); the column tables of conv_gemm_gather_f32.
 */
export function pixelOffsets(images: number, rows: number, cols: number, imageStride: number, rowStride: number, colStride: number): Tensor {
  const t = Tensor.empty([images * rows * cols]);
  kernels().conv_offsets_f32(images, rows, cols, 1, 1, 1, colStride, 0, imageStride, rowStride, t.ptr);
  return t;
}

/** Columns per product of conv_gemm_gather_f32: images are taken together until they make about this many. */
export const GATHER_COLUMNS = 384;

/** Scratch of conv_gemm_f32 for a reduction of length K: a K x 8 panel and an edge tile. */
export const gemmScratch = (K: number): Tensor => Tensor.empty([8 * K + 32]);

/** Packs each group's weight rows (Og x Kg) for conv_gemm_f32. */
export function packWeights(g: Geometry, w: Tensor): Tensor {
  const per = roundUp(g.Og, 4) * g.Kg;
  const packed = Tensor.empty([g.G * per]);
  for (let grp = 0; grp < g.G; grp++) {
    kernels().conv_pack_a_f32(g.Og, g.Kg, 1, 1, w.ptr + grp * g.Og * g.Kg * 4, g.Kg, 1, 0, 0, packed.ptr + grp * per * 4);
  }
  return packed;
}

/**
 * Whether Winograd F(2x2, 3x3) (assembly/winograd.ts) computes this
 * geometry's forward, and its input gradient when `dx` (which needs
 * padding <= 2 so that it is a padded stride-1 convolution of dy): 3x3
 * kernels, stride 1, dilation 1, and enough channels on both sides that the
 * transforms (linear in C + O per tile) cost little against the products
 * (C O per tile).
 */
export function winogradServes(g: Geometry, dx: boolean): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 &&
    g.Cg >= WINOGRAD_MIN_CHANNELS && g.Og >= WINOGRAD_MIN_CHANNELS && (!dx || (g.ph <= 2 && g.pw <= 2));
}
const WINOGRAD_MIN_CHANNELS = 4;

/**
 * y (N images of G groups of O channels, OH x OW) = the 3x3 stride-1
 * convolution of x (G groups of C channels, H x W) padded by (ph, pw), by
 * F(4x4, 3x3) (assembly/winograd-f4.ts) where useF4 says it is faster, else
 * F(2x2, 3x3) (assembly/winograd.ts); kernelAt(grp) gives the group's 3x3
 * kernels as the weight transforms read them: [byte offset, element strides
 * of the output channel, input channel, ky, kx]. Images are xImg / yImg
 * floats apart; threads split the images.
 */
function winograd(
  N: number, G: number, C: number, H: number, W: number, O: number, ph: number, pw: number, OH: number, OW: number,
  x: number, xImg: number, y: number, yImg: number, bias: number,
  kernelAt: (grp: number) => [number, number, number, number, number], accumulate = false,
): void {
  const f4 = useF4(C, O);
  if (accumulate && !f4) throw new Error('winograd: accumulate needs F(4x4, 3x3)');
  const per = (f4 ? 36 : 16) * roundUp(O, 4) * C;
  const U = Tensor.empty([G * per]);
  const lanes: Tensor[] = [U];
  // the weights' transforms: threads split the blocks of 4 output channels
  const blocks = roundUp(O, 4) / 4;
  try {
    parallelFor(G * blocks, G * per * (f4 ? 64 : 16), (k, lo, hi) => {
      const scratch = f4 ? Tensor.empty([F4_WEIGHT_SCRATCH]) : null;
      if (scratch !== null) lanes.push(scratch);
      for (let grp = Math.floor(lo / blocks); grp * blocks < hi; grp++) {
        const b0 = Math.max(lo - grp * blocks, 0), b1 = Math.min(hi - grp * blocks, blocks);
        if (scratch !== null) k.winograd_f4_weights_f32(O, C, 4 * b0, 4 * b1, ...kernelAt(grp), U.ptr + grp * per * 4, scratch.ptr);
        else k.winograd_f2_weights_f32(O, C, 4 * b0, 4 * b1, ...kernelAt(grp), U.ptr + grp * per * 4);
      }
    });
    let scratchFloats: number, run: (k: Kernels, n: number, x: number, u: number, y: number, bias: number, scratch: number) => void;
    if (f4) {
      // tiles per block: one position's transformed inputs (C x bt) take about 4 KiB; images per
      // call: enough to fill a block when the maps are small (a 7x7 output has 4 tiles)
      const tiles = Math.ceil(OH / 4) * Math.ceil(OW / 4);
      const bt = Math.max(8, Math.floor(F4_BLOCK_FLOATS / Math.max(C, roundUp(O, 4)) / 8) * 8);
      const nb = Math.max(1, Math.min(N, Math.ceil(bt / tiles)));
      // the transformed inputs, the products, then the transforms' intermediates and tables (see winograd_f4_conv_f32)
      scratchFloats = 36 * (C * bt + XI_PAD) + 36 * (roundUp(O, 4) * bt + XI_PAD) + 160 + 46 * (roundUp(nb * tiles, 8) + 8);
      run = (k, n, x, u, y, bias, scratch) => k.winograd_f4_conv_f32(n, C, H, W, O, ph, pw, OH, OW, x, xImg, u, y, yImg, bias, accumulate ? 1 : 0, bt, nb, scratch);
    } else {
      // tiles per block: the block's transformed inputs for one of the 16 positions (C x bt) stay in L1
      const TH = Math.ceil(OH / 2), TWp = roundUp(Math.ceil(OW / 2), 4);
      const bt = Math.min(roundUp(TH * TWp, 8), Math.max(8, Math.floor(2048 / Math.max(C, roundUp(O, 4)) / 8) * 8));
      // the padded image, the transformed inputs and the products (see winograd_f2_conv_f32)
      scratchFloats = C * (2 * TH + 2) * (2 * TWp + 2) + 16 * (C * bt + XI_PAD) + 16 * (roundUp(O, 4) * bt + XI_PAD);
      run = (k, n, x, u, y, bias, scratch) => k.winograd_f2_conv_f32(n, C, H, W, O, ph, pw, OH, OW, x, xImg, u, y, yImg, bias, bt, scratch);
    }
    parallelFor(N, N * G * O * C * 4 * OH * OW, (k, lo, hi) => {
      const scratch = Tensor.empty([scratchFloats]);
      lanes.push(scratch);
      for (let grp = 0; grp < G; grp++) {
        run(k, hi - lo, x + (lo * xImg + grp * C * H * W) * 4, U.ptr + grp * per * 4, y + (lo * yImg + grp * O * OH * OW) * 4,
          bias === 0 ? 0 : bias + grp * O * 4, scratch.ptr);
      }
    });
  } finally {
    for (const t of lanes) t.dispose();
  }
}

/** Floats of winograd_f4_weights_f32's scratch (assembly/winograd-f4.ts, F4_WEIGHT_SCRATCH): 36 positions of 16 channels x 4 floats, then 18 float64 pairs. */
const F4_WEIGHT_SCRATCH = 36 * 64 + 72;

/** Floats of one position's transformed inputs per F(4x4) block (C bt): the block's 36 take about 150 KiB. */
const F4_BLOCK_FLOATS = 1024;

/**
 * Whether F(4x4, 3x3) beats F(2x2, 3x3) for C input and O output channels
 * per group: its products are 1.78x fewer but its transforms cost more per
 * channel, so with few channels F(2x2) stays faster (measured at batch 128,
 * 1 thread, F(2x2) time / F(4x4) time: 4->4 28x28 0.8, 8->8 28x28 1.2,
 * 16->16 28x28 1.2-1.6, 64->64 7x7 1.2-1.9).
 */
function useF4(C: number, O: number): boolean {
  return C >= 8 && O >= 8;
}

export function forward(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | null): Tensor {
  const out = Tensor.empty([g.N, g.O, g.OH, g.OW]);
  if (out.numel() === 0) return out;
  if (pointwiseServes(g)) {
    pointwiseForward(g, x, w, bias, out);
    return out;
  }
  if (winogradServes(g, false)) {
    winograd(g.N, g.G, g.Cg, g.H, g.W, g.Og, g.ph, g.pw, g.OH, g.OW, x.ptr, g.C * g.H * g.W, out.ptr, g.O * g.OH * g.OW, bias?.ptr ?? 0,
      (grp) => [w.ptr + grp * g.Og * g.Kg * 4, g.Kg, 9, 3, 1]);
    return out;
  }
  if (winogradS2Serves(g)) {
    winogradS2Forward(g, x, w, bias, out);
    return out;
  }
  const Q = g.OH * g.OW;
  const packed = packWeights(g, w);
  const per = roundUp(g.Og, 4) * g.Kg;
  const lanes: (ColumnSource | Tensor)[][] = [];
  if (g.sh === 1 && g.sw === 1) {
    // threads split the batch; each image is one product over its padded image
    parallelFor(g.N, g.N * g.O * Q * g.Kg, (k, lo, hi, lane) => {
      const [src, scratch] = (lanes[lane] = [new ColumnSource(g), gemmScratch(g.Kg)]) as [ColumnSource, Tensor];
      for (let n = lo; n < hi; n++) {
        for (let grp = 0; grp < g.G; grp++) {
          const bp = src.prepare(x.ptr + n * g.C * g.H * g.W * 4, grp, k);
          const cp = out.ptr + (n * g.O + grp * g.Og) * Q * 4;
          const biasp = bias === null ? 0 : bias.ptr + grp * g.Og * 4;
          k.conv_gemm_f32(g.Og, g.Kg, src.rows, src.rowLen, packed.ptr + grp * per * 4, bp, src.rowStride, src.koff.ptr, cp, Q, g.OW, biasp, 0, scratch.ptr);
        }
      }
    });
    for (const t of [...lanes.flat(), packed]) t.dispose();
    return out;
  }
  // strided: one product per chunk of `chunk` images, its columns every output
  // pixel of the chunk, read from the images' phases and written in place
  const chunk = Math.max(1, Math.min(g.N, Math.ceil(GATHER_COLUMNS / Q)));
  const { Wh, imageStride } = phaseShape(g);
  const coff = pixelOffsets(chunk, g.OH, g.OW, imageStride, Wh, 1);
  const ooff = pixelOffsets(chunk, g.OH, g.OW, g.O * Q, g.OW, 1);
  parallelFor(g.N, g.N * g.O * Q * g.Kg, (k, lo, hi, lane) => {
    const [src, scratch] = (lanes[lane] = [new ColumnSource(g, chunk), gemmScratch(g.Kg)]) as [ColumnSource, Tensor];
    for (let n0 = lo; n0 < hi; n0 += chunk) {
      const nb = Math.min(chunk, hi - n0);
      for (let i = 0; i < nb; i++) src.prepare(x.ptr + (n0 + i) * g.C * g.H * g.W * 4, 0, k, i);
      for (let grp = 0; grp < g.G; grp++) {
        k.conv_gemm_gather_f32(g.Og, g.Kg, nb * Q, packed.ptr + grp * per * 4, src.buf.ptr + grp * src.groupStride * 4, src.koff.ptr, coff.ptr,
          out.ptr + (n0 * g.O + grp * g.Og) * Q * 4, ooff.ptr, Q * 4, bias === null ? 0 : bias.ptr + grp * g.Og * 4, scratch.ptr);
      }
    }
  });
  for (const t of [...lanes.flat(), packed, coff, ooff]) t.dispose();
  return out;
}

/**
 * Most chunks of images the Winograd weight gradient sums separately: up to
 * this many lanes share the images (with fewer images than that, lanes take
 * blocks of output channels too). Each chunk's dU is summed into and added at
 * the end, so fewer chunks move less memory: CPU time of
 * 4 against 8, batch 128, fwd+dW (AMD EPYC Zen 3): 64->64 7x7 0.97x at 1
 * thread, 0.95x at 2; 16->16 28x28 0.98x (2 against 4: 0.98x more, but only
 * two lanes would share the images).
 */
const WGRAD_CHUNKS = 4;
/** Bytes the chunks' partial sums may take together. */
const WGRAD_PARTIAL_BYTES = 8 << 20;

/**
 * The output tile m of the Winograd weight gradient, F(m x m, 3x3): the one
 * with fewer products, (m + 2)^2 per tile over the tiles that cover the
 * output (4x4 tiles take 2.25 multiplications per output against 4, but may
 * overhang small maps more); F(2x2) on a tie, being the more exact (the
 * float32 error of F(4x4) measured 5-10 units of sum |terms| 2^-24 over the
 * ResNet shapes, F(2x2)'s about 1).
 */
function wgradTile(g: Geometry): 2 | 4 {
  const products = (m: number): number => (m + 2) ** 2 * Math.ceil(g.OH / m) * Math.ceil(g.OW / m);
  return products(4) < products(2) ? 4 : 2;
}

/**
 * Floats of one position's block operands (Cp + Op per tile) in the Winograd
 * weight gradient, by output tile: measured on Zen 3 (CPU time, batch 128,
 * 16-64 channels), F(2x2) 8192 (16 positions, 512 KiB for the block; 64->64
 * on 7x7 maps 7-12% faster than 3072), F(4x4) 4096 (36 positions; 4-12%
 * faster than 8192 or 16384 on 32->32 14x14 and 64->64 7x7).
 */
const WGRAD_BLOCK_FLOATS = { 2: 8192, 4: 4096 } as const;

/**
 * The variant of the Winograd weight gradient for g: F(m x m, 3x3) at stride
 * 1 (m from wgradTile), or at stride 2 (wgradTiles7 decides) 2x2 output tiles
 * from 5x5 input tiles (assembly/winograd-s2-wgrad.ts) or 7x7 ones from 15x15
 * (assembly/winograd-s2-t7-wgrad.ts): its positions, the sums it keeps per
 * channel pair (dU), output tile, input frame (pixels of the padded image the
 * kernel lays out), block floats, scratch for a tile's half-transformed rows,
 * pieces of work it aims at (chunks of images times blocks of output
 * channels, see winogradWeightGrad) and kernels.
 */
function wgradVariant(g: Geometry, k: Kernels) {
  const TH = (m: number): number => Math.ceil(g.OH / m), TW = (m: number): number => Math.ceil(g.OW / m);
  if (g.sh === 2 && wgradTiles7(g)) {
    return { P: 256, sums: 100, m: 7, frame: (14 * TH(7) + 1) * (14 * TW(7) + 1), blockFloats: WGRAD_T7_BLOCK_FLOATS, rows: 960,
      pieces: WGRAD_T7_PIECES, products: k.winograd_s2t7_wgrad_f32, back: k.winograd_s2t7_wgrad_weights_f32 };
  }
  if (g.sh === 2) {
    return { P: 25, sums: 25, m: 2, frame: (4 * TH(2) + 1) * (4 * TW(2) + 1), blockFloats: WGRAD_BLOCK_FLOATS[2], rows: 0,
      pieces: WGRAD_CHUNKS, products: k.winograd_s2_wgrad_f32, back: k.winograd_s2_wgrad_weights_f32 };
  }
  const m = wgradTile(g);
  return { P: (m + 2) ** 2, sums: (m + 2) ** 2, m, frame: (m * TH(m) + 2) * (m * TW(m) + 2), blockFloats: WGRAD_BLOCK_FLOATS[m],
    rows: m === 4 ? 144 : 0, pieces: WGRAD_CHUNKS,
    products: m === 4 ? k.winograd_f4_wgrad_f32 : k.winograd_f2_wgrad_f32, back: m === 4 ? k.winograd_f4_wgrad_weights_f32 : k.winograd_f2_wgrad_weights_f32 };
}

/**
 * Whether the stride-2 weight gradient takes 7x7 output tiles (256 products
 * per tile and channel pair) rather than 2x2 blocks (25): when they need
 * fewer products by WGRAD_T7_MARGIN (their transforms and their dU, 10 x 10
 * sums per channel pair against 25, cost more per product).
 */
function wgradTiles7(g: Geometry): boolean {
  const tiles = (m: number): number => Math.ceil(g.OH / m) * Math.ceil(g.OW / m);
  return 256 * tiles(7) < WGRAD_T7_MARGIN * 25 * tiles(2);
}

/**
 * wgradTiles7's margin. Measured on Zen 3 (CPU time, batch 128, 1 thread,
 * forward + weight gradient): 32->64 on 14x14 maps (7x7 outputs, products
 * 0.64x) about 0.9x the time of 2x2 blocks; 16->32 on 28x28 (14x14 outputs,
 * products 0.84x) 1.05-1.1x.
 */
const WGRAD_T7_MARGIN = 0.72;
/**
 * Floats of one position's block operands with 7x7 tiles: bt 16 at 32->64
 * (CPU time, batch 128, 1 thread, alternated builds: fwd+dW 0.93x bt 32's,
 * bt 8 1.07x bt 16's).
 */
const WGRAD_T7_BLOCK_FLOATS = 1536;
/**
 * Chunks of images (each transforms its images once, into its own dU) the
 * 7x7 tiles aim at: fewer than WGRAD_CHUNKS, their dU being 4 times larger
 * (32->64 on 14x14 maps, bt 16, fwd+dW, AMD EPYC Zen 3, alternated builds:
 * 2 chunks 0.97x the time of 4 at 1 thread (CPU), 0.94-0.97x at 2 (wall);
 * 8 chunks 1.04x the time of 4 at 1 thread, 1.07x at 2).
 */
const WGRAD_T7_PIECES = 2;

/**
 * dW of a convolution Winograd serves (winogradServes(g, false)) by
 * F(m x m, 3x3), m from wgradTile (assembly/winograd-wgrad.ts, m = 2, and
 * winograd-wgrad-f4.ts, m = 4), or of a stride-2 one (winogradS2Serves) by
 * winograd-s2-wgrad.ts or winograd-s2-t7-wgrad.ts (wgradVariant): per group,
 * the products of the transformed images and output gradients at the P
 * positions, summed over every
 * tile of every image in order, then transformed back. The images are cut
 * into chunks fixed by the shape alone; each chunk's sums (dU, in the
 * transformed domain) are one kernel call's, and the chunks' dU are added in
 * order before the transform back, so every thread count gives the same
 * bits. Threads split the chunks (each transforms only its own images) and,
 * when there are fewer chunks than the variant's pieces or the threads
 * available (small batches, many cores), the output channels in blocks of 4
 * as well (which does not change any sum).
 */
function winogradWeightGrad(g: Geometry, x: Tensor, dy: Tensor, dw: Tensor): void {
  const { P, sums, m, frame, blockFloats, rows, pieces } = wgradVariant(g, kernels());
  const C = g.Cg, O = g.Og, Cp = roundUp(C, 8), Op = roundUp(O, 4), Q = g.OH * g.OW;
  const TH = Math.ceil(g.OH / m), TW = Math.ceil(g.OW / m);
  // tiles per block: fixed by the shape alone (the sums' rounding depends on it)
  const bt = Math.min(128, Math.max(m === 7 ? 8 : 16, Math.floor(blockFloats / (Cp + Op) / 8) * 8));
  const chunks = Math.max(1, Math.min(g.N, pieces, Math.floor(WGRAD_PARTIAL_BYTES / (4 * sums * Op * Cp * g.G))));
  // output-channel blocks per chunk (multiples of 4 channels, so each block's dU is a slice of the chunk's),
  // enough for every thread there is: blocks split no sum, so they may follow the thread count
  const blocks = Math.min(Op / 4, Math.ceil(Math.max(pieces, availableThreads()) / chunks));
  const span = 4 * Math.ceil(Op / 4 / blocks);
  // a group's dU in a chunk: each block's (positions XI_PAD floats past its Op Cp, see products in
  // assembly/winograd-wgrad-parts.ts), and where the block of output channels from o0 starts
  const per = sums * (Op * Cp + XI_PAD * blocks);
  const blockAt = (o0: number): number => sums * (Cp * o0 + XI_PAD * (o0 / span));
  const dU = Tensor.empty([chunks * g.G * per]);
  const lanes: Tensor[] = [dU];
  try {
    parallelFor(chunks * blocks, g.N * g.O * g.Kg * Q, (k, lo, hi) => {
      const { products } = wgradVariant(g, k);
      const scratch = Tensor.empty([frame * Cp + m * m * TH * TW * Op + P * ((Cp + Op) * bt + 2 * XI_PAD) + rows]);
      lanes.push(scratch);
      for (let item = lo; item < hi; item++) {
        const j = Math.floor(item / blocks), o0 = (item % blocks) * span, oc = Math.min(O, o0 + span) - o0;
        if (oc <= 0) continue;
        const n0 = Math.floor((j * g.N) / chunks), n1 = Math.floor(((j + 1) * g.N) / chunks);
        for (let grp = 0; grp < g.G; grp++) {
          products(n1 - n0, C, g.H, g.W, oc, g.ph, g.pw, g.OH, g.OW, x.ptr + (n0 * g.C + grp * C) * g.H * g.W * 4, g.C * g.H * g.W,
            dy.ptr + ((n0 * g.O + grp * O + o0) * Q) * 4, g.O * Q, dU.ptr + ((j * g.G + grp) * per + blockAt(o0)) * 4, 0, bt, scratch.ptr);
        }
      }
    });
    // the transform back of each block's dU slice, after adding the chunks' sums in order (addChunks in
    // assembly/winograd-wgrad-parts.ts): threads split the output channels by 4
    const quads = Op / 4, chunkBytes = g.G * per * 4;
    parallelFor(g.G * quads, g.O * g.Kg * P * 4 + g.G * sums * Op * Cp * chunks, (k, lo, hi) => {
      const { back } = wgradVariant(g, k);
      for (let item = lo; item < hi; item++) {
        const grp = Math.floor(item / quads), o = (item % quads) * 4, o0 = Math.floor(o / span) * span, oc = Math.min(O, o0 + span) - o0;
        back(oc, C, o - o0, o - o0 + 4, dU.ptr + (grp * per + blockAt(o0)) * 4, dw.ptr + (grp * O + o0) * g.Kg * 4, g.Kg, 9, chunks, chunkBytes);
      }
    });
  } finally {
    for (const t of lanes) t.dispose();
  }
}

/** Output pixels per call of the weight gradient kernel: small maps run several images per call. */
const WGRAD_CHUNK = 400;
/** Parts the weight gradient's images are split into (threads take whole parts), at most. */
const WGRAD_PARTS = 8;

/**
 * dW = sum over images of G col(x)^T, per group. The images are split into
 * at most WGRAD_PARTS parts by the shape alone; a part's sum runs over calls
 * of a few images each (each call's sums over its images and pixels in order,
 * added in order), and the parts' sums are added in order: threads take whole
 * parts, so each image's phases are made once and the result is the same
 * for any thread count.
 */
export function weightGrad(g: Geometry, x: Tensor, dy: Tensor): Tensor {
  if (pointwiseServes(g)) return pointwiseWeightGrad(g, x, dy);
  const k = kernels();
  const dw = Tensor.empty([g.O, g.Cg, g.kh, g.kw]);
  if (dw.numel() === 0) return dw;
  if ((winogradServes(g, false) || winogradS2Serves(g)) && g.N > 0 && g.OH > 0 && g.OW > 0) {
    winogradWeightGrad(g, x, dy, dw);
    return dw;
  }
  k.fill_f32(dw.numel(), dw.ptr, 0);
  const Q = g.OH * g.OW, size = dw.numel();
  if (g.N === 0 || Q === 0) return dw;

  const per = Math.max(1, Math.min(g.N, Math.floor(WGRAD_CHUNK / Q)));
  const calls = Math.ceil(g.N / per), parts = Math.min(calls, WGRAD_PARTS);
  // part 0 sums into dw itself, the others into their own buffers
  const sums = [dw, ...Array.from({ length: parts - 1 }, () => Tensor.empty([size]))];
  const lanes: (ColumnSource | Tensor)[][] = [];
  try {
    parallelFor(parts, g.N * g.O * Q * g.Kg, (k, lo, hi, lane) => {
      const [src, panels] = (lanes[lane] = [new ColumnSource(g, per), Tensor.empty([roundUp(g.Og, 8) * Q * per])]) as [ColumnSource, Tensor];
      for (let part = lo; part < hi; part++) {
        const sum = sums[part];
        if (part > 0) k.fill_f32(size, sum.ptr, 0);
        for (let call = Math.floor((part * calls) / parts); call < Math.floor(((part + 1) * calls) / parts); call++) {
          const n0 = call * per, nb = Math.min(per, g.N - n0);
          for (let i = 0; i < nb; i++) src.prepare(x.ptr + (n0 + i) * g.C * g.H * g.W * 4, 0, k, i);
          for (let grp = 0; grp < g.G; grp++) {
            for (let i = 0; i < nb; i++) {
              k.conv_pack_panels_f32(g.Og, Q, dy.ptr + ((n0 + i) * g.O + grp * g.Og) * Q * 4, panels.ptr + i * Q * 32, nb * Q * 8);
            }
            k.conv_wgrad_f32(g.Kg, g.Og, nb, src.rows, src.rowLen, src.buf.ptr + grp * src.groupStride * 4, src.imageStride, src.rowStride,
              src.koff.ptr, panels.ptr, sum.ptr + grp * g.Og * g.Kg * 4, g.Kg);
          }
        }
      }
    });
    for (let part = 1; part < parts; part++) k.add_f32(1, 1, 1, size, dw.ptr, 0, 0, 0, 1, sums[part].ptr, 0, 0, 0, 1, dw.ptr);
  } finally {
    for (const t of [...lanes.flat(), ...sums.slice(1)]) t.dispose();
  }
  return dw;
}

/**
 * dx: Winograd or a stride-1 convolution of the padded G with the flipped
 * kernel when possible, the stride-2 Winograd (conv-s2.ts) for 3x3 stride-2
 * kernels, else by phases (phaseInputGrad); plus bias[c] when a
 * bias (C) is given (the forward of a transposed convolution). `into` (a
 * contiguous (N, C, H, W) tensor whose buffer is the caller's, or null):
 * where F(4x4, 3x3) computes dx, into += dx in its output pass and into is
 * returned (each element f32(into + dx), the bits of an add after it);
 * elsewhere into is left alone and dx is a new tensor.
 */
export function inputGrad(g: Geometry, w: Tensor, dy: Tensor, bias: Tensor | null = null, into: Tensor | null = null): Tensor {
  const k = kernels();
  const Q = g.OH * g.OW, HW = g.H * g.W, khw = g.kh * g.kw;
  const qh = (g.kh - 1) * g.dh - g.ph, qw = (g.kw - 1) * g.dw - g.pw;
  // the stride-1 convolution of dy padded by (qh, qw) with w'[c, o, ky, kx] = w[o, c, 2 - ky, 2 - kx], into y (or added to it)
  const winogradDx = (y: Tensor, accumulate: boolean): Tensor => {
    winograd(g.N, g.G, g.Og, g.OH, g.OW, g.Cg, qh, qw, g.H, g.W, dy.ptr, g.O * Q, y.ptr, g.C * HW, bias?.ptr ?? 0,
      (grp) => [w.ptr + (grp * g.Og * g.Kg + 8) * 4, 9, g.Kg, -3, -1], accumulate);
    return y;
  };
  if (into !== null && bias === null && !pointwiseServes(g) && winogradServes(g, true) && useF4(g.Og, g.Cg)) return winogradDx(into, true);
  const dx = Tensor.empty([g.N, g.C, g.H, g.W]);
  if (pointwiseServes(g) && bias === null) {
    pointwiseInputGrad(g, w, dy, dx);
    return dx;
  }
  if (winogradServes(g, true)) return winogradDx(dx, false);
  if (g.sh === 1 && g.sw === 1 && qh >= 0 && qw >= 0) {
    // G padded by q before and up to the image plus the dilated kernel (>= q after: more when OH is short of what the image allows)
    const Hg = g.H + (g.kh - 1) * g.dh, Wg = g.W + (g.kw - 1) * g.dw;
    const per = roundUp(g.Cg, 4) * g.Og * khw;
    const packed = Tensor.empty([g.G * per]);
    for (let grp = 0; grp < g.G; grp++) {
      k.conv_pack_a_f32(g.Cg, g.Og, khw, 1, w.ptr + (grp * g.Og * g.Kg + khw - 1) * 4, khw, g.Kg, -1, 0, packed.ptr + grp * per * 4);
    }
    const koff = Tensor.empty([g.Og * khw]);
    k.conv_offsets_f32(g.Og, g.kh, g.kw, 1, 1, g.dh, g.dw, 0, Hg * Wg, Wg, koff.ptr);
    // threads split the batch, each with its own padded gradient and scratch
    const lanes: Tensor[][] = [];
    parallelFor(g.N, g.N * g.C * HW * g.Og * khw, (k, lo, hi, lane) => {
      const [gpad, scratch] = (lanes[lane] = [Tensor.empty([g.O * Hg * Wg + SLACK]), gemmScratch(g.Og * khw)]);
      for (let n = lo; n < hi; n++) {
        k.conv_pad_f32(g.O, g.OH, g.OW, qh, qw, Hg, Wg, dy.ptr + n * g.O * Q * 4, gpad.ptr);
        for (let grp = 0; grp < g.G; grp++) {
          k.conv_gemm_f32(g.Cg, g.Og * khw, g.H, g.W, packed.ptr + grp * per * 4, gpad.ptr + grp * g.Og * Hg * Wg * 4, Wg, koff.ptr,
            dx.ptr + (n * g.C + grp * g.Cg) * HW * 4, HW, g.W, bias === null ? 0 : bias.ptr + grp * g.Cg * 4, 0, scratch.ptr);
        }
      }
    });
    for (const t of [packed, koff, ...lanes.flat()]) t.dispose();
    return dx;
  }
  if (winogradS2Serves(g)) {
    winogradS2InputGrad(g, w, dy, dx, bias);
    return dx;
  }
  return phaseInputGrad(g, w, dy, dx, bias);
}

/** The taps ky < kh with ky d = u s + r (u >= 0) along one axis: the first, its u, the count, the step of ky and of u. */
function phaseTaps(kh: number, s: number, d: number, r: number): { k0: number; u0: number; n: number; step: number; du: number } {
  let k0 = 0;
  while (k0 < kh && (k0 * d) % s !== r) k0++;
  const step = s / gcd(s, d);
  const n = k0 < kh ? Math.ceil((kh - k0) / step) : 0;
  return { k0, u0: Math.floor((k0 * d) / s), n, step, du: (step * d) / s };
}
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * dx for any stride, padding and dilation, by phases: an input pixel iy with
 * iy + ph = a sh + ry (and likewise ix) receives from the taps ky with
 * ky dh = u sh + ry, at output row a - u: so each phase (ry, rx) of dx is a
 * stride-1 correlation of G (zero-padded by the largest u) with its
 * sub-kernel, one conv_gemm_gather_f32 product per chunk of images with the
 * phase's pixels as columns, each written straight to its place in dx (every
 * pixel in exactly one phase; bias[c] added when given). Threads split the
 * images.
 */
function phaseInputGrad(g: Geometry, w: Tensor, dy: Tensor, dx: Tensor, bias: Tensor | null): Tensor {
  const k = kernels();
  const HW = g.H * g.W, khw = g.kh * g.kw;
  const Uy = Math.floor(((g.kh - 1) * g.dh) / g.sh), Ux = Math.floor(((g.kw - 1) * g.dw) / g.sw);
  // G padded by the largest u before, up to the last phase row any input pixel reads
  const Hg = Math.floor((g.H - 1 + g.ph) / g.sh) + 1 + Uy, Wg = Math.floor((g.W - 1 + g.pw) / g.sw) + 1 + Ux;
  const gImg = g.O * Hg * Wg;
  const chunk = Math.max(1, Math.min(g.N, Math.ceil((GATHER_COLUMNS * g.sh * g.sw) / Math.max(1, HW))));
  interface Phase { K: number; cols: number; packed: Tensor; koff: Tensor; coff: Tensor; ooff: Tensor; gBase: number; dxBase: number }
  const phases: Phase[] = [];
  const owned: Tensor[] = [];
  const own = (t: Tensor): Tensor => (owned.push(t), t);
  try {
    for (let ry = 0; ry < g.sh; ry++) {
      for (let rx = 0; rx < g.sw; rx++) {
        // the phase's input pixels: a in [a0, a1] with iy = a sh + ry - ph in [0, H)
        const a0 = Math.max(0, Math.ceil((g.ph - ry) / g.sh)), a1 = Math.floor((g.H - 1 + g.ph - ry) / g.sh);
        const b0 = Math.max(0, Math.ceil((g.pw - rx) / g.sw)), b1 = Math.floor((g.W - 1 + g.pw - rx) / g.sw);
        const na = a1 - a0 + 1, nb = b1 - b0 + 1;
        if (na <= 0 || nb <= 0) continue;
        const ty = phaseTaps(g.kh, g.sh, g.dh, ry), tx = phaseTaps(g.kw, g.sw, g.dw, rx);
        const K = g.Og * ty.n * tx.n, per = roundUp(g.Cg, 4) * K;
        // A[c, (o, j, l)] = w[o, c, ky0 + j stepy, kx0 + l stepx]
        const packed = own(Tensor.empty([Math.max(1, g.G * per)]));
        for (let grp = 0; grp < g.G; grp++) {
          k.conv_pack_a_f32(g.Cg, g.Og, ty.n, tx.n, w.ptr + (grp * g.Og * g.Kg + ty.k0 * g.kw + tx.k0) * 4, khw, g.Kg, ty.step * g.kw, tx.step,
            packed.ptr + grp * per * 4);
        }
        // tap (o, j, l) reads G[o, a - u0 - j du, b - v0 - l dv]
        const koff = own(Tensor.empty([Math.max(1, K)]));
        k.conv_offsets_f32(g.Og, ty.n, tx.n, 1, 1, -ty.du, -tx.du, 0, Hg * Wg, Wg, koff.ptr);
        phases.push({
          K, cols: na * nb, packed, koff,
          coff: own(pixelOffsets(chunk, na, nb, gImg, Wg, 1)),
          ooff: own(pixelOffsets(chunk, na, nb, g.C * HW, g.sh * g.W, g.sw)),
          gBase: ((Uy - ty.u0 + a0) * Wg + Ux - tx.u0 + b0) * 4,
          dxBase: ((a0 * g.sh + ry - g.ph) * g.W + b0 * g.sw + rx - g.pw) * 4,
        });
      }
    }
    const maxK = Math.max(1, ...phases.map((p) => p.K));
    parallelFor(g.N, g.N * g.O * g.OH * g.OW * g.Kg, (k, lo, hi) => {
      const gpad = own(Tensor.empty([chunk * gImg + SLACK])), scratch = own(gemmScratch(maxK));
      for (let n0 = lo; n0 < hi; n0 += chunk) {
        const nbImg = Math.min(chunk, hi - n0);
        for (let i = 0; i < nbImg; i++) k.conv_pad_f32(g.O, g.OH, g.OW, Uy, Ux, Hg, Wg, dy.ptr + (n0 + i) * g.O * g.OH * g.OW * 4, gpad.ptr + i * gImg * 4);
        for (let grp = 0; grp < g.G; grp++) {
          for (const p of phases) {
            k.conv_gemm_gather_f32(g.Cg, p.K, nbImg * p.cols, p.packed.ptr + grp * roundUp(g.Cg, 4) * p.K * 4,
              gpad.ptr + grp * g.Og * Hg * Wg * 4 + p.gBase, p.koff.ptr, p.coff.ptr,
              dx.ptr + (n0 * g.C + grp * g.Cg) * HW * 4 + p.dxBase, p.ooff.ptr, HW * 4, bias === null ? 0 : bias.ptr + grp * g.Cg * 4, scratch.ptr);
          }
        }
      }
    });
  } finally {
    for (const t of owned) t.dispose();
  }
  return dx;
}
