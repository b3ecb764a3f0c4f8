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

import { XI_PAD } from './winograd-layout';
import { zeroF32 } from './mem';
import { products, toChannelsLast } from './winograd-wgrad-parts';

/**
 * dU[xi][o][c] (+)= sum over the N images' tiles of (A dY A^T)[xi] (B^T d B)[xi]
 * for x (N images of C channels, H x W, xImg floats apart) padded by (ph, pw)
 * and dy (N images of O channels, OH x OW, gImg floats apart), 36 positions.
 * dU is at dup with rows (o) of Cp = C rounded up to 8 floats, positions xi
 * Op Cp floats apart (Op = O rounded up to 4); accumulate = false starts it
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
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2;
  const Hp = (TH << 2) + 2, Wp = (TW << 2) + 2, Wg = TW << 2;
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3;
  const px = scratchp;
  const pg = px + ((Hp * Wp * Cp) << 2);
  const V = pg + ((16 * TH * TW * Op) << 2);
  const M = V + ((36 * (Cp * bt + XI_PAD)) << 2);
  const rows = M + ((36 * (Op * bt + XI_PAD)) << 2);
  // the frames' zeros (padding, channels past C, outputs past OH x OW) stay: images overwrite the same places
  zeroF32(px, Hp * Wp * Cp);
  zeroF32(pg, 16 * TH * TW * Op);
  if (!accumulate) zeroF32(dup, 36 * Op * Cp);
  const T = TH * TW;
  const vXi = (Cp * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  let fill: usize = 0;
  for (let n: usize = 0; n < N; n++) {
    toChannelsLast(C, H, W, ph, pw, Hp, Wp, Cp, xp + ((n * xImg) << 2), px);
    toChannelsLast(O, OH, OW, 0, 0, TH << 2, Wg, Op, gp + ((n * gImg) << 2), pg);
    for (let t: usize = 0; t < T; t++) {
      const ty = t / TW, tx = t - ty * TW;
      imageTile(Cp, Wp, bt, vXi, px + ((((ty * Wp + tx) << 2) * Cp) << 2), V + (fill << 5), rows);
      gradientTile(Op, Wg, bt, mXi, pg + ((((ty * Wg + tx) << 2) * Op) << 2), M + (fill << 4), rows);
      if (++fill == bt) {
        products(36, Cp, Op, bt, vXi, mXi, fill, V, M, dup);
        fill = 0;
      }
    }
  }
  if (fill > 0) products(36, Cp, Op, bt, vXi, mXi, fill, V, M, dup);
}

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
function imageTile(Cp: usize, Wp: usize, bt: usize, xiStride: usize, p: usize, V: usize, rows: usize): void {
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
function gradientTile(Op: usize, Wg: usize, bt: usize, xiStride: usize, p: usize, M: usize, rows: usize): void {
  const px = Op << 2, row = Wg * px;
  for (let o: usize = 0; o < Op; o += 4) {
    const src = p + (o << 2);
    for (let a: usize = 0; a < 4; a++) gradientSix(src + a * row, px, rows + a * 96, 16);
    const dst = M + ((o * bt) << 2);
    for (let j: usize = 0; j < 6; j++) gradientSix(rows + (j << 4), 96, dst + j * xiStride, 6 * xiStride);
  }
}

/**
 * dw[o, c, ky, kx] (at wp + 4 (o so + c sc + 3 ky + kx)) = (G^T dU[o][c] G)[ky, kx]
 * for dU laid out as winograd_f4_wgrad_f32 writes it (rows of Cp floats,
 * positions xi Op Cp floats apart), for the output channels o in [o0, o1), in float64:
 * G^T u = (u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24, (u2 - u1) / 6 + (u3 - u4) / 12, (u3 + u4 - u1 - u2) / 6 + u5).
 */
export function winograd_f4_wgrad_weights_f32(O: usize, C: usize, o0: usize, o1: usize, dup: usize, wp: usize, so: usize, sc: usize): void {
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3, xiStride = (Op * Cp) << 2;
  for (let o = o0; o < min(o1, O); o++) {
    for (let c: usize = 0; c < C; c++) {
      const u = dup + ((o * Cp + c) << 2);
      // t = G^T dU (3 x 6), column by column, then each row of t times G
      let t00: f64 = 0, t01: f64 = 0, t02: f64 = 0, t03: f64 = 0, t04: f64 = 0, t05: f64 = 0;
      let t10: f64 = 0, t11: f64 = 0, t12: f64 = 0, t13: f64 = 0, t14: f64 = 0, t15: f64 = 0;
      let t20: f64 = 0, t21: f64 = 0, t22: f64 = 0, t23: f64 = 0, t24: f64 = 0, t25: f64 = 0;
      for (let j: usize = 0; j < 6; j++) {
        const u0 = <f64>load<f32>(u + j * xiStride), u1 = <f64>load<f32>(u + (6 + j) * xiStride);
        const u2 = <f64>load<f32>(u + (12 + j) * xiStride), u3 = <f64>load<f32>(u + (18 + j) * xiStride);
        const u4 = <f64>load<f32>(u + (24 + j) * xiStride), u5 = <f64>load<f32>(u + (30 + j) * xiStride);
        const r0 = gt0(u0, u1, u2, u3, u4), r1 = gt1(u1, u2, u3, u4), r2 = gt2(u1, u2, u3, u4, u5);
        if (j == 0) { t00 = r0; t10 = r1; t20 = r2; }
        else if (j == 1) { t01 = r0; t11 = r1; t21 = r2; }
        else if (j == 2) { t02 = r0; t12 = r1; t22 = r2; }
        else if (j == 3) { t03 = r0; t13 = r1; t23 = r2; }
        else if (j == 4) { t04 = r0; t14 = r1; t24 = r2; }
        else { t05 = r0; t15 = r1; t25 = r2; }
      }
      const out = wp + ((o * so + c * sc) << 2);
      storeKernelRow(out, t00, t01, t02, t03, t04, t05);
      storeKernelRow(out + 12, t10, t11, t12, t13, t14, t15);
      storeKernelRow(out + 24, t20, t21, t22, t23, t24, t25);
    }
  }
}

// @ts-ignore: decorator
@inline function gt0(u0: f64, u1: f64, u2: f64, u3: f64, u4: f64): f64 { return u0 / 4 - (u1 + u2) / 6 + (u3 + u4) / 24; }
// @ts-ignore: decorator
@inline function gt1(u1: f64, u2: f64, u3: f64, u4: f64): f64 { return (u2 - u1) / 6 + (u3 - u4) / 12; }
// @ts-ignore: decorator
@inline function gt2(u1: f64, u2: f64, u3: f64, u4: f64, u5: f64): f64 { return (u3 + u4 - u1 - u2) / 6 + u5; }

/** Row (r0 .. r5) of G^T dU times G, stored as float32. */
// @ts-ignore: decorator
@inline function storeKernelRow(p: usize, r0: f64, r1: f64, r2: f64, r3: f64, r4: f64, r5: f64): void {
  store<f32>(p, <f32>gt0(r0, r1, r2, r3, r4));
  store<f32>(p, <f32>gt1(r1, r2, r3, r4), 4);
  store<f32>(p, <f32>gt2(r1, r2, r3, r4, r5), 8);
}
