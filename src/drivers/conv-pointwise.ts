/**
 * 1x1 convolutions with a stride and no padding (a ResNet's option-B
 * projections): the forward and input gradient are one product per chunk of
 * images whose columns are the chunk's output pixels, read and written where
 * they lie (conv_gemm_gather_f32), with no copy of the images. For one image and group, with p = (oy, ox) and pix(p) the
 * input pixel (oy sh, ox sw):
 *   forward  y[o, p] = b[o] + sum_c w[o, c] x[c, pix(p)]
 *   input    dx[c, pix(p)] = sum_o w[o, c] dy[o, p], and 0 at the pixels no p reads
 *   weight   dW[o, c] = sum over images and p of dy[o, p] x[c, pix(p)], the
 *            stride-1 weight gradient of the pixels pix(p) copied out
 * Threads split the images, so results are bit-identical for any thread count.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { parallelFor } from '../runtime/parallel';
import type { Kernels } from '../runtime/kernels.generated';
import { GATHER_COLUMNS, gemmScratch, packWeights, pixelOffsets, weightGrad, type Geometry } from './conv';
import { copyInto, fill } from './copy';

/**
 * Whether this file computes g: a 1x1 convolution without padding and with a
 * stride (at stride 1 the per-image products of conv.ts read each image as
 * it lies already).
 */
export function pointwiseServes(g: Geometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.ph === 0 && g.pw === 0 && (g.sh > 1 || g.sw > 1);
}

/** Images per product: enough that their output pixels make about GATHER_COLUMNS columns. */
const chunkOf = (g: Geometry): number => Math.max(1, Math.min(g.N, Math.ceil(GATHER_COLUMNS / (g.OH * g.OW))));

/** Byte offsets of a chunk's input pixels pix(p), image by image (columns of x, or of dx). */
const inputPixels = (g: Geometry, chunk: number): Tensor => pixelOffsets(chunk, g.OH, g.OW, g.C * g.H * g.W, g.sh * g.W, g.sw);

/** Byte offsets of a chunk's output pixels p, image by image (columns of y, or of dy). */
const outputPixels = (g: Geometry, chunk: number): Tensor => pixelOffsets(chunk, g.OH, g.OW, g.O * g.OH * g.OW, g.OW, 1);

/** Byte offsets of n channel planes of `plane` floats. */
const planes = (n: number, plane: number): Tensor => pixelOffsets(n, 1, 1, plane, 0, 0);

/**
 * Runs one gathered product per chunk of images per group over images split
 * across threads: `product(k, n0, nb, grp, scratch)` for images [n0, n0 + nb).
 */
function overChunks(g: Geometry, scratchK: number, product: (k: Kernels, n0: number, nb: number, grp: number, scratch: number) => void): void {
  const chunk = chunkOf(g);
  const scratches: Tensor[] = [];
  try {
    parallelFor(g.N, g.N * g.O * g.OH * g.OW * g.Cg, (k, lo, hi) => {
      const scratch = gemmScratch(scratchK);
      scratches.push(scratch);
      for (let n0 = lo; n0 < hi; n0 += chunk) {
        for (let grp = 0; grp < g.G; grp++) product(k, n0, Math.min(chunk, hi - n0), grp, scratch.ptr);
      }
    });
  } finally {
    for (const t of scratches) t.dispose();
  }
}

/** out (N, O, OH, OW) = the 1x1 convolution of x with w (+ bias). */
export function pointwiseForward(g: Geometry, x: Tensor, w: Tensor, bias: Tensor | null, out: Tensor): void {
  const Q = g.OH * g.OW, chunk = chunkOf(g);
  const owned = [packWeights(g, w), planes(g.Cg, g.H * g.W), inputPixels(g, chunk), outputPixels(g, chunk)];
  const [packed, koff, coff, ooff] = owned;
  const per = Math.ceil(g.Og / 4) * 4 * g.Cg;
  try {
    overChunks(g, g.Cg, (k, n0, nb, grp, scratch) => k.conv_gemm_gather_f32(
      g.Og, g.Cg, nb * Q, packed.ptr + grp * per * 4, x.ptr + (n0 * g.C + grp * g.Cg) * g.H * g.W * 4, koff.ptr, coff.ptr,
      out.ptr + (n0 * g.O + grp * g.Og) * Q * 4, ooff.ptr, Q * 4, bias === null ? 0 : bias.ptr + grp * g.Og * 4, scratch));
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** dx (N, C, H, W) of the 1x1 convolution for dy (N, O, OH, OW): zero at the pixels the convolution does not read. */
export function pointwiseInputGrad(g: Geometry, w: Tensor, dy: Tensor, dx: Tensor): void {
  const Q = g.OH * g.OW, HW = g.H * g.W, chunk = chunkOf(g);
  const per = Math.ceil(g.Cg / 4) * 4 * g.Og;
  const owned = [Tensor.empty([g.G * per]), planes(g.Og, Q), outputPixels(g, chunk), inputPixels(g, chunk)];
  const [packed, koff, coff, ooff] = owned;
  try {
    // w^T per group: A[c, o] = w[o, c]
    for (let grp = 0; grp < g.G; grp++) kernels().conv_pack_a_f32(g.Cg, g.Og, 1, 1, w.ptr + grp * g.Og * g.Cg * 4, 1, g.Cg, 0, 0, packed.ptr + grp * per * 4);
    fill(dx, 0);
    overChunks(g, g.Og, (k, n0, nb, grp, scratch) => k.conv_gemm_gather_f32(
      g.Cg, g.Og, nb * Q, packed.ptr + grp * per * 4, dy.ptr + (n0 * g.O + grp * g.Og) * Q * 4, koff.ptr, coff.ptr,
      dx.ptr + (n0 * g.C + grp * g.Cg) * HW * 4, ooff.ptr, HW * 4, 0, scratch));
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * dw (O, C/G, 1, 1) of the 1x1 convolution: the stride-1 weight gradient
 * (conv.ts) over a contiguous copy of x's pixels pix(p), which
 * measured faster than a gathered product reducing over whole parts of
 * pixels (16->32 28x28 stride 2, batch 128: 2.9 ms against 9.0 ms).
 */
export function pointwiseWeightGrad(g: Geometry, x: Tensor, dy: Tensor): Tensor {
  const xs = Tensor.empty([g.N, g.C, g.OH, g.OW]);
  try {
    const view = x.viewOf([g.N, g.C, g.OH, g.OW], [g.C * g.H * g.W, g.H * g.W, g.sh * g.W, g.sw], x.offset);
    try {
      copyInto(xs, view);
    } finally {
      view.dispose();
    }
    return weightGrad({ ...g, H: g.OH, W: g.OW, sh: 1, sw: 1 }, xs, dy);
  } finally {
    xs.dispose();
  }
}
