// The weight gradient of a 3x3 stride-2 convolution by Winograd with 7x7
// output tiles, the adjoint of the forward in winograd-s2-t7.ts
// (winograd-s2-wgrad.ts has 2x2 ones). The forward computes along one axis
// y = A^T [(G w) . (B^T d)] with 16 positions, so the kernel's gradient from
// the seven output gradients g0..g6 of a tile and its fifteen inputs d0..d14
// (dw_k += sum_i g_i d_2i+k) is dw = G^T [(A g) . (B^T d)], with
//   B^T d = the forward's (inputAxis in winograd-s2-t7-axis.ts),
//   A g   = (g0, g0 + g1 + g2, g0 - g1 + g2, g2,
//            g3, g3 + g4 + g5 + g6, g3 - g4 + g5 - g6, g3 - 2 g4 + 4 g5 - 8 g6, g6,
//            g0, g1, .., g6)                       (the columns of A^T),
//   G^T r = (r0 + (r1 + r2 + r4 + r6)/2 + (r5 + r7)/6,
//            r9 + r10 + .. + r15,
//            (r1 - r2 - r6)/2 + r3 + (r5 - 2 r7)/6 + r8)   (the columns of G).
// In two dimensions each position xi = 16 i + j of the 15x15 input tiles
// (14 pixels apart) gathers
//   dU_xi[o, c] = sum_tiles (A dY_o A^T)_xi (B^T d_c B)_xi,
// a GEMM per position (O x tiles times tiles x C) with 256 multiplications
// per tile and channel pair instead of 441 (400 by the sixteen 2x2 blocks of a
// 7x7 map), then dw = G^T dU G. The rows 9..15 of G are all (0, 1, 0), so
// the positions i >= 9 of a column enter dw only through their sum, and so
// do the positions j >= 9 of a row: dU keeps 10 x 10 sums (i and j capped at
// 9) instead of 256 (2.5 times less memory for the products to update).
//
// The loop is accumulateTiles (winograd-wgrad-parts.ts; the tile transforms
// imageTileS2T7 and gradientTileS2T7 in winograd-wgrad-tiles.ts): channels-last
// frames, tiles in blocks of bt across images in order, each block's products
// added to dU, so every dU element is one fixed sequence of sums over the
// tiles in order: results depend only on the shapes and bt.

import { accumulateTiles, addChunks } from './winograd-wgrad-parts';
import { XI_PAD } from './winograd-layout';

/**
 * dU[xi][o][c] (+)= sum over the N images' 7x7-output tiles of
 * (A dY A^T)[xi] (B^T d B)[xi] (256 positions xi = 16 i + j, added into
 * 10 x 10 sums: 10 min(i, 9) + min(j, 9)) for x (N images of C channels,
 * H x W, xImg floats apart) padded by (ph, pw) and dy (N images of O
 * channels, OH x OW, gImg floats apart) of a stride-2 convolution. dU is at
 * dup with rows (o) of Cp = C rounded up to 8 floats, sums Op Cp + XI_PAD
 * floats apart (Op = O rounded up to 4); accumulate = false starts
 * it from zero. bt: tiles per block (only the rounding depends on it).
 * Scratch, in floats: the image (14 TH + 1) (14 TW + 1) Cp, the gradient
 * 49 TH TW Op, the transformed image 256 (Cp bt + XI_PAD) and gradient
 * 256 (Op bt + XI_PAD), then 960 for a tile's half-transformed rows, with
 * TH = ceil(OH / 7), TW = ceil(OW / 7).
 */
export function winograd_s2t7_wgrad_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, gp: usize, gImg: usize, dup: usize, accumulate: bool, bt: usize, scratchp: usize,
): void {
  accumulateTiles(7, 2, N, C, H, W, O, ph, pw, OH, OW, xp, xImg, gp, gImg, dup, accumulate, bt, scratchp);
}

/**
 * dw[o, c, ky, kx] (at wp + 4 (o so + c sc + 3 ky + kx)) = (G^T dU[o][c] G)
 * [ky, kx] for dU laid out as winograd_s2t7_wgrad_f32 writes it (10 x 10
 * sums), for the output channels o in [o0, o1), 4 input channels per vector:
 * G^T down each of the 10 columns, written over the column's first three
 * (dU's rows o0 .. o1 are overwritten), then G^T along those three rows.
 * dU is chunk 0 of `chunks` (chunkB bytes apart), added first (addChunks).
 */
export function winograd_s2t7_wgrad_weights_f32(O: usize, C: usize, o0: usize, o1: usize, dup: usize, wp: usize, so: usize, sc: usize, chunks: usize, chunkB: usize): void {
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3, xs = (Op * Cp + XI_PAD) << 2, ys = 10 * xs;
  addChunks(100, Op, Cp, o0, min(o1, O), dup, chunks, chunkB);
  for (let o = o0; o < min(o1, O); o++) {
    for (let c: usize = 0; c < C; c += 4) {
      const u = dup + ((o * Cp + c) << 2);
      for (let j: usize = 0; j < 10; j++) {
        const q = u + j * xs;
        const r0 = v128.load(q), r1 = v128.load(q + ys), r2 = v128.load(q + 2 * ys), r3 = v128.load(q + 3 * ys), r4 = v128.load(q + 4 * ys);
        const r5 = v128.load(q + 5 * ys), r6 = v128.load(q + 6 * ys), r7 = v128.load(q + 7 * ys), r8 = v128.load(q + 8 * ys), r9 = v128.load(q + 9 * ys);
        v128.store(q, gt(0, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9));
        v128.store(q + ys, r9);
        v128.store(q + 2 * ys, gt(2, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9));
      }
      const out = wp + ((o * so + c * sc) << 2), n = min<usize>(4, C - c), step = sc << 2;
      kernelRow(out, u, xs, n, step);
      kernelRow(out + 12, u + ys, xs, n, step);
      kernelRow(out + 24, u + 2 * ys, xs, n, step);
    }
  }
}

/**
 * A row of the kernel's gradient for n (1-4) channels at p, p + step, ..:
 * G^T along the 10 vectors at u + j xiStride, lane l to channel l.
 */
// @ts-ignore: decorator
@inline function kernelRow(p: usize, u: usize, xiStride: usize, n: usize, step: usize): void {
  const c0 = v128.load(u), c1 = v128.load(u + xiStride), c2 = v128.load(u + 2 * xiStride), c3 = v128.load(u + 3 * xiStride);
  const c4 = v128.load(u + 4 * xiStride), c5 = v128.load(u + 5 * xiStride), c6 = v128.load(u + 6 * xiStride);
  const c7 = v128.load(u + 7 * xiStride), c8 = v128.load(u + 8 * xiStride), c9 = v128.load(u + 9 * xiStride);
  const w0 = gt(0, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9), w2 = gt(2, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9);
  store<f32>(p, f32x4.extract_lane(w0, 0));
  store<f32>(p, f32x4.extract_lane(c9, 0), 4);
  store<f32>(p, f32x4.extract_lane(w2, 0), 8);
  if (n > 1) {
    store<f32>(p + step, f32x4.extract_lane(w0, 1));
    store<f32>(p + step, f32x4.extract_lane(c9, 1), 4);
    store<f32>(p + step, f32x4.extract_lane(w2, 1), 8);
  }
  if (n > 2) {
    store<f32>(p + 2 * step, f32x4.extract_lane(w0, 2));
    store<f32>(p + 2 * step, f32x4.extract_lane(c9, 2), 4);
    store<f32>(p + 2 * step, f32x4.extract_lane(w2, 2), 8);
  }
  if (n > 3) {
    store<f32>(p + 3 * step, f32x4.extract_lane(w0, 3));
    store<f32>(p + 3 * step, f32x4.extract_lane(c9, 3), 4);
    store<f32>(p + 3 * step, f32x4.extract_lane(w2, 3), 8);
  }
}

/**
 * Component k (0 or 2) of G^T r, with r9 standing for r9 + .. + r15 (see the
 * header; component 1 is r9): r0 + (r1 + r2 + r4 + r6)/2 + (r5 + r7)/6, or
 * (r1 - r2 - r6)/2 + r3 + r8 + (r5 - 2 r7)/6.
 */
// @ts-ignore: decorator
@inline function gt(k: usize, r0: v128, r1: v128, r2: v128, r3: v128, r4: v128, r5: v128, r6: v128, r7: v128, r8: v128, r9: v128): v128 {
  const half = f32x4.splat(0.5), sixth = f32x4.splat(<f32>(1.0 / 6.0));
  if (k == 0) return f32x4.add(f32x4.add(r0, f32x4.mul(half, f32x4.add(f32x4.add(r1, r2), f32x4.add(r4, r6)))), f32x4.mul(sixth, f32x4.add(r5, r7)));
  return f32x4.add(f32x4.add(f32x4.mul(half, f32x4.sub(f32x4.sub(r1, r2), r6)), f32x4.add(r3, r8)), f32x4.mul(sixth, f32x4.sub(r5, f32x4.add(r7, r7))));
}
