// The input gradient of a 3x3 stride-2 convolution by Winograd (the
// transpose of winograd-s2.ts). Along one axis, with dy padded by one zero
// in front (gp[a + 1] = dy[a]), input position i of the padded input
// receives: even i = 2 b from taps 0 and 2, w0 dy[b] + w2 dy[b - 1]; odd
// i = 2 b + 1 from tap 1, w1 dy[b]. Four consecutive inputs therefore read
// three consecutive values e0, e1, e2 of gp: the two even ones are the 2-tap
// correlation (w2, w0) of (e0, e1, e2), F(2, 2) with 3 products, the two odd
// ones w1 times two of them, 2 products: 5 instead of 6. The tile of input
// pixels 4 t .. 4 t + 3 (unpadded) starts at padded position 4 t + p, whose
// parity P = p mod 2 decides the order; it reads gp at 2 t + ceil(p / 2):
//   B^T e = (e0 - e1, e1, e2 - e1, e1, e2)      P = 0
//           (e0 - e1, e1, e2 - e1, e0, e1)      P = 1
//   G' w  = (w2, w0 + w2, w0, w1, w1)           (winograd_s2_weights_f32 of the flipped kernel)
//   out   = (m0 + m1, m3, m1 + m2, m4)          P = 0
//           (m3, m0 + m1, m4, m1 + m2)          P = 1
// In two dimensions each 4x4 block of dx comes from a 3x3 tile of gp with
// 25 products per channel pair instead of 36; the sum over the output
// channels at each of the 25 positions is a GEMM on the 4x8 tile. Tiles do
// not overlap, so every dx pixel is written once, as one fixed expression of
// its image: results do not depend on how images or blocks are split.

import { conv_pad_f32 } from './conv';
import { XI_PAD, positionProducts, storeRow16, zeroPanelTail } from './winograd-layout';

/**
 * dx[n, c, iy, ix] = bias[c] + sum_{o, ky, kx} w[o, c, ky, kx] dy[n, o, a, b]
 * over 2 a - ph + ky = iy, 2 b - pw + kx = ix (dy zero outside OH x OW), for
 * N images of O-channel gradients dy into C-channel dx (H x W), with the
 * weights transformed by winograd_s2_weights_f32 (C rows of O, the kernel
 * flipped) at up. Images are gImg / xImg floats apart. bt: tiles per block,
 * a multiple of 8; nb: images padded at a time (only speed depends on bt and
 * nb). biasp = 0: no bias. Scratch, in floats: the padded gradients nb O
 * (2 TH + ceil(ph / 2) + 1) (2 TWp + ceil(pw / 2) + 2), then V
 * 25 (O bt + XI_PAD), then M 25 (Cp bt + XI_PAD), with TH = ceil(H / 4),
 * TWp = ceil(W / 4) rounded up to 4, Cp = C rounded up to 4.
 */
export function winograd_s2_dx_f32(
  N: usize, O: usize, OH: usize, OW: usize, C: usize, ph: usize, pw: usize, H: usize, W: usize,
  gp: usize, gImg: usize, up: usize, xp: usize, xImg: usize, biasp: usize, bt: usize, nb: usize, scratchp: usize,
): void {
  const TH = (H + 3) >> 2, TWp = (((W + 3) >> 2) + 3) & ~3;
  const qy = (ph + 1) >> 1, qx = (pw + 1) >> 1;
  const Hg = (TH << 1) + qy + 1, Wg = (TWp << 1) + qx + 2, plane = Hg * Wg, padImg = O * plane;
  const Cp = (C + 3) & ~3;
  const pad = scratchp;
  const V = pad + ((nb * padImg) << 2);
  const M = V + ((25 * (O * bt + XI_PAD)) << 2);
  const T1 = TH * TWp;
  const vXi = (O * bt + XI_PAD) << 2, mXi = (Cp * bt + XI_PAD) << 2;
  // the tiles' first row and column in gp
  const origin = (qy * Wg + qx) << 2;
  for (let n0: usize = 0; n0 < N; n0 += nb) {
    const count = min(nb, N - n0);
    for (let i: usize = 0; i < count; i++) conv_pad_f32(O, OH, OW, 1, 1, Hg, Wg, gp + (((n0 + i) * gImg) << 2), pad + ((i * padImg) << 2));
    const tiles = count * T1;
    for (let t0: usize = 0; t0 < tiles; t0 += bt) {
      const nt = min(bt, tiles - t0);
      inputTransform(O, nt, t0, T1, TWp, Wg, plane, padImg, pad + origin, V, vXi, ph & 1, pw & 1);
      positionProducts(25, O, Cp, up, V, vXi, M, mXi, bt, nt);
      outputTransform(C, H, W, nt, t0, T1, TWp, M, mXi, bt, biasp, xp + ((n0 * xImg) << 2), xImg, ph & 1, pw & 1);
    }
  }
}

/**
 * V[xi][p][o][lane] = (B^T e B)[xi] for tiles t0 .. t0 + nt (tile t of image
 * t / T1 reads the 3x3 window of gp at rows 2 ty, columns 2 tx from src),
 * four tiles per vector; the lanes of a half-filled last panel are zeroed.
 */
function inputTransform(
  O: usize, nt: usize, t0: usize, T1: usize, TWp: usize, Wg: usize, plane: usize, padImg: usize, src0: usize, V: usize, vXi: usize,
  Py: usize, Px: usize,
): void {
  const wb = Wg << 2;
  for (let j: usize = 0; j < nt; j += 4) {
    const t = t0 + j, img = t / T1, r = t % T1, ty = r / TWp, tx = r % TWp;
    const src = src0 + ((img * padImg + ((ty * Wg + tx) << 1)) << 2);
    let dst = V + ((((j >> 3) * O) << 3) + (j & 7) << 2);
    for (let o: usize = 0; o < O; o++) {
      const p0 = src + ((o * plane) << 2), p1 = p0 + wb, p2 = p1 + wb;
      // across the rows first, on the raw row vectors (floats 0..7 and 2..9 of the four tiles' rows)
      const a0 = v128.load(p0), b0 = v128.load(p0, 16), c0 = v128.load(p0, 8), d0 = v128.load(p0, 24);
      const a1 = v128.load(p1), b1 = v128.load(p1, 16), c1 = v128.load(p1, 8), d1 = v128.load(p1, 24);
      const a2 = v128.load(p2), b2 = v128.load(p2, 16), c2 = v128.load(p2, 8), d2 = v128.load(p2, 24);
      storeRow5(dst, vXi, 0, f32x4.sub(a0, a1), f32x4.sub(b0, b1), f32x4.sub(c0, c1), f32x4.sub(d0, d1), Px);
      storeRow5(dst, vXi, 1, a1, b1, c1, d1, Px);
      storeRow5(dst, vXi, 2, f32x4.sub(a2, a1), f32x4.sub(b2, b1), f32x4.sub(c2, c1), f32x4.sub(d2, d1), Px);
      if (Py == 0) {
        storeRow5(dst, vXi, 3, a1, b1, c1, d1, Px);
        storeRow5(dst, vXi, 4, a2, b2, c2, d2, Px);
      } else {
        storeRow5(dst, vXi, 3, a0, b0, c0, d0, Px);
        storeRow5(dst, vXi, 4, a1, b1, c1, d1, Px);
      }
      dst += 32;
    }
  }
  zeroPanelTail(25, O, nt, V, vXi);
}

/**
 * V[5 i + k] (k = 0..4) at dst + k vXi from one row of four tiles (tile t's
 * three values at floats 2 t .. 2 t + 2; a, b: floats 0..7, c, d: floats
 * 2..9), gathered into columns e0, e1, e2 over the tiles and transformed
 * along x for parity Px.
 */
// @ts-ignore: decorator
@inline function storeRow5(dst: usize, vXi: usize, i: usize, a: v128, b: v128, c: v128, d: v128, Px: usize): void {
  const e0 = v128.shuffle<f32>(a, b, 0, 2, 4, 6), e1 = v128.shuffle<f32>(a, b, 1, 3, 5, 7), e2 = v128.shuffle<f32>(c, d, 0, 2, 4, 6);
  const q = dst + 5 * i * vXi;
  v128.store(q, f32x4.sub(e0, e1));
  v128.store(q + vXi, e1);
  v128.store(q + 2 * vXi, f32x4.sub(e2, e1));
  v128.store(q + 3 * vXi, Px == 0 ? e1 : e0);
  v128.store(q + 4 * vXi, Px == 0 ? e2 : e1);
}

/**
 * dx[c, 4 ty + r, 4 tx + s] = bias[c] + (A^T M A)[r, s] for the block's
 * tiles, four tiles per vector; pixels past H x W are not written.
 */
function outputTransform(
  C: usize, H: usize, W: usize, nt: usize, t0: usize, T1: usize, TWp: usize, M: usize, mXi: usize, bt: usize, biasp: usize,
  xn: usize, xImg: usize, Py: usize, Px: usize,
): void {
  for (let c: usize = 0; c < C; c++) {
    const bias = biasp != 0 ? v128.load32_splat(biasp + (c << 2)) : f32x4.splat(0);
    const mrow = M + ((c * bt) << 2);
    for (let j: usize = 0; j < nt; j += 4) {
      const t = t0 + j, img = t / T1, rem = t % T1, iy = (rem / TWp) << 2, ix = (rem % TWp) << 2;
      if (ix >= W) continue;
      const m = mrow + (j << 2);
      const rowp = xn + ((img * xImg + (c * H + iy) * W + ix) << 2);
      const rows = min<usize>(4, H - iy);
      for (let r: usize = 0; r < rows; r++) {
        // along y (output row r of the tile), at the five columns; then along x, plus the bias
        const kind = r ^ Py;
        const k0 = alongY(m, mXi, kind), k1 = alongY(m + mXi, mXi, kind), k2 = alongY(m + 2 * mXi, mXi, kind);
        const k3 = alongY(m + 3 * mXi, mXi, kind), k4 = alongY(m + 4 * mXi, mXi, kind);
        const s01 = f32x4.add(f32x4.add(k0, k1), bias), s12 = f32x4.add(f32x4.add(k1, k2), bias);
        const s3 = f32x4.add(k3, bias), s4 = f32x4.add(k4, bias);
        // columns s = 0..3 of the four tiles, then transposed to each tile's four pixels
        const o0 = Px == 0 ? s01 : s3, o1 = Px == 0 ? s3 : s01, o2 = Px == 0 ? s12 : s4, o3 = Px == 0 ? s4 : s12;
        const lo01 = v128.shuffle<f32>(o0, o1, 0, 4, 1, 5), lo23 = v128.shuffle<f32>(o2, o3, 0, 4, 1, 5);
        const hi01 = v128.shuffle<f32>(o0, o1, 2, 6, 3, 7), hi23 = v128.shuffle<f32>(o2, o3, 2, 6, 3, 7);
        storeRow16(rowp + ((r * W) << 2), W - ix, v128.shuffle<f32>(lo01, lo23, 0, 1, 4, 5), v128.shuffle<f32>(lo01, lo23, 2, 3, 6, 7),
          v128.shuffle<f32>(hi01, hi23, 0, 1, 4, 5), v128.shuffle<f32>(hi01, hi23, 2, 3, 6, 7));
      }
    }
  }
}

/**
 * The row of M at the positions of one column (q: row 0 of the column) combined
 * along y for output kind: 0 m0 + m1, 1 m3, 2 m1 + m2, 3 m4.
 */
// @ts-ignore: decorator
@inline function alongY(q: usize, mXi: usize, kind: usize): v128 {
  if (kind == 0) return f32x4.add(v128.load(q), v128.load(q + 5 * mXi));
  if (kind == 1) return v128.load(q + 15 * mXi);
  if (kind == 2) return f32x4.add(v128.load(q + 5 * mXi), v128.load(q + 10 * mXi));
  return v128.load(q + 20 * mXi);
}
