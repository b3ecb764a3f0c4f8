// The weight gradient of a 3x3, stride-1 convolution by Winograd F(2x2, 3x3),
// the adjoint of the forward in winograd.ts. The forward computes each 2x2
// output block of a 4x4 input tile d as
//   Y = A^T [ sum_c U_c . V_c ] A,   U = G g G^T,   V = B^T d B
// so for an output gradient dY the gradient of U at each of the 16
// positions xi is a sum over every tile of every image,
//   dU_xi[o, c] = sum_tiles (A dY_o A^T)_xi (B^T d_c B)_xi,
// a GEMM per position (O x tiles times tiles x C) with 16 multiplications
// per tile and channel pair instead of 36, and dg = G^T dU G.
//
// The transforms run over channels, not tiles: the image and the output
// gradient are first laid out channel-fastest (pixel by pixel, channels
// padded to 8 and 4), so one vector holds a tile's value for 4 channels and
// the transformed tiles land directly in the GEMM's packed operands: dY's
// as the 4-row strips and the image's as the 8-column panels of tile.ts's
// tile4x8, with the tiles as the reduction index. Tiles are gathered into
// blocks of bt (across images, in order); each block adds its products to
// dU. Every dU element is one fixed sequence of sums over the tiles in
// order, whatever output channels a call covers, so results depend only on
// the shapes and bt.

import { accumulateTiles, addChunks } from './winograd-wgrad-parts';
import { XI_PAD } from './winograd-layout';

/**
 * dU[xi][o][c] (+)= sum over the N images' tiles of (A dY A^T)[xi] (B^T d B)[xi]
 * for x (N images of C channels, H x W, xImg floats apart) padded by (ph, pw)
 * and dy (N images of O channels, OH x OW, gImg floats apart): the products
 * the F(2x2, 3x3) forward would make, adjointed. dU is at dup with rows
 * (o) of Cp = C rounded up to 8 floats, positions xi Op Cp + XI_PAD floats apart
 * (Op = O rounded up to 4); accumulate = false starts it from zero.
 * bt: tiles per block (only the rounding depends on it). Scratch, in floats:
 * the image (2 TH + 2) (2 TW + 2) Cp, the gradient 4 TH TW Op, the
 * transformed image 16 (Cp bt + XI_PAD) and gradient 16 (Op bt + XI_PAD),
 * with TH = ceil(OH / 2), TW = ceil(OW / 2).
 */
export function winograd_f2_wgrad_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, gp: usize, gImg: usize, dup: usize, accumulate: bool, bt: usize, scratchp: usize,
): void {
  accumulateTiles(2, 1, N, C, H, W, O, ph, pw, OH, OW, xp, xImg, gp, gImg, dup, accumulate, bt, scratchp);
}

/**
 * dw[o, c, ky, kx] (at wp + 4 (o so + c sc + 3 ky + kx)) = (G^T dU[o][c] G)[ky, kx]
 * for dU laid out as winograd_f2_wgrad_f32 writes it (rows of Cp floats,
 * positions xi Op Cp + XI_PAD floats apart), for the output channels o in [o0, o1), G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
 * dU is chunk 0 of `chunks` (chunkB bytes apart), added first (addChunks).
 */
export function winograd_f2_wgrad_weights_f32(O: usize, C: usize, o0: usize, o1: usize, dup: usize, wp: usize, so: usize, sc: usize, chunks: usize, chunkB: usize): void {
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3, xiStride = (Op * Cp + XI_PAD) << 2;
  addChunks(16, Op, Cp, o0, min(o1, O), dup, chunks, chunkB);
  for (let o = o0; o < min(o1, O); o++) {
    for (let c: usize = 0; c < C; c++) {
      const u = dup + ((o * Cp + c) << 2);
      const out = wp + ((o * so + c * sc) << 2);
      // t = G^T dU (3 x 4), column by column, then each row of t times G
      let t00: f32 = 0, t01: f32 = 0, t02: f32 = 0, t03: f32 = 0, t10: f32 = 0, t11: f32 = 0;
      let t12: f32 = 0, t13: f32 = 0, t20: f32 = 0, t21: f32 = 0, t22: f32 = 0, t23: f32 = 0;
      for (let j: usize = 0; j < 4; j++) {
        const d0 = load<f32>(u + j * xiStride), d1 = load<f32>(u + (4 + j) * xiStride);
        const d2 = load<f32>(u + (8 + j) * xiStride), d3 = load<f32>(u + (12 + j) * xiStride);
        const s = (d1 + d2) * 0.5;
        const a = d0 + s, b = (d1 - d2) * 0.5, e = s + d3;
        if (j == 0) { t00 = a; t10 = b; t20 = e; }
        else if (j == 1) { t01 = a; t11 = b; t21 = e; }
        else if (j == 2) { t02 = a; t12 = b; t22 = e; }
        else { t03 = a; t13 = b; t23 = e; }
      }
      storeKernelRow(out, t00, t01, t02, t03);
      storeKernelRow(out + 12, t10, t11, t12, t13);
      storeKernelRow(out + 24, t20, t21, t22, t23);
    }
  }
}

/** Row (r0, r1, r2, r3) of G^T dU times G: (r0 + (r1 + r2) / 2, (r1 - r2) / 2, (r1 + r2) / 2 + r3). */
// @ts-ignore: decorator
@inline function storeKernelRow(p: usize, r0: f32, r1: f32, r2: f32, r3: f32): void {
  const s = (r1 + r2) * 0.5;
  store<f32>(p, r0 + s);
  store<f32>(p, (r1 - r2) * 0.5, 4);
  store<f32>(p, s + r3, 8);
}
