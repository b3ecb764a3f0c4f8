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
// As in winograd-wgrad.ts the transforms run over channels (channels-last
// layouts, 4 channels per vector) and write the GEMM's packed operands
// directly; tiles are gathered into blocks of bt (across images, in order)
// whose products add to dU, so every dU element is one fixed sequence of
// sums over the tiles in order: results depend only on the shapes and bt.

import { XI_PAD } from './winograd-layout';
import { zeroF32 } from './mem';
import { products, toChannelsLast } from './winograd-wgrad-parts';

/**
 * dU[xi][o][c] (+)= sum over the N images' tiles of (A dY A^T)[xi] (B^T d B)[xi]
 * for x (N images of C channels, H x W, xImg floats apart) padded by (ph, pw)
 * and dy (N images of O channels, OH x OW, gImg floats apart) of a stride-2
 * convolution. dU is at dup with rows (o) of Cp = C rounded up to 8 floats,
 * positions xi Op Cp floats apart (Op = O rounded up to 4); accumulate =
 * false starts it from zero. bt: tiles per block (only the rounding depends
 * on it). Scratch, in floats: the image (4 TH + 1) (4 TW + 1) Cp, the
 * gradient 4 TH TW Op, the transformed image 25 (Cp bt + XI_PAD) and
 * gradient 25 (Op bt + XI_PAD), with TH = ceil(OH / 2), TW = ceil(OW / 2).
 */
export function winograd_s2_wgrad_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, gp: usize, gImg: usize, dup: usize, accumulate: bool, bt: usize, scratchp: usize,
): void {
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const Hp = (TH << 2) + 1, Wp = (TW << 2) + 1;
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3;
  const px = scratchp;
  const pg = px + ((Hp * Wp * Cp) << 2);
  const V = pg + ((4 * TH * TW * Op) << 2);
  const M = V + ((25 * (Cp * bt + XI_PAD)) << 2);
  // the frames' zeros (padding, channels past C, outputs past OH x OW) stay: images overwrite the same places
  zeroF32(px, Hp * Wp * Cp);
  zeroF32(pg, 4 * TH * TW * Op);
  if (!accumulate) zeroF32(dup, 25 * Op * Cp);
  const T = TH * TW;
  const vXi = (Cp * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  let fill: usize = 0;
  for (let n: usize = 0; n < N; n++) {
    toChannelsLast(C, H, W, ph, pw, Hp, Wp, Cp, xp + ((n * xImg) << 2), px);
    toChannelsLast(O, OH, OW, 0, 0, TH << 1, TW << 1, Op, gp + ((n * gImg) << 2), pg);
    for (let t: usize = 0; t < T; t++) {
      const ty = t / TW, tx = t - ty * TW;
      imageTile(Cp, Wp, bt, vXi, px + ((((ty * Wp + tx) << 2) * Cp) << 2), V + (fill << 5));
      gradientTile(Op, TW << 1, bt, mXi, pg + ((((ty * (TW << 1) + tx) << 1) * Op) << 2), M + (fill << 4));
      if (++fill == bt) {
        products(25, Cp, Op, bt, vXi, mXi, fill, V, M, dup);
        fill = 0;
      }
    }
  }
  if (fill > 0) products(25, Cp, Op, bt, vXi, mXi, fill, V, M, dup);
}

/**
 * V[xi][c / 8][slot][c % 8] = (B^T d B)[xi] for the 5x5 tile at p (pixels of
 * Cp channels, rows Wp pixels apart; slabs xiStride bytes apart), 4 channels
 * per vector; the caller offsets V to the slot. Same expressions as the
 * forward's transform.
 */
function imageTile(Cp: usize, Wp: usize, bt: usize, xiStride: usize, p: usize, V: usize): void {
  const px = Cp << 2, row = Wp * px;
  for (let c: usize = 0; c < Cp; c += 4) {
    const r0 = p + (c << 2), r1 = r0 + row, r2 = r1 + row, r3 = r2 + row, r4 = r3 + row;
    const dst = V + (((c >> 3) * bt) << 5) + ((c & 4) << 2);
    // rows of B^T d: (d0 - d2, d2, d4 - d2, d1, d3)
    imageRow(dst, xiStride, px, r0, r2, true);
    imageRow(dst + 5 * xiStride, xiStride, px, r2, 0, false);
    imageRow(dst + 10 * xiStride, xiStride, px, r4, r2, true);
    imageRow(dst + 15 * xiStride, xiStride, px, r1, 0, false);
    imageRow(dst + 20 * xiStride, xiStride, px, r3, 0, false);
  }
}

/** Row i of (B^T d) B from rows of d (u = a - b when sub, else a): (u0 - u2, u2, u4 - u2, u1, u3) at dst + j xiStride. */
// @ts-ignore: decorator
@inline function imageRow(dst: usize, xiStride: usize, px: usize, a: usize, b: usize, sub: bool): void {
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
function gradientTile(Op: usize, Wg: usize, bt: usize, xiStride: usize, p: usize, M: usize): void {
  const px = Op << 2, row = Wg * px;
  for (let o: usize = 0; o < Op; o += 4) {
    const q = p + (o << 2);
    const g00 = v128.load(q), g01 = v128.load(q + px), g10 = v128.load(q + row), g11 = v128.load(q + row + px);
    const dst = M + ((o * bt) << 2);
    gradientRow(dst, xiStride, g00, g01);
    gradientRow(dst + 5 * xiStride, xiStride, f32x4.add(g00, g10), f32x4.add(g01, g11));
    gradientRow(dst + 10 * xiStride, xiStride, g10, g11);
    gradientRow(dst + 15 * xiStride, xiStride, g00, g01);
    gradientRow(dst + 20 * xiStride, xiStride, g10, g11);
  }
}

// @ts-ignore: decorator
@inline function gradientRow(dst: usize, xiStride: usize, a: v128, b: v128): void {
  v128.store(dst, a);
  v128.store(dst + xiStride, f32x4.add(a, b));
  v128.store(dst + 2 * xiStride, b);
  v128.store(dst + 3 * xiStride, a);
  v128.store(dst + 4 * xiStride, b);
}

/**
 * dw[o, c, ky, kx] (at wp + 4 (o so + c sc + 3 ky + kx)) = the transform back
 * of dU[o][c] (laid out as winograd_s2_wgrad_f32 writes it): along each axis
 * (m0 + m1, m3 + m4, m1 + m2), for the output channels o in [o0, o1).
 */
export function winograd_s2_wgrad_weights_f32(O: usize, C: usize, o0: usize, o1: usize, dup: usize, wp: usize, so: usize, sc: usize): void {
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3, xiStride = (Op * Cp) << 2;
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
