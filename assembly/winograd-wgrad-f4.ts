// The weight gradient of a 3x3, stride-1 convolution by Winograd F(4x4, 3x3)
// (Lavin & Gray 2016): the forward would compute each 4x4 output block of a
// 6x6 input tile d (tiles 4 apart) as
//   Y = A^T [ sum_c U_c . V_c ] A,   U = G g G^T,   V = B^T d B
// with
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// so for an output gradient dY, at each of the 36 positions xi,
//   dU_xi[o, c] = sum over every tile of every image of (A dY_o A^T)_xi (B^T d_c B)_xi
// (36 multiplications per tile and channel pair for 16 outputs: 2.25 per
// output against F(2x2, 3x3)'s 4 and the direct sum's 9), and
// dg = G^T dU G. Same layout and block scheme as winograd-wgrad.ts (channels
// fastest, 4 channels per vector, blocks of bt tiles across images in
// order), with 36 positions instead of 16. The coefficients up to 8 make
// its float32 error larger than F(2x2)'s (bounded in the tests); the
// transform back runs in float64.

import { accumulateTiles, addChunks } from './winograd-wgrad-parts';
import { XI_PAD } from './winograd-layout';

/**
 * dU[xi][o][c] (+)= sum over the N images' tiles of (A dY A^T)[xi] (B^T d B)[xi]
 * for x (N images of C channels, H x W, xImg floats apart) padded by (ph, pw)
 * and dy (N images of O channels, OH x OW, gImg floats apart), 36 positions.
 * dU is at dup with rows (o) of Cp = C rounded up to 8 floats, positions xi
 * Op Cp + XI_PAD floats apart (Op = O rounded up to 4); accumulate = false starts it
 * from zero. bt: tiles per block (only the rounding depends on it).
 * Scratch, in floats: the image (4 TH + 2) (4 TW + 2) Cp, the gradient
 * 16 TH TW Op, the transformed image 36 (Cp bt + XI_PAD) and gradient
 * 36 (Op bt + XI_PAD), and 144 for a tile's half-transformed rows, with
 * TH = ceil(OH / 4), TW = ceil(OW / 4).
 */
export function winograd_f4_wgrad_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, gp: usize, gImg: usize, dup: usize, accumulate: bool, bt: usize, scratchp: usize,
): void {
  accumulateTiles(4, 1, N, C, H, W, O, ph, pw, OH, OW, xp, xImg, gp, gImg, dup, accumulate, bt, scratchp);
}

/**
 * dw[o, c, ky, kx] (at wp + 4 (o so + c sc + 3 ky + kx)) = (G^T dU[o][c] G)[ky, kx]
 * for dU laid out as winograd_f4_wgrad_f32 writes it (rows of Cp floats,
 * positions xi Op Cp + XI_PAD floats apart), for the output channels o in [o0, o1), in float64:
 * G^T u = (u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24, (u2 - u1) / 6 + (u3 - u4) / 12, (u3 + u4 - u1 - u2) / 6 + u5).
 * Two input channels at a time, one per float64 lane (the same operations
 * per lane; an odd C's last pair reads dU's zero padding and drops it).
 * dU is chunk 0 of `chunks` (chunkB bytes apart), added first (addChunks).
 */
export function winograd_f4_wgrad_weights_f32(O: usize, C: usize, o0: usize, o1: usize, dup: usize, wp: usize, so: usize, sc: usize, chunks: usize, chunkB: usize): void {
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3, xiStride = (Op * Cp + XI_PAD) << 2;
  addChunks(36, Op, Cp, o0, min(o1, O), dup, chunks, chunkB);
  for (let o = o0; o < min(o1, O); o++) {
    for (let c: usize = 0; c < C; c += 2) {
      const u = dup + ((o * Cp + c) << 2);
      // t = G^T dU (3 x 6), column by column, then each row of t times G
      const zero = f64x2.splat(0);
      let t00 = zero, t01 = zero, t02 = zero, t03 = zero, t04 = zero, t05 = zero;
      let t10 = zero, t11 = zero, t12 = zero, t13 = zero, t14 = zero, t15 = zero;
      let t20 = zero, t21 = zero, t22 = zero, t23 = zero, t24 = zero, t25 = zero;
      for (let j: usize = 0; j < 6; j++) {
        const u0 = pairAt(u + j * xiStride), u1 = pairAt(u + (6 + j) * xiStride);
        const u2 = pairAt(u + (12 + j) * xiStride), u3 = pairAt(u + (18 + j) * xiStride);
        const u4 = pairAt(u + (24 + j) * xiStride), u5 = pairAt(u + (30 + j) * xiStride);
        const r0 = gt0(u0, u1, u2, u3, u4), r1 = gt1(u1, u2, u3, u4), r2 = gt2(u1, u2, u3, u4, u5);
        if (j == 0) { t00 = r0; t10 = r1; t20 = r2; }
        else if (j == 1) { t01 = r0; t11 = r1; t21 = r2; }
        else if (j == 2) { t02 = r0; t12 = r1; t22 = r2; }
        else if (j == 3) { t03 = r0; t13 = r1; t23 = r2; }
        else if (j == 4) { t04 = r0; t14 = r1; t24 = r2; }
        else { t05 = r0; t15 = r1; t25 = r2; }
      }
      const out = wp + ((o * so + c * sc) << 2), next = c + 1 < C ? out + (sc << 2) : 0;
      storeKernelRow(out, next, t00, t01, t02, t03, t04, t05);
      storeKernelRow(out + 12, next + (next != 0 ? 12 : 0), t10, t11, t12, t13, t14, t15);
      storeKernelRow(out + 24, next + (next != 0 ? 24 : 0), t20, t21, t22, t23, t24, t25);
    }
  }
}

/** Two floats at p (channels c, c + 1) widened to float64 lanes. */
// @ts-ignore: decorator
@inline function pairAt(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

// The rows of G^T, per float64 lane, in the order the header's expressions give.
// @ts-ignore: decorator
@inline function gt0(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128): v128 {
  return f64x2.add(f64x2.sub(f64x2.div(u0, f64x2.splat(4)), f64x2.div(f64x2.add(u1, u2), f64x2.splat(6))), f64x2.div(f64x2.add(u3, u4), f64x2.splat(24)));
}
// @ts-ignore: decorator
@inline function gt1(u1: v128, u2: v128, u3: v128, u4: v128): v128 {
  return f64x2.add(f64x2.div(f64x2.sub(u2, u1), f64x2.splat(6)), f64x2.div(f64x2.sub(u3, u4), f64x2.splat(12)));
}
// @ts-ignore: decorator
@inline function gt2(u1: v128, u2: v128, u3: v128, u4: v128, u5: v128): v128 {
  return f64x2.add(f64x2.div(f64x2.sub(f64x2.sub(f64x2.add(u3, u4), u1), u2), f64x2.splat(6)), u5);
}

/** Row (r0 .. r5) of G^T dU times G, stored as float32: lane 0 at p, lane 1 at q (none when q is 0). */
// @ts-ignore: decorator
@inline function storeKernelRow(p: usize, q: usize, r0: v128, r1: v128, r2: v128, r3: v128, r4: v128, r5: v128): void {
  storeLanes(p, q, gt0(r0, r1, r2, r3, r4));
  storeLanes(p + 4, q + (q != 0 ? 4 : 0), gt1(r1, r2, r3, r4));
  storeLanes(p + 8, q + (q != 0 ? 8 : 0), gt2(r1, r2, r3, r4, r5));
}

/** The float64 lanes of v rounded to float32: lane 0 at p, lane 1 at q (none when q is 0). */
// @ts-ignore: decorator
@inline function storeLanes(p: usize, q: usize, v: v128): void {
  const f = f32x4.demote_f64x2_zero(v);
  store<f32>(p, f32x4.extract_lane(f, 0));
  if (q != 0) store<f32>(q, f32x4.extract_lane(f, 1));
}
