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

import { XI_PAD } from './winograd-layout';
import { zeroF32 } from './mem';
import { products, toChannelsLast } from './winograd-wgrad-parts';

/**
 * dU[xi][o][c] (+)= sum over the N images' tiles of (A dY A^T)[xi] (B^T d B)[xi]
 * for x (N images of C channels, H x W, xImg floats apart) padded by (ph, pw)
 * and dy (N images of O channels, OH x OW, gImg floats apart): the products
 * the F(2x2, 3x3) forward would make, adjointed. dU is at dup with rows
 * (o) of Cp = C rounded up to 8 floats, positions xi Op Cp floats apart
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
  const TH = (OH + 1) >> 1, TW = (OW + 1) >> 1;
  const Hp = (TH << 1) + 2, Wp = (TW << 1) + 2;
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3;
  const px = scratchp;
  const pg = px + ((Hp * Wp * Cp) << 2);
  const V = pg + ((4 * TH * TW * Op) << 2);
  const M = V + ((16 * (Cp * bt + XI_PAD)) << 2);
  // the frames' zeros (padding, channels past C, outputs past OH x OW) stay: images overwrite the same places
  zeroF32(px, Hp * Wp * Cp);
  zeroF32(pg, 4 * TH * TW * Op);
  if (!accumulate) zeroF32(dup, 16 * Op * Cp);
  const T = TH * TW;
  const vXi = (Cp * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  let fill: usize = 0;
  for (let n: usize = 0; n < N; n++) {
    toChannelsLast(C, H, W, ph, pw, Hp, Wp, Cp, xp + ((n * xImg) << 2), px);
    toChannelsLast(O, OH, OW, 0, 0, TH << 1, TW << 1, Op, gp + ((n * gImg) << 2), pg);
    for (let t: usize = 0; t < T; t++) {
      const ty = t / TW, tx = t - ty * TW;
      imageTile(Cp, Wp, bt, vXi, px + ((((ty * Wp + tx) << 1) * Cp) << 2), V + (fill << 5));
      gradientTile(Op, TW << 1, bt, mXi, pg + ((((ty * (TW << 1) + tx) << 1) * Op) << 2), M + (fill << 4));
      if (++fill == bt) {
        products(16, Cp, Op, bt, vXi, mXi, fill, V, M, dup);
        fill = 0;
      }
    }
  }
  if (fill > 0) products(16, Cp, Op, bt, vXi, mXi, fill, V, M, dup);
}

/**
 * V[xi][c / 8][slot][c % 8] = (B^T d B)[xi] for the 4x4 tile at p (pixels of
 * Cp channels, rows Wp pixels apart; slabs xiStride bytes apart), 4 channels per vector; the caller
 * offsets V to the slot. Same expressions as the forward's transform.
 */
function imageTile(Cp: usize, Wp: usize, bt: usize, xiStride: usize, p: usize, V: usize): void {
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
function gradientTile(Op: usize, Wg: usize, bt: usize, xiStride: usize, p: usize, M: usize): void {
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

/**
 * dw[o, c, ky, kx] (at wp + 4 (o so + c sc + 3 ky + kx)) = (G^T dU[o][c] G)[ky, kx]
 * for dU laid out as winograd_f2_wgrad_f32 writes it (rows of Cp floats,
 * positions xi Op Cp floats apart), for the output channels o in [o0, o1), G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
 */
export function winograd_f2_wgrad_weights_f32(O: usize, C: usize, o0: usize, o1: usize, dup: usize, wp: usize, so: usize, sc: usize): void {
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3, xiStride = (Op * Cp) << 2;
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
