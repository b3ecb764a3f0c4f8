// The weight gradient of a 3x3 stride-2 convolution by Winograd, the adjoint
// of the forward in winograd-s2.ts. Along one axis an output pair (g0, g1)
// and its five inputs d0..d4 add to the kernel's gradient
//   dw0 += g0 d0 + g1 d2,   dw1 += g0 d1 + g1 d3,   dw2 += g0 d2 + g1 d4,
// dw0 and dw2 a 2-output correlation of the even inputs with (g0, g1),
// F(2, 2) with 3 products, and dw1 2 products: 5 instead of 6. With
//   B^T d = (d0 - d2, d2, d4 - d2, d1, d3)     (the forward's)
//   A g   = (g0, g0 + g1, g1, g0, g1)
//   dw    = (m0 + m1, m3 + m4, m1 + m2)
// each position xi of the 5x5 transformed tiles gathers
//   dU_xi[o, c] = sum_tiles (A dY_o A^T)_xi (B^T d_c B)_xi,
// a GEMM per position (O x tiles times tiles x C) with 25 multiplications
// per tile and channel pair instead of 36, then dw is dU transformed back.
//
// As in winograd-wgrad.ts (the same loop, accumulateTiles; the tile
// transforms in winograd-wgrad-tiles.ts) the transforms run over channels
// (channels-last layouts, 4 channels per vector) and write the GEMM's packed
// operands directly; tiles are gathered into blocks of bt (across images, in
// order) whose products add to dU, so every dU element is one fixed sequence
// of sums over the tiles in order: results depend only on the shapes and bt.

import { accumulateTiles, addChunks } from './winograd-wgrad-parts';
import { XI_PAD } from './winograd-layout';

/**
 * dU[xi][o][c] (+)= sum over the N images' tiles of (A dY A^T)[xi] (B^T d B)[xi]
 * for x (N images of C channels, H x W, xImg floats apart) padded by (ph, pw)
 * and dy (N images of O channels, OH x OW, gImg floats apart) of a stride-2
 * convolution. dU is at dup with rows (o) of Cp = C rounded up to 8 floats,
 * positions xi Op Cp + XI_PAD floats apart (Op = O rounded up to 4); accumulate =
 * false starts it from zero. bt: tiles per block (only the rounding depends
 * on it). Scratch, in floats: the image (4 TH + 1) (4 TW + 1) Cp, the
 * gradient 4 TH TW Op, the transformed image 25 (Cp bt + XI_PAD) and
 * gradient 25 (Op bt + XI_PAD), with TH = ceil(OH / 2), TW = ceil(OW / 2).
 */
export function winograd_s2_wgrad_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, gp: usize, gImg: usize, dup: usize, accumulate: bool, bt: usize, scratchp: usize,
): void {
  accumulateTiles(2, 2, N, C, H, W, O, ph, pw, OH, OW, xp, xImg, gp, gImg, dup, accumulate, bt, scratchp);
}

/**
 * dw[o, c, ky, kx] (at wp + 4 (o so + c sc + 3 ky + kx)) = the transform back
 * of dU[o][c] (laid out as winograd_s2_wgrad_f32 writes it): along each axis
 * (m0 + m1, m3 + m4, m1 + m2), for the output channels o in [o0, o1).
 * dU is chunk 0 of `chunks` (chunkB bytes apart), added first (addChunks).
 */
export function winograd_s2_wgrad_weights_f32(O: usize, C: usize, o0: usize, o1: usize, dup: usize, wp: usize, so: usize, sc: usize, chunks: usize, chunkB: usize): void {
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3, xiStride = (Op * Cp + XI_PAD) << 2;
  addChunks(25, Op, Cp, o0, min(o1, O), dup, chunks, chunkB);
  for (let o = o0; o < min(o1, O); o++) {
    for (let c: usize = 0; c < C; c++) {
      const u = dup + ((o * Cp + c) << 2);
      const out = wp + ((o * so + c * sc) << 2);
      // rows ky of the kernel from the rows of dU (0 + 1, 3 + 4, 1 + 2), then each along x
      kernelRow(out, u, xiStride, 0, 1);
      kernelRow(out + 12, u, xiStride, 3, 4);
      kernelRow(out + 24, u, xiStride, 1, 2);
    }
  }
}

/** Kernel row at p from rows i and j of dU at u: r = dU_i + dU_j, then (r0 + r1, r3 + r4, r1 + r2). */
// @ts-ignore: decorator
@inline function kernelRow(p: usize, u: usize, xiStride: usize, i: usize, j: usize): void {
  const a = u + 5 * i * xiStride, b = u + 5 * j * xiStride;
  const r0 = load<f32>(a) + load<f32>(b), r1 = load<f32>(a + xiStride) + load<f32>(b + xiStride);
  const r2 = load<f32>(a + 2 * xiStride) + load<f32>(b + 2 * xiStride), r3 = load<f32>(a + 3 * xiStride) + load<f32>(b + 3 * xiStride);
  const r4 = load<f32>(a + 4 * xiStride) + load<f32>(b + 4 * xiStride);
  store<f32>(p, r0 + r1);
  store<f32>(p, r3 + r4, 4);
  store<f32>(p, r1 + r2, 8);
}
