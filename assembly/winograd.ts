// Winograd F(2x2, 3x3) convolution (Lavin & Gray 2016, "Fast algorithms for
// convolutional neural networks"): each 2x2 block of outputs of a 3x3,
// stride-1 convolution comes from a 4x4 input tile d as
//   Y = A^T [ sum_c (G g_c G^T) . (B^T d_c B) ] A
// with
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
// so the 16 element-wise products per tile and channel pair replace 36
// multiplications: 2.25x fewer. The sum over c at each of the 16 positions xi
// is a GEMM, M_xi (O x tiles) = U_xi (O x C) V_xi (C x tiles), run on the
// 4x8 tile of tile.ts. All transform coefficients are 0, +-1 or +-1/2, so
// the float32 error stays within a few ulps of the direct sum's.
//
// Tiles: output block (ty, tx) covers rows 2ty..2ty+1 and columns 2tx..2tx+1;
// a row of tiles is padded to a multiple of 4 (TWp) so the input transform
// runs on 4 horizontally adjacent tiles per vector; the extra tiles read zero
// padding and their results are discarded. Each output is one fixed
// expression of its image alone, so results do not depend on how images or
// tile blocks are split.

import { conv_pad_f32 } from './conv';
import { XI_PAD, positionProducts, storeOutputRow } from './winograd-layout';

/**
 * U[xi][ob][c][i] = (G g G^T)[xi] for output channel o = 4 ob + i in [o0, o1)
 * (zero rows from O up to a multiple of 4; o0, o1 multiples of 4), g[o, c] the 3x3 kernel with element (ky, kx) at
 * wp + 4 (o so + c sc + ky sky + kx skx) (negative strides flip it). Layout:
 * outp + 4 ((((xi Op/4 + ob) C + c) 4) + i), Op = O rounded up to 4.
 */
export function winograd_f2_weights_f32(O: usize, C: usize, o0: usize, o1: usize, wp: usize, so: isize, sc: isize, sky: isize, skx: isize, outp: usize): void {
  const Op = (O + 3) & ~3, blocks = Op >> 2;
  for (let o = o0; o < min(o1, Op); o++) {
    for (let c: usize = 0; c < C; c++) {
      const dst = outp + ((((o >> 2) * C + c) << 2) + (o & 3) << 2);
      const xiStride = (blocks * C) << 4;
      if (o >= O) {
        for (let xi: usize = 0; xi < 16; xi++) store<f32>(dst + xi * xiStride, 0);
        continue;
      }
      const base = <isize>wp + ((<isize>o * so + <isize>c * sc) << 2);
      // t = G g (4 x 3), column by column
      let t00: f32 = 0, t01: f32 = 0, t02: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0;
      let t20: f32 = 0, t21: f32 = 0, t22: f32 = 0, t30: f32 = 0, t31: f32 = 0, t32: f32 = 0;
      for (let kx: isize = 0; kx < 3; kx++) {
        const g0 = load<f32>(<usize>(base + ((kx * skx) << 2)));
        const g1 = load<f32>(<usize>(base + ((sky + kx * skx) << 2)));
        const g2 = load<f32>(<usize>(base + ((2 * sky + kx * skx) << 2)));
        const a = g0, b = (g0 + g1 + g2) * 0.5, d = (g0 - g1 + g2) * 0.5, e = g2;
        if (kx == 0) { t00 = a; t10 = b; t20 = d; t30 = e; }
        else if (kx == 1) { t01 = a; t11 = b; t21 = d; t31 = e; }
        else { t02 = a; t12 = b; t22 = d; t32 = e; }
      }
      // U = t G^T: row i of U from row i of t
      storeRow(dst, xiStride, 0, t00, t01, t02);
      storeRow(dst, xiStride, 1, t10, t11, t12);
      storeRow(dst, xiStride, 2, t20, t21, t22);
      storeRow(dst, xiStride, 3, t30, t31, t32);
    }
  }
}

/** U[4 i + j] for j = 0..3 from the row (r0, r1, r2) of G g: (r0, (r0 + r1 + r2) / 2, (r0 - r1 + r2) / 2, r2). */
// @ts-ignore: decorator
@inline function storeRow(dst: usize, xiStride: usize, i: usize, r0: f32, r1: f32, r2: f32): void {
  const p = dst + ((i * xiStride) << 2);
  store<f32>(p, r0);
  store<f32>(p + xiStride, (r0 + r1 + r2) * 0.5);
  store<f32>(p + xiStride * 2, (r0 - r1 + r2) * 0.5);
  store<f32>(p + xiStride * 3, r2);
}

/**
 * y[n, o, oy, ox] = bias[o] + sum_{c, ky, kx} w[o, c, ky, kx] x[n, c, oy - ph + ky, ox - pw + kx]
 * (x zero outside its H x W) for N images, by F(2x2, 3x3) with the weights
 * transformed by winograd_f2_weights_f32 at up. Images are xImg / yImg
 * floats apart; OH x OW is the output size (any size; rows and columns the
 * image cannot reach read zeros). bt: tiles per block, a multiple of 8 (only
 * speed depends on it). biasp = 0: no bias. Scratch, in floats: the padded
 * image C (2 TH + 2) (2 TWp + 2), then V 16 (C bt + XI_PAD), then M
 * 16 (Op bt + XI_PAD), with
 * TH = ceil(OH / 2), TWp = ceil(OW / 2) rounded up to 4, Op = O rounded up to 4.
 */
export function winograd_f2_conv_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, up: usize, yp: usize, yImg: usize, biasp: usize, bt: usize, scratchp: usize,
): void {
  const TH = (OH + 1) >> 1, TWp = (((OW + 1) >> 1) + 3) & ~3;
  const Hp = (TH << 1) + 2, Wp = (TWp << 1) + 2, plane = Hp * Wp;
  const Op = (O + 3) & ~3;
  const pad = scratchp;
  const V = pad + ((C * plane) << 2);
  const M = V + ((16 * (C * bt + XI_PAD)) << 2);
  const T1 = TH * TWp;
  const vXi = (C * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  for (let n: usize = 0; n < N; n++) {
    conv_pad_f32(C, H, W, ph, pw, Hp, Wp, xp + ((n * xImg) << 2), pad);
    const yn = yp + ((n * yImg) << 2);
    for (let t0: usize = 0; t0 < T1; t0 += bt) {
      const nt = min(bt, T1 - t0);
      inputTransform(C, nt, t0, TWp, Wp, plane, pad, V, vXi, bt);
      positionProducts(16, C, Op, up, V, vXi, M, mXi, bt, nt);
      outputTransform(O, OH, OW, nt, t0, TWp, M, mXi, bt, biasp, yn);
    }
  }
}

/**
 * V[xi][p][c][lane] = (B^T d B)[xi] for tiles t0 .. t0 + nt of the padded
 * image (tile j of the block in panel p = j / 8, lane j % 8), four tiles per
 * vector; the lanes of a half-filled last panel are zeroed.
 */
function inputTransform(C: usize, nt: usize, t0: usize, TWp: usize, Wp: usize, plane: usize, pad: usize, V: usize, vXi: usize, bt: usize): void {
  const wb = Wp << 2;
  for (let j: usize = 0; j < nt; j += 4) {
    const t = t0 + j, ty = t / TWp, tx = t % TWp;
    const src = pad + ((((ty * Wp) << 1) + (tx << 1)) << 2);
    let dst = V + ((((j >> 3) * C) << 3) + (j & 7) << 2);
    for (let c: usize = 0; c < C; c++) {
      const r = src + ((c * plane) << 2);
      // d[i][k] for the four tiles: columns 2 tx' + k of row i, tx' = tx .. tx + 3
      let a = v128.load(r), b = v128.load(r, 16), a2 = v128.load(r, 8), b2 = v128.load(r, 24);
      const d00 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), d01 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
      const d02 = v128.shuffle<f32>(a2, b2, 0, 2, 4, 6), d03 = v128.shuffle<f32>(a2, b2, 1, 3, 5, 7);
      a = v128.load(r + wb); b = v128.load(r + wb, 16); a2 = v128.load(r + wb, 8); b2 = v128.load(r + wb, 24);
      const d10 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), d11 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
      const d12 = v128.shuffle<f32>(a2, b2, 0, 2, 4, 6), d13 = v128.shuffle<f32>(a2, b2, 1, 3, 5, 7);
      a = v128.load(r + (wb << 1)); b = v128.load(r + (wb << 1), 16); a2 = v128.load(r + (wb << 1), 8); b2 = v128.load(r + (wb << 1), 24);
      const d20 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), d21 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
      const d22 = v128.shuffle<f32>(a2, b2, 0, 2, 4, 6), d23 = v128.shuffle<f32>(a2, b2, 1, 3, 5, 7);
      const r3 = r + wb * 3;
      a = v128.load(r3); b = v128.load(r3, 16); a2 = v128.load(r3, 8); b2 = v128.load(r3, 24);
      const d30 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), d31 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
      const d32 = v128.shuffle<f32>(a2, b2, 0, 2, 4, 6), d33 = v128.shuffle<f32>(a2, b2, 1, 3, 5, 7);
      // B^T d: rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
      const u00 = f32x4.sub(d00, d20), u01 = f32x4.sub(d01, d21), u02 = f32x4.sub(d02, d22), u03 = f32x4.sub(d03, d23);
      const u10 = f32x4.add(d10, d20), u11 = f32x4.add(d11, d21), u12 = f32x4.add(d12, d22), u13 = f32x4.add(d13, d23);
      const u20 = f32x4.sub(d20, d10), u21 = f32x4.sub(d21, d11), u22 = f32x4.sub(d22, d12), u23 = f32x4.sub(d23, d13);
      const u30 = f32x4.sub(d10, d30), u31 = f32x4.sub(d11, d31), u32 = f32x4.sub(d12, d32), u33 = f32x4.sub(d13, d33);
      // (B^T d) B: the same on columns; V[4 i + k]
      storeRowTransform(dst, vXi, 0, u00, u01, u02, u03);
      storeRowTransform(dst, vXi, 1, u10, u11, u12, u13);
      storeRowTransform(dst, vXi, 2, u20, u21, u22, u23);
      storeRowTransform(dst, vXi, 3, u30, u31, u32, u33);
      dst += 32;
    }
  }
  if (nt & 4) {
    // zero lanes 4..7 of the last panel (their columns are computed and discarded)
    const last = V + (((((nt >> 3) * C) << 3) + 4) << 2);
    for (let xi: usize = 0; xi < 16; xi++) {
      for (let c: usize = 0; c < C; c++) v128.store(last + xi * vXi + (c << 5), f32x4.splat(0));
    }
  }
}

/** V[4 i + k] for k = 0..3 from row i of B^T d: (u0 - u2, u1 + u2, u2 - u1, u1 - u3). */
// @ts-ignore: decorator
@inline function storeRowTransform(dst: usize, vXi: usize, i: usize, u0: v128, u1: v128, u2: v128, u3: v128): void {
  const p = dst + ((i * vXi) << 2);
  v128.store(p, f32x4.sub(u0, u2));
  v128.store(p + vXi, f32x4.add(u1, u2));
  v128.store(p + vXi * 2, f32x4.sub(u2, u1));
  v128.store(p + vXi * 3, f32x4.sub(u1, u3));
}

/**
 * y[o, 2 ty + r, 2 tx + s] = bias[o] + (A^T M A)[r, s] for the block's tiles,
 * four tiles per vector; outputs past OH x OW (padding tiles, odd edges) are
 * not written.
 */
function outputTransform(O: usize, OH: usize, OW: usize, nt: usize, t0: usize, TWp: usize, M: usize, mXi: usize, bt: usize, biasp: usize, yn: usize): void {
  for (let o: usize = 0; o < O; o++) {
    const bias = biasp != 0 ? v128.load32_splat(biasp + (o << 2)) : f32x4.splat(0);
    const mrow = M + ((o * bt) << 2);
    const yo = yn + ((o * OH * OW) << 2);
    for (let j: usize = 0; j < nt; j += 4) {
      const m = mrow + (j << 2);
      // A^T over rows: s0k = m0k + m1k + m2k, s1k = m1k - m2k - m3k
      const m0 = v128.load(m), m1 = v128.load(m + mXi), m2 = v128.load(m + mXi * 2), m3 = v128.load(m + mXi * 3);
      const m4 = v128.load(m + mXi * 4), m5 = v128.load(m + mXi * 5), m6 = v128.load(m + mXi * 6), m7 = v128.load(m + mXi * 7);
      const m8 = v128.load(m + mXi * 8), m9 = v128.load(m + mXi * 9), m10 = v128.load(m + mXi * 10), m11 = v128.load(m + mXi * 11);
      const m12 = v128.load(m + mXi * 12), m13 = v128.load(m + mXi * 13), m14 = v128.load(m + mXi * 14), m15 = v128.load(m + mXi * 15);
      const s00 = f32x4.add(f32x4.add(m0, m4), m8), s01 = f32x4.add(f32x4.add(m1, m5), m9);
      const s02 = f32x4.add(f32x4.add(m2, m6), m10), s03 = f32x4.add(f32x4.add(m3, m7), m11);
      const s10 = f32x4.sub(f32x4.sub(m4, m8), m12), s11 = f32x4.sub(f32x4.sub(m5, m9), m13);
      const s12 = f32x4.sub(f32x4.sub(m6, m10), m14), s13 = f32x4.sub(f32x4.sub(m7, m11), m15);
      // then over columns, plus the bias
      const y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bias), y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bias);
      const y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bias), y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bias);
      const t = t0 + j, oy = (t / TWp) << 1, ox = (t % TWp) << 1;
      if (ox >= OW) continue;
      const row0 = yo + ((oy * OW + ox) << 2);
      storeOutputRow(row0, OW - ox, v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), v128.shuffle<f32>(y00, y01, 2, 6, 3, 7));
      if (oy + 1 < OH) storeOutputRow(row0 + (OW << 2), OW - ox, v128.shuffle<f32>(y10, y11, 0, 4, 1, 5), v128.shuffle<f32>(y10, y11, 2, 6, 3, 7));
    }
  }
}
