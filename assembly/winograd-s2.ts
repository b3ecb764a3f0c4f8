// Winograd convolution for 3x3 kernels at stride 2. Along one axis, two
// outputs of a stride-2 3-tap correlation read five inputs d0..d4:
//   y0 = w0 d0 + w1 d1 + w2 d2,   y1 = w0 d2 + w1 d3 + w2 d4,
// that is the 2-tap correlation (w0, w2) of the even inputs (d0, d2, d4),
// which F(2, 2) computes with 3 products, plus the 1-tap w1 on the odd ones
// (d1, d3), 2 products: 5 instead of 6. With
//   B^T d = (d0 - d2, d2, d4 - d2, d1, d3)
//   G g   = (w0, w0 + w2, w2, w1, w1)
//   A^T   = [1 1 0 1 0; 0 1 1 0 1]
// y = A^T [(G g) . (B^T d)]. In two dimensions each 2x2 block of outputs
// comes from the 5x5 input tile at rows 4 ty .. 4 ty + 4 (columns likewise)
// of the padded image as Y = A^T [ sum_c (G g_c G^T) . (B^T d_c B) ] A:
// 25 products per tile and channel pair instead of 36 (1.44x fewer). The
// sum over c at each of the 25 positions is a GEMM on the 4x8 tile
// (positionProducts). All coefficients are 0 or +-1, so the float32 error
// stays within a few ulps of the direct sum's.
//
// Tiles: output block (ty, tx) covers rows 2 ty, 2 ty + 1 and columns 2 tx,
// 2 tx + 1; a row of tiles is padded to a multiple of 4 (TWp) so the input
// transform runs on 4 horizontally adjacent tiles per vector; the extra
// tiles read zero padding and their results are discarded. Blocks of tiles
// may span images. Each output is one fixed expression of its image alone,
// so results do not depend on how images or tile blocks are split.

import { conv_pad_f32 } from './conv';
import { XI_PAD, positionProducts, storeOutputRow, zeroPanelTail } from './winograd-layout';

/**
 * U[xi][ob][c][i] = (G g G^T)[xi] (xi = 5 row + column, 25 positions) for
 * output channel o = 4 ob + i (zero rows up to a multiple of 4), g[o, c] the
 * 3x3 kernel with element (ky, kx) at wp + 4 (o so + c sc + ky sky + kx skx).
 * Layout: outp + 4 ((((xi Op/4 + ob) C + c) 4) + i), Op = O rounded up to 4;
 * rows o in [o0, o1), multiples of 4 (threads split the blocks).
 */
export function winograd_s2_weights_f32(O: usize, C: usize, o0: usize, o1: usize, wp: usize, so: isize, sc: isize, sky: isize, skx: isize, outp: usize): void {
  const Op = (O + 3) & ~3;
  const xiStride = (Op * C) << 2;
  for (let o = o0; o < min(o1, Op); o++) {
    for (let c: usize = 0; c < C; c++) {
      const dst = outp + ((((o >> 2) * C + c) << 2) + (o & 3) << 2);
      if (o >= O) {
        for (let xi: usize = 0; xi < 25; xi++) store<f32>(dst + xi * xiStride, 0);
        continue;
      }
      const base = <isize>wp + ((<isize>o * so + <isize>c * sc) << 2);
      for (let ky: isize = 0; ky < 3; ky++) {
        // row ky of g, transformed along x: (g0, g0 + g2, g2, g1, g1) at columns 0..4 of a scratch row
        const r = base + ((ky * sky) << 2);
        const g0 = load<f32>(<usize>r), g1 = load<f32>(<usize>(r + (skx << 2))), g2 = load<f32>(<usize>(r + ((2 * skx) << 2)));
        // along y: row i of U from rows (ky) of G: i = 0 <- ky 0, 1 <- ky 0 + ky 2, 2 <- ky 2, 3 and 4 <- ky 1
        const t0 = g0, t1 = g0 + g2, t2 = g2, t3 = g1;
        if (ky == 0) {
          storeRow(dst, xiStride, 0, t0, t1, t2, t3);
        } else if (ky == 2) {
          storeRow(dst, xiStride, 2, t0, t1, t2, t3);
        } else {
          storeRow(dst, xiStride, 3, t0, t1, t2, t3);
          storeRow(dst, xiStride, 4, t0, t1, t2, t3);
        }
      }
      // row 1 = row 0 + row 2
      for (let j: usize = 0; j < 5; j++) {
        store<f32>(dst + (5 + j) * xiStride, load<f32>(dst + j * xiStride) + load<f32>(dst + (10 + j) * xiStride));
      }
    }
  }
}

/** U[5 i + j] for j = 0..4: (t0, t1, t2, t3, t3). */
// @ts-ignore: decorator
@inline function storeRow(dst: usize, xiStride: usize, i: usize, t0: f32, t1: f32, t2: f32, t3: f32): void {
  const p = dst + 5 * i * xiStride;
  store<f32>(p, t0);
  store<f32>(p + xiStride, t1);
  store<f32>(p + xiStride * 2, t2);
  store<f32>(p + xiStride * 3, t3);
  store<f32>(p + xiStride * 4, t3);
}

/**
 * y[n, o, oy, ox] = bias[o] + sum_{c, ky, kx} w[o, c, ky, kx] x[n, c, 2 oy - ph + ky, 2 ox - pw + kx]
 * (x zero outside its H x W) for N images, with the weights transformed by
 * winograd_s2_weights_f32 at up. Images are xImg / yImg floats apart; OH x
 * OW is the output size (any size; outputs whose window leaves the image read
 * zeros). bt: tiles per block, a multiple of 8; nb: images padded at a time
 * (a block spans them; only speed depends on bt and nb). biasp = 0: no bias.
 * Scratch, in floats: the padded images nb C (4 TH + 1) (4 TWp + 4), then V
 * 25 (C bt + XI_PAD), then M 25 (Op bt + XI_PAD), with TH = ceil(OH / 2),
 * TWp = ceil(OW / 2) rounded up to 4, Op = O rounded up to 4.
 */
export function winograd_s2_conv_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, up: usize, yp: usize, yImg: usize, biasp: usize, bt: usize, nb: usize, scratchp: usize,
): void {
  const TH = (OH + 1) >> 1, TWp = (((OW + 1) >> 1) + 3) & ~3;
  const Hp = (TH << 2) + 1, Wp = (TWp << 2) + 4, plane = Hp * Wp, padImg = C * plane;
  const Op = (O + 3) & ~3;
  const pad = scratchp;
  const V = pad + ((nb * padImg) << 2);
  const M = V + ((25 * (C * bt + XI_PAD)) << 2);
  const T1 = TH * TWp;
  const vXi = (C * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  for (let n0: usize = 0; n0 < N; n0 += nb) {
    const count = min(nb, N - n0);
    for (let i: usize = 0; i < count; i++) conv_pad_f32(C, H, W, ph, pw, Hp, Wp, xp + (((n0 + i) * xImg) << 2), pad + ((i * padImg) << 2));
    const tiles = count * T1;
    for (let t0: usize = 0; t0 < tiles; t0 += bt) {
      const nt = min(bt, tiles - t0);
      inputTransform(C, nt, t0, T1, TWp, Wp, plane, padImg, pad, V, vXi);
      positionProducts(25, C, Op, up, V, vXi, M, mXi, bt, nt);
      outputTransform(O, OH, OW, nt, t0, T1, TWp, M, mXi, bt, biasp, yp + ((n0 * yImg) << 2), yImg);
    }
  }
}

/**
 * V[xi][p][c][lane] = (B^T d B)[xi] for tiles t0 .. t0 + nt of the padded
 * images (tile t of image t / T1; tile j of the block in panel p = j / 8,
 * lane j % 8), four tiles per vector; the lanes of a half-filled last panel
 * are zeroed.
 */
function inputTransform(C: usize, nt: usize, t0: usize, T1: usize, TWp: usize, Wp: usize, plane: usize, padImg: usize, pad: usize, V: usize, vXi: usize): void {
  const wb = Wp << 2;
  for (let j: usize = 0; j < nt; j += 4) {
    const t = t0 + j, img = t / T1, r = t % T1, ty = r / TWp, tx = r % TWp;
    const src = pad + ((img * padImg + ((ty * Wp) << 2) + (tx << 2)) << 2);
    let dst = V + ((((j >> 3) * C) << 3) + (j & 7) << 2);
    for (let c: usize = 0; c < C; c++) {
      const p = src + ((c * plane) << 2);
      // across the rows first (rows i of B^T d: d0 - d2, d2, d4 - d2, d1, d3), on the raw
      // row vectors; then each along x and stored at V[5 i + k]
      const p2 = p + 2 * wb;
      const a0 = v128.load(p2), a1 = v128.load(p2, 16), a2 = v128.load(p2, 32), a3 = v128.load(p2, 48), a4 = v128.load(p2, 64);
      storeRow5(dst, vXi, 0, f32x4.sub(v128.load(p), a0), f32x4.sub(v128.load(p, 16), a1), f32x4.sub(v128.load(p, 32), a2),
        f32x4.sub(v128.load(p, 48), a3), f32x4.sub(v128.load(p, 64), a4));
      storeRow5(dst, vXi, 1, a0, a1, a2, a3, a4);
      const p4 = p + 4 * wb;
      storeRow5(dst, vXi, 2, f32x4.sub(v128.load(p4), a0), f32x4.sub(v128.load(p4, 16), a1), f32x4.sub(v128.load(p4, 32), a2),
        f32x4.sub(v128.load(p4, 48), a3), f32x4.sub(v128.load(p4, 64), a4));
      const p1 = p + wb, p3 = p + 3 * wb;
      storeRow5(dst, vXi, 3, v128.load(p1), v128.load(p1, 16), v128.load(p1, 32), v128.load(p1, 48), v128.load(p1, 64));
      storeRow5(dst, vXi, 4, v128.load(p3), v128.load(p3, 16), v128.load(p3, 32), v128.load(p3, 48), v128.load(p3, 64));
      dst += 32;
    }
  }
  zeroPanelTail(25, C, nt, V, vXi);
}

/**
 * V[5 i + k] (k = 0..4) at dst + k vXi: the row (v0 .. v4 = floats 0..19 of
 * four tiles' row, tile t at floats 4 t .. 4 t + 4) gathered into columns
 * d_k (a vector over the tiles) and transformed along x:
 * (d0 - d2, d2, d4 - d2, d1, d3).
 */
// @ts-ignore: decorator
@inline function storeRow5(dst: usize, vXi: usize, i: usize, v0: v128, v1: v128, v2: v128, v3: v128, v4: v128): void {
  const lo01 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), lo23 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const hi01 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), hi23 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  const d0 = v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5), d1 = v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7);
  const d2 = v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5), d3 = v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7);
  const d4 = v128.shuffle<f32>(v128.shuffle<f32>(v1, v2, 0, 4, 0, 4), v128.shuffle<f32>(v3, v4, 0, 4, 0, 4), 0, 1, 4, 5);
  const q = dst + 5 * i * vXi;
  v128.store(q, f32x4.sub(d0, d2));
  v128.store(q + vXi, d2);
  v128.store(q + 2 * vXi, f32x4.sub(d4, d2));
  v128.store(q + 3 * vXi, d1);
  v128.store(q + 4 * vXi, d3);
}

/**
 * y[o, 2 ty + r, 2 tx + s] = bias[o] + (A^T M A)[r, s] for the block's tiles,
 * four tiles per vector; outputs past OH x OW (padding tiles, odd edges) are
 * not written.
 */
function outputTransform(
  O: usize, OH: usize, OW: usize, nt: usize, t0: usize, T1: usize, TWp: usize, M: usize, mXi: usize, bt: usize, biasp: usize, yn: usize, yImg: usize,
): void {
  for (let o: usize = 0; o < O; o++) {
    const bias = biasp != 0 ? v128.load32_splat(biasp + (o << 2)) : f32x4.splat(0);
    const mrow = M + ((o * bt) << 2);
    for (let j: usize = 0; j < nt; j += 4) {
      const t = t0 + j, img = t / T1, r = t % T1, oy = (r / TWp) << 1, ox = (r % TWp) << 1;
      if (ox >= OW) continue;
      const m = mrow + (j << 2);
      // A^T along x on each row i of M (a_i = m_i0 + m_i1 + m_i3, b_i = m_i1 + m_i2 + m_i4),
      // then along y (rows 0, 1, 3 and 1, 2, 4), plus the bias
      const q1 = m + 5 * mXi, q2 = m + 10 * mXi, q3 = m + 15 * mXi, q4 = m + 20 * mXi;
      const y00 = f32x4.add(f32x4.add(f32x4.add(sumA(m, mXi), sumA(q1, mXi)), sumA(q3, mXi)), bias);
      const y01 = f32x4.add(f32x4.add(f32x4.add(sumB(m, mXi), sumB(q1, mXi)), sumB(q3, mXi)), bias);
      const y10 = f32x4.add(f32x4.add(f32x4.add(sumA(q1, mXi), sumA(q2, mXi)), sumA(q4, mXi)), bias);
      const y11 = f32x4.add(f32x4.add(f32x4.add(sumB(q1, mXi), sumB(q2, mXi)), sumB(q4, mXi)), bias);
      const row0 = yn + ((img * yImg + (o * OH + oy) * OW + ox) << 2);
      storeOutputRow(row0, OW - ox, v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), v128.shuffle<f32>(y00, y01, 2, 6, 3, 7));
      if (oy + 1 < OH) storeOutputRow(row0 + (OW << 2), OW - ox, v128.shuffle<f32>(y10, y11, 0, 4, 1, 5), v128.shuffle<f32>(y10, y11, 2, 6, 3, 7));
    }
  }
}

/** m0 + m1 + m3 of the row of M at q (positions mXi bytes apart). */
// @ts-ignore: decorator
@inline function sumA(q: usize, mXi: usize): v128 {
  return f32x4.add(f32x4.add(v128.load(q), v128.load(q + mXi)), v128.load(q + 3 * mXi));
}

/** m1 + m2 + m4 of the row of M at q. */
// @ts-ignore: decorator
@inline function sumB(q: usize, mXi: usize): v128 {
  return f32x4.add(f32x4.add(v128.load(q + mXi), v128.load(q + 2 * mXi)), v128.load(q + 4 * mXi));
}
