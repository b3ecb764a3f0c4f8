// The tile transforms of the Winograd weight gradients (accumulateTiles in
// winograd-wgrad-parts.ts runs them): F(2x2, 3x3)'s 4x4 image tiles and
// 2x2 output-gradient blocks (winograd-wgrad.ts), F(4x4, 3x3)'s 6x6 tiles
// and 4x4 blocks (winograd-wgrad-f4.ts), the stride-2 gradient's 5x5 tiles
// and 2x2 blocks (winograd-s2-wgrad.ts), and its 15x15 tiles and 7x7 blocks
// (winograd-s2-t7-wgrad.ts). Channels-last in, 4 channels per vector, each
// into its slot of the block's packed GEMM operands.
// Not exported from the module.

import { P1, inputAxis, inputColumns } from './winograd-s2-t7-axis';

// ---- F(2x2, 3x3)

/**
 * V[xi][c / 8][slot][c % 8] = (B^T d B)[xi] for the 4x4 tile at p (pixels of
 * Cp channels, rows Wp pixels apart; slabs xiStride bytes apart), 4 channels per vector; the caller
 * offsets V to the slot. Same expressions as the forward's transform.
 */
export function imageTile2(Cp: usize, Wp: usize, bt: usize, xiStride: usize, p: usize, V: usize): void {
  const px = Cp << 2, row = Wp * px;
  for (let c: usize = 0; c < Cp; c += 4) {
    const r0 = p + (c << 2), r1 = r0 + row, r2 = r1 + row, r3 = r2 + row;
    const dst = V + (((c >> 3) * bt) << 5) + ((c & 4) << 2);
    // u = B^T d: rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3), one row of u at a time
    imageRow(dst, xiStride, px, r0, r2, false);
    imageRow(dst + (xiStride << 2), xiStride, px, r1, r2, true);
    imageRow(dst + (xiStride << 3), xiStride, px, r2, r1, false);
    imageRow(dst + xiStride * 12, xiStride, px, r1, r3, false);
  }
}

/** Row i of (B^T d) B from two rows of d (u = a - b, or a + b when add): (u0 - u2, u1 + u2, u2 - u1, u1 - u3) at dst + j xiStride. */
// @ts-ignore: decorator
@inline function imageRow(dst: usize, xiStride: usize, px: usize, a: usize, b: usize, add: bool): void {
  let u0: v128, u1: v128, u2: v128, u3: v128;
  if (add) {
    u0 = f32x4.add(v128.load(a), v128.load(b));
    u1 = f32x4.add(v128.load(a + px), v128.load(b + px));
    u2 = f32x4.add(v128.load(a + 2 * px), v128.load(b + 2 * px));
    u3 = f32x4.add(v128.load(a + 3 * px), v128.load(b + 3 * px));
  } else {
    u0 = f32x4.sub(v128.load(a), v128.load(b));
    u1 = f32x4.sub(v128.load(a + px), v128.load(b + px));
    u2 = f32x4.sub(v128.load(a + 2 * px), v128.load(b + 2 * px));
    u3 = f32x4.sub(v128.load(a + 3 * px), v128.load(b + 3 * px));
  }
  v128.store(dst, f32x4.sub(u0, u2));
  v128.store(dst + xiStride, f32x4.add(u1, u2));
  v128.store(dst + 2 * xiStride, f32x4.sub(u2, u1));
  v128.store(dst + 3 * xiStride, f32x4.sub(u1, u3));
}

/**
 * M[xi][o / 4][slot][o % 4] = (A g A^T)[xi] for the 2x2 block of output
 * gradients g at p (pixels of Op channels, rows Wg pixels apart), 4 output
 * channels per vector: rows of A g are (g0, g0 + g1, g0 - g1, -g1) and
 * each row (a, b) becomes (a, a + b, a - b, -b).
 */
export function gradientTile2(Op: usize, Wg: usize, bt: usize, xiStride: usize, p: usize, M: usize): void {
  const px = Op << 2, row = Wg * px;
  for (let o: usize = 0; o < Op; o += 4) {
    const q = p + (o << 2);
    const g00 = v128.load(q), g01 = v128.load(q + px), g10 = v128.load(q + row), g11 = v128.load(q + row + px);
    const dst = M + ((o * bt) << 2);
    gradientRow(dst, xiStride, g00, g01);
    gradientRow(dst + (xiStride << 2), xiStride, f32x4.add(g00, g10), f32x4.add(g01, g11));
    gradientRow(dst + (xiStride << 3), xiStride, f32x4.sub(g00, g10), f32x4.sub(g01, g11));
    gradientRow(dst + xiStride * 12, xiStride, f32x4.neg(g10), f32x4.neg(g11));
  }
}

// @ts-ignore: decorator
@inline function gradientRow(dst: usize, xiStride: usize, a: v128, b: v128): void {
  v128.store(dst, a);
  v128.store(dst + xiStride, f32x4.add(a, b));
  v128.store(dst + 2 * xiStride, f32x4.sub(a, b));
  v128.store(dst + 3 * xiStride, f32x4.neg(b));
}

// ---- F(4x4, 3x3)

/**
 * (B^T d)_i at dst + i ds for the six vectors d_k at p + k s:
 * (4 d0 - 5 d2 + d4, (d4 - 4 d2) + (d3 - 4 d1), (d4 - 4 d2) - (d3 - 4 d1),
 *  (d4 - d2) + 2 (d3 - d1), (d4 - d2) - 2 (d3 - d1), 4 d1 - 5 d3 + d5).
 */
// @ts-ignore: decorator
@inline function inputSix(p: usize, s: usize, dst: usize, ds: usize): void {
  const d0 = v128.load(p), d1 = v128.load(p + s), d2 = v128.load(p + 2 * s);
  const d3 = v128.load(p + 3 * s), d4 = v128.load(p + 4 * s), d5 = v128.load(p + 5 * s);
  const four = f32x4.splat(4), five = f32x4.splat(5);
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  const a = f32x4.sub(d4, f32x4.mul(four, d2)), b = f32x4.sub(d3, f32x4.mul(four, d1));
  v128.store(dst + ds, f32x4.add(a, b));
  v128.store(dst + 2 * ds, f32x4.sub(a, b));
  const e = f32x4.sub(d4, d2), f = f32x4.add(f32x4.sub(d3, d1), f32x4.sub(d3, d1));
  v128.store(dst + 3 * ds, f32x4.add(e, f));
  v128.store(dst + 4 * ds, f32x4.sub(e, f));
  v128.store(dst + 5 * ds, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/**
 * (A g)_i at dst + i ds for the four vectors g_k at p + k s:
 * (g0, (g0 + g2) + (g1 + g3), (g0 + g2) - (g1 + g3),
 *  (g0 + 4 g2) + (2 g1 + 8 g3), (g0 + 4 g2) - (2 g1 + 8 g3), g3).
 */
// @ts-ignore: decorator
@inline function gradientSix(p: usize, s: usize, dst: usize, ds: usize): void {
  const g0 = v128.load(p), g1 = v128.load(p + s), g2 = v128.load(p + 2 * s), g3 = v128.load(p + 3 * s);
  const four = f32x4.splat(4), two = f32x4.splat(2), eight = f32x4.splat(8);
  v128.store(dst, g0);
  const e = f32x4.add(g0, g2), o = f32x4.add(g1, g3);
  v128.store(dst + ds, f32x4.add(e, o));
  v128.store(dst + 2 * ds, f32x4.sub(e, o));
  const e4 = f32x4.add(g0, f32x4.mul(four, g2)), o2 = f32x4.add(f32x4.mul(two, g1), f32x4.mul(eight, g3));
  v128.store(dst + 3 * ds, f32x4.add(e4, o2));
  v128.store(dst + 4 * ds, f32x4.sub(e4, o2));
  v128.store(dst + 5 * ds, g3);
}

/**
 * V[xi][c / 8][slot][c % 8] = (B^T d B)[xi] (xi = 6 i + j) for the 6x6 tile
 * at p (pixels of Cp channels, rows Wp pixels apart; slabs xiStride bytes
 * apart), 4 channels per vector: each row's transform into `rows` (6 x 6
 * vectors), then each column of those. The caller offsets V to the slot.
 */
export function imageTile4(Cp: usize, Wp: usize, bt: usize, xiStride: usize, p: usize, V: usize, rows: usize): void {
  const px = Cp << 2, row = Wp * px;
  for (let c: usize = 0; c < Cp; c += 4) {
    const src = p + (c << 2);
    for (let a: usize = 0; a < 6; a++) inputSix(src + a * row, px, rows + a * 96, 16);
    const dst = V + (((c >> 3) * bt) << 5) + ((c & 4) << 2);
    for (let j: usize = 0; j < 6; j++) inputSix(rows + (j << 4), 96, dst + j * xiStride, 6 * xiStride);
  }
}

/**
 * M[xi][o / 4][slot][o % 4] = (A g A^T)[xi] (xi = 6 i + j) for the 4x4 block
 * of output gradients at p (pixels of Op channels, rows Wg pixels apart),
 * 4 output channels per vector, through `rows` as imageTile.
 */
export function gradientTile4(Op: usize, Wg: usize, bt: usize, xiStride: usize, p: usize, M: usize, rows: usize): void {
  const px = Op << 2, row = Wg * px;
  for (let o: usize = 0; o < Op; o += 4) {
    const src = p + (o << 2);
    for (let a: usize = 0; a < 4; a++) gradientSix(src + a * row, px, rows + a * 96, 16);
    const dst = M + ((o * bt) << 2);
    for (let j: usize = 0; j < 6; j++) gradientSix(rows + (j << 4), 96, dst + j * xiStride, 6 * xiStride);
  }
}

// ---- stride 2 (winograd-s2-wgrad.ts): 5x5 image tiles, 2x2 output-gradient blocks

/**
 * V[xi][c / 8][slot][c % 8] = (B^T d B)[xi] for the 5x5 tile at p (pixels of
 * Cp channels, rows Wp pixels apart; slabs xiStride bytes apart), 4 channels
 * per vector; the caller offsets V to the slot. Same expressions as the
 * forward's transform.
 */
export function imageTileS2(Cp: usize, Wp: usize, bt: usize, xiStride: usize, p: usize, V: usize): void {
  const px = Cp << 2, row = Wp * px;
  for (let c: usize = 0; c < Cp; c += 4) {
    const r0 = p + (c << 2), r1 = r0 + row, r2 = r1 + row, r3 = r2 + row, r4 = r3 + row;
    const dst = V + (((c >> 3) * bt) << 5) + ((c & 4) << 2);
    // rows of B^T d: (d0 - d2, d2, d4 - d2, d1, d3)
    imageRowS2(dst, xiStride, px, r0, r2, true);
    imageRowS2(dst + 5 * xiStride, xiStride, px, r2, 0, false);
    imageRowS2(dst + 10 * xiStride, xiStride, px, r4, r2, true);
    imageRowS2(dst + 15 * xiStride, xiStride, px, r1, 0, false);
    imageRowS2(dst + 20 * xiStride, xiStride, px, r3, 0, false);
  }
}

/** Row i of (B^T d) B from rows of d (u = a - b when sub, else a): (u0 - u2, u2, u4 - u2, u1, u3) at dst + j xiStride. */
// @ts-ignore: decorator
@inline function imageRowS2(dst: usize, xiStride: usize, px: usize, a: usize, b: usize, sub: bool): void {
  let u0 = v128.load(a), u1 = v128.load(a + px), u2 = v128.load(a + 2 * px), u3 = v128.load(a + 3 * px), u4 = v128.load(a + 4 * px);
  if (sub) {
    u0 = f32x4.sub(u0, v128.load(b));
    u1 = f32x4.sub(u1, v128.load(b + px));
    u2 = f32x4.sub(u2, v128.load(b + 2 * px));
    u3 = f32x4.sub(u3, v128.load(b + 3 * px));
    u4 = f32x4.sub(u4, v128.load(b + 4 * px));
  }
  v128.store(dst, f32x4.sub(u0, u2));
  v128.store(dst + xiStride, u2);
  v128.store(dst + 2 * xiStride, f32x4.sub(u4, u2));
  v128.store(dst + 3 * xiStride, u1);
  v128.store(dst + 4 * xiStride, u3);
}

/**
 * M[xi][o / 4][slot][o % 4] = (A g A^T)[xi] for the 2x2 block of output
 * gradients g at p (pixels of Op channels, rows Wg pixels apart), 4 output
 * channels per vector: rows of A g are (g0, g0 + g1, g1, g0, g1) and each
 * row (a, b) becomes (a, a + b, b, a, b).
 */
export function gradientTileS2(Op: usize, Wg: usize, bt: usize, xiStride: usize, p: usize, M: usize): void {
  const px = Op << 2, row = Wg * px;
  for (let o: usize = 0; o < Op; o += 4) {
    const q = p + (o << 2);
    const g00 = v128.load(q), g01 = v128.load(q + px), g10 = v128.load(q + row), g11 = v128.load(q + row + px);
    const dst = M + ((o * bt) << 2);
    gradientRowS2(dst, xiStride, g00, g01);
    gradientRowS2(dst + 5 * xiStride, xiStride, f32x4.add(g00, g10), f32x4.add(g01, g11));
    gradientRowS2(dst + 10 * xiStride, xiStride, g10, g11);
    gradientRowS2(dst + 15 * xiStride, xiStride, g00, g01);
    gradientRowS2(dst + 20 * xiStride, xiStride, g10, g11);
  }
}

// @ts-ignore: decorator
@inline function gradientRowS2(dst: usize, xiStride: usize, a: v128, b: v128): void {
  v128.store(dst, a);
  v128.store(dst + xiStride, f32x4.add(a, b));
  v128.store(dst + 2 * xiStride, b);
  v128.store(dst + 3 * xiStride, a);
  v128.store(dst + 4 * xiStride, b);
}

// ---- stride 2 by 7x7 output tiles (winograd-s2-t7-wgrad.ts): 15x15 image tiles, 7x7 output-gradient blocks

/**
 * V[xi][c / 8][slot][c % 8] = (B^T d B)[xi] (xi = 16 i + j, 256 positions)
 * for the 15x15 tile at p (pixels of Cp channels, rows Wp pixels apart; slabs
 * xiStride bytes apart), 4 channels per vector: each of the 15 rows along x
 * into `rows` (15 x 16 vectors), then each of the 16 columns along y, by the
 * forward's inputAxis and inputColumns. The caller offsets V to the slot.
 */
export function imageTileS2T7(Cp: usize, Wp: usize, bt: usize, xiStride: usize, p: usize, V: usize, rows: usize): void {
  const px = Cp << 2, row = Wp * px;
  for (let c: usize = 0; c < Cp; c += 4) {
    const src = p + (c << 2);
    for (let r: usize = 0; r < 15; r++) {
      const q = src + r * row;
      inputAxis(
        v128.load(q), v128.load(q + px), v128.load(q + 2 * px), v128.load(q + 3 * px), v128.load(q + 4 * px),
        v128.load(q + 5 * px), v128.load(q + 6 * px), v128.load(q + 7 * px), v128.load(q + 8 * px), v128.load(q + 9 * px),
        v128.load(q + 10 * px), v128.load(q + 11 * px), v128.load(q + 12 * px), v128.load(q + 13 * px), v128.load(q + 14 * px),
        rows + ((r * P1) << 4), 16,
      );
    }
    inputColumns(rows, V + (((c >> 3) * bt) << 5) + ((c & 4) << 2), xiStride);
  }
}

/**
 * M[xi][o / 4][slot][o % 4] = (A g A^T)[xi] (xi = 16 i + j) for the 7x7 block
 * of output gradients at p (pixels of Op channels, rows Wg pixels apart), 4
 * output channels per vector: each of the 7 rows along x into `rows` (7 x 16
 * vectors), then each of the 16 columns along y, by gradientAxis.
 */
export function gradientTileS2T7(Op: usize, Wg: usize, bt: usize, xiStride: usize, p: usize, M: usize, rows: usize): void {
  const px = Op << 2, row = Wg * px;
  for (let o: usize = 0; o < Op; o += 4) {
    const src = p + (o << 2);
    for (let r: usize = 0; r < 7; r++) {
      const q = src + r * row;
      gradientAxis(
        v128.load(q), v128.load(q + px), v128.load(q + 2 * px), v128.load(q + 3 * px), v128.load(q + 4 * px),
        v128.load(q + 5 * px), v128.load(q + 6 * px), rows + ((r * P1) << 4), 16,
      );
    }
    const dst = M + ((o * bt) << 2);
    for (let j: usize = 0; j < P1; j++) {
      const q = rows + (j << 4);
      gradientAxis(
        v128.load(q), v128.load(q, 256), v128.load(q, 512), v128.load(q, 768), v128.load(q, 1024),
        v128.load(q, 1280), v128.load(q, 1536), dst + j * xiStride, P1 * xiStride,
      );
    }
  }
}

/**
 * A g for the 7 gradients g0..g6 of one axis (A the transpose of the
 * forward's A^T, winograd-s2-t7.ts), stored at out + k stride (k = 0..15):
 * (g0, g0 + g1 + g2, g0 - g1 + g2, g2, g3, g3 + g4 + g5 + g6,
 *  g3 - g4 + g5 - g6, g3 - 2 g4 + 4 g5 - 8 g6, g6, g0, g1, .., g6).
 */
// @ts-ignore: decorator
@inline function gradientAxis(g0: v128, g1: v128, g2: v128, g3: v128, g4: v128, g5: v128, g6: v128, out: usize, stride: usize): void {
  const e = f32x4.add(g0, g2), s = f32x4.add(g3, g5), t = f32x4.add(g4, g6);
  v128.store(out, g0);
  v128.store(out + stride, f32x4.add(e, g1));
  v128.store(out + 2 * stride, f32x4.sub(e, g1));
  v128.store(out + 3 * stride, g2);
  v128.store(out + 4 * stride, g3);
  v128.store(out + 5 * stride, f32x4.add(s, t));
  v128.store(out + 6 * stride, f32x4.sub(s, t));
  // g3 + 4 g5 - 2 (g4 + 4 g6)
  const four = f32x4.splat(4);
  v128.store(out + 7 * stride, f32x4.sub(f32x4.add(g3, f32x4.mul(four, g5)), f32x4.mul(f32x4.splat(2), f32x4.add(g4, f32x4.mul(four, g6)))));
  v128.store(out + 8 * stride, g6);
  v128.store(out + 9 * stride, g0);
  v128.store(out + 10 * stride, g1);
  v128.store(out + 11 * stride, g2);
  v128.store(out + 12 * stride, g3);
  v128.store(out + 13 * stride, g4);
  v128.store(out + 14 * stride, g5);
  v128.store(out + 15 * stride, g6);
}
