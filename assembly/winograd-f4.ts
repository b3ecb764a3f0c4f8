// Winograd F(4x4, 3x3) convolution (Lavin & Gray 2016, "Fast algorithms for
// convolutional neural networks"): each 4x4 block of outputs of a 3x3,
// stride-1 convolution comes from a 6x6 input tile d as
//   Y = A^T [ sum_c (G g_c G^T) . (B^T d_c B) ] A
// with the interpolation points 0, +-1, +-2 and infinity:
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// so 36 element-wise products per tile and channel pair replace 144
// multiplications: 4x fewer (F(2x2, 3x3) in winograd.ts saves 2.25x). The
// sum over c at each of the 36 positions xi is a GEMM, M_xi (O x tiles) =
// U_xi (O x C) V_xi (C x tiles), on the 4x8 tile of tile.ts. The
// coefficients up to 8 (and G's sixths) make the float32 error larger than
// F(2x2)'s: max |err| / max |y| against float64 is 2.6-4.2e-6 on the
// ResNet-20 shapes and odd sizes (batch 2), against 1.8-2.9e-7 for F(2x2)
// and 2.5-6.3e-7 for a direct float32 sum; test/suites/conv-winograd-f4.test.mjs
// bounds it.
//
// Tiles are enumerated over (image, ty, tx), output tile (ty, tx) covering
// rows 4ty..4ty+3 and columns 4tx..4tx+3, so a block of tiles spans several
// images when the maps are small (a 7x7 output is 2x2 tiles): the GEMMs get
// enough columns and the transforms run on 4 tiles per vector whatever the
// row length. Each output is one fixed expression of its image alone, so
// results do not depend on how images or tile blocks are split.

import { conv_pad_f32 } from './conv';
import { XI_PAD, positionProducts } from './winograd-layout';

/**
 * U[xi][ob][c][i] = (G g G^T)[xi] (xi = 6 row + column) for output channel
 * o = 4 ob + i in [o0, o1) (zero rows from O up to a multiple of 4), g[o, c]
 * the 3x3 kernel with element (ky, kx) at wp + 4 (o so + c sc + ky sky + kx skx)
 * (negative strides flip it), computed in float64 and rounded once. Layout
 * (as winograd_f2_weights_f32's, 36 positions): outp + 4 ((((xi Op/4 + ob) C + c) 4) + i),
 * Op = O rounded up to 4; o0, o1 multiples of 4 (threads split the blocks).
 */
export function winograd_f4_weights_f32(O: usize, C: usize, o0: usize, o1: usize, wp: usize, so: isize, sc: isize, sky: isize, skx: isize, outp: usize): void {
  const Op = (O + 3) & ~3;
  const xiStride = (Op * C) << 2;
  for (let o = o0; o < min(o1, Op); o++) {
    for (let c: usize = 0; c < C; c++) {
      const dst = outp + ((((o >> 2) * C + c) << 2) + (o & 3) << 2);
      if (o >= O) {
        for (let xi: usize = 0; xi < 36; xi++) store<f32>(dst + xi * xiStride, 0);
        continue;
      }
      const base = <isize>wp + ((<isize>o * so + <isize>c * sc) << 2);
      const g00 = weightAt(base, 0, 0, sky, skx), g01 = weightAt(base, 0, 1, sky, skx), g02 = weightAt(base, 0, 2, sky, skx);
      const g10 = weightAt(base, 1, 0, sky, skx), g11 = weightAt(base, 1, 1, sky, skx), g12 = weightAt(base, 1, 2, sky, skx);
      const g20 = weightAt(base, 2, 0, sky, skx), g21 = weightAt(base, 2, 1, sky, skx), g22 = weightAt(base, 2, 2, sky, skx);
      // row i of G g, then U[i][j] = row j of G against it (unrolled: every gRow folds to its expression)
      storeURow(dst, xiStride, 0, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      storeURow(dst, xiStride, 1, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      storeURow(dst, xiStride, 2, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      storeURow(dst, xiStride, 3, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      storeURow(dst, xiStride, 4, g00, g01, g02, g10, g11, g12, g20, g21, g22);
      storeURow(dst, xiStride, 5, g00, g01, g02, g10, g11, g12, g20, g21, g22);
    }
  }
}

/** Row i of U = (G g) G^T, rounded to float32: positions 6 i .. 6 i + 5, xiStride bytes apart from dst. */
// @ts-ignore: decorator
@inline function storeURow(
  dst: usize, xiStride: usize, i: usize, g00: f64, g01: f64, g02: f64, g10: f64, g11: f64, g12: f64, g20: f64, g21: f64, g22: f64,
): void {
  const t0 = gRow(i, g00, g10, g20), t1 = gRow(i, g01, g11, g21), t2 = gRow(i, g02, g12, g22);
  const p = dst + 6 * i * xiStride;
  store<f32>(p, <f32>gRow(0, t0, t1, t2));
  store<f32>(p + xiStride, <f32>gRow(1, t0, t1, t2));
  store<f32>(p + 2 * xiStride, <f32>gRow(2, t0, t1, t2));
  store<f32>(p + 3 * xiStride, <f32>gRow(3, t0, t1, t2));
  store<f32>(p + 4 * xiStride, <f32>gRow(4, t0, t1, t2));
  store<f32>(p + 5 * xiStride, <f32>gRow(5, t0, t1, t2));
}

/** The kernel element (ky, kx) as float64. */
// @ts-ignore: decorator
@inline function weightAt(base: isize, ky: isize, kx: isize, sky: isize, skx: isize): f64 {
  return <f64>load<f32>(<usize>(base + ((ky * sky + kx * skx) << 2)));
}

/** Row i of G times (a, b, c). */
// @ts-ignore: decorator
@inline function gRow(i: usize, a: f64, b: f64, c: f64): f64 {
  if (i == 0) return a / 4;
  if (i == 1) return -(a + b + c) / 6;
  if (i == 2) return -(a - b + c) / 6;
  if (i == 3) return a / 24 + b / 12 + c / 6;
  if (i == 4) return a / 24 - b / 12 + c / 6;
  return c;
}

/**
 * y[n, o, oy, ox] = bias[o] + sum_{c, ky, kx} w[o, c, ky, kx] x[n, c, oy - ph + ky, ox - pw + kx]
 * (x zero outside its H x W) for N images, by F(4x4, 3x3) with the weights
 * transformed by winograd_f4_weights_f32 at up. Images are xImg / yImg
 * floats apart; OH x OW is the output size (any size; rows and columns the
 * image cannot reach read zeros). Images go nb at a time (zero-padded into
 * the scratch), their tiles in blocks of at most bt (a multiple of 8); only
 * speed depends on nb and bt. biasp = 0: no bias. Scratch, in floats:
 * nb C (4 TH + 2) (4 TW + 2) padded images, then V 36 (C bt + XI_PAD), then
 * M 36 (Op bt + XI_PAD), then 160 + 2 bt + 6 for the transforms' intermediates, with
 * TH = ceil(OH / 4), TW = ceil(OW / 4), Op = O rounded up to 4.
 */
export function winograd_f4_conv_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, up: usize, yp: usize, yImg: usize, biasp: usize, bt: usize, nb: usize, scratchp: usize,
): void {
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2, tpi = TH * TW;
  const Hp = (TH << 2) + 2, Wp = (TW << 2) + 2, plane = Hp * Wp;
  const Op = (O + 3) & ~3;
  const imgBytes = (C * plane) << 2;
  const pad = scratchp;
  const V = pad + nb * imgBytes;
  const vXi = (C * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  const M = V + 36 * vXi;
  const tmp = M + 36 * mXi;
  for (let n0: usize = 0; n0 < N; n0 += nb) {
    const images = min(nb, N - n0);
    for (let i: usize = 0; i < images; i++) conv_pad_f32(C, H, W, ph, pw, Hp, Wp, xp + (((n0 + i) * xImg) << 2), pad + i * imgBytes);
    // the images' tiles in equal blocks of whole 8-tile panels
    const T = images * tpi, blocks = (T + bt - 1) / bt, bs = ((T + blocks - 1) / blocks + 7) & ~7;
    for (let t0: usize = 0; t0 < T; t0 += bs) {
      const nt = min(bs, T - t0);
      inputTransform(C, nt, t0, tpi, TW, Wp, plane, imgBytes, pad, V, vXi, tmp, tmp + 640);
      positionProducts(36, C, Op, up, V, vXi, M, mXi, bt, nt);
      outputTransform(O, OH, OW, nt, t0, tpi, TW, M, mXi, bt, biasp, yp + ((n0 * yImg) << 2), yImg, tmp, tmp + 640);
    }
  }
}

/** Byte offset of tile t's top-left input in the padded images. */
// @ts-ignore: decorator
@inline function tileInput(t: usize, tpi: usize, TW: usize, Wp: usize, imgBytes: usize): usize {
  const r = t % tpi;
  return (t / tpi) * imgBytes + (((r / TW) * Wp + r % TW) << 4);
}

/**
 * V[xi][p][c][lane] = (B^T d B)[xi] for tiles t0 .. t0 + nt (tile j of the
 * block in panel p = j / 8, lane j % 8), four tiles per vector; lanes past
 * nt, up to the panel's end, repeat the last tile (their columns are
 * computed and discarded). tmp: 36 vectors of (d B); tab: nt + 7 u32 of
 * tile offsets.
 */
function inputTransform(C: usize, nt: usize, t0: usize, tpi: usize, TW: usize, Wp: usize, plane: usize, imgBytes: usize, pad: usize, V: usize, vXi: usize, tmp: usize, tab: usize): void {
  const rowB = Wp << 2, planeB = plane << 2, last = t0 + nt - 1, end = (nt + 7) & ~7;
  for (let j: usize = 0; j < end; j++) store<u32>(tab + (j << 2), <u32>tileInput(min(t0 + j, last), tpi, TW, Wp, imgBytes));
  // channel by channel, so each plane of the padded images is read in order
  for (let c: usize = 0; c < C; c++) {
    const pc = pad + c * planeB;
    for (let j: usize = 0; j < end; j += 4) {
      const tj = tab + (j << 2);
      const p0 = pc + load<u32>(tj), p1 = pc + load<u32>(tj, 4), p2 = pc + load<u32>(tj, 8), p3 = pc + load<u32>(tj, 12);
      const dst = V + ((((j >> 3) * C + c) << 3) + (j & 7) << 2);
      // rows of d, one column per vector (lane = tile), times B: tmp[6 i + k] = (d B)[i][k]
      for (let i: usize = 0; i < 6; i++) {
        const r = i * rowB;
        const a0 = v128.load(p0 + r), a1 = v128.load(p1 + r), a2 = v128.load(p2 + r), a3 = v128.load(p3 + r);
        const b0 = v128.load64_zero(p0 + r, 16), b1 = v128.load64_zero(p1 + r, 16);
        const b2 = v128.load64_zero(p2 + r, 16), b3 = v128.load64_zero(p3 + r, 16);
        const l01 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), l23 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
        const h01 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7), h23 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        const e01 = v128.shuffle<f32>(b0, b1, 0, 4, 1, 5), e23 = v128.shuffle<f32>(b2, b3, 0, 4, 1, 5);
        const d0 = v128.shuffle<f32>(l01, l23, 0, 1, 4, 5), d1 = v128.shuffle<f32>(l01, l23, 2, 3, 6, 7);
        const d2 = v128.shuffle<f32>(h01, h23, 0, 1, 4, 5), d3 = v128.shuffle<f32>(h01, h23, 2, 3, 6, 7);
        const d4 = v128.shuffle<f32>(e01, e23, 0, 1, 4, 5), d5 = v128.shuffle<f32>(e01, e23, 2, 3, 6, 7);
        storeBt(tmp + i * 96, 16, d0, d1, d2, d3, d4, d5);
      }
      // B^T over the rows: V[6 k' + k] from column k of tmp
      for (let k: usize = 0; k < 6; k++) {
        const q = tmp + (k << 4);
        storeBt(dst + k * vXi, vXi * 6, v128.load(q), v128.load(q, 96), v128.load(q, 192), v128.load(q, 288), v128.load(q, 384), v128.load(q, 480));
      }
    }
  }
}

/**
 * Stores B^T (d0 .. d5) at p, p + step, .., p + 5 step with the shared
 * differences factored: 4 (d0 - d2) + (d4 - d2), (d3 + d4) - 4 (d1 + d2),
 * (d4 - d3) + 4 (d1 - d2), (d4 - d2) +- 2 (d3 - d1), (d5 - d3) - 4 (d3 - d1).
 */
// @ts-ignore: decorator
@inline function storeBt(p: usize, step: usize, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128): void {
  const four = f32x4.splat(4);
  const e = f32x4.sub(d4, d2), g = f32x4.sub(d3, d1), g2 = f32x4.add(g, g);
  v128.store(p, f32x4.add(f32x4.mul(f32x4.sub(d0, d2), four), e));
  v128.store(p + step, f32x4.sub(f32x4.add(d3, d4), f32x4.mul(f32x4.add(d1, d2), four)));
  v128.store(p + step * 2, f32x4.add(f32x4.sub(d4, d3), f32x4.mul(f32x4.sub(d1, d2), four)));
  v128.store(p + step * 3, f32x4.add(e, g2));
  v128.store(p + step * 4, f32x4.sub(e, g2));
  v128.store(p + step * 5, f32x4.sub(f32x4.sub(d5, d3), f32x4.mul(g, four)));
}

/**
 * y[n, o, 4 ty + r, 4 tx + s] = bias[o] + (A^T M A)[r, s] for the block's
 * tiles (n relative to the block's first image at yn), four tiles per
 * vector; outputs past OH x OW are not written. tmp: 40 vectors of
 * intermediates; tab: 2 (nt + 3) u32 of tile positions.
 */
function outputTransform(O: usize, OH: usize, OW: usize, nt: usize, t0: usize, tpi: usize, TW: usize, M: usize, mXi: usize, bt: usize, biasp: usize, yn: usize, yImg: usize, tmp: usize, tab: usize): void {
  const plane = (OH * OW) << 2, rowB = OW << 2;
  // per tile: its first output's byte offset (channel 0) from yn, and (rows << 8) | columns present (no rows past nt)
  for (let j: usize = 0; j < nt + 3; j++) {
    const t = t0 + j, r = t % tpi, oy = (r / TW) << 2, ox = (r % TW) << 2;
    store<u32>(tab + (j << 3), <u32>((t / tpi) * (yImg << 2) + ((oy * OW + ox) << 2)));
    store<u32>(tab + (j << 3), j < nt ? <u32>(min(4, OH - oy) << 8 | min(4, OW - ox)) : 0, 4);
  }
  // output channel by channel, so each position's products are read in order
  const S = mXi * 6, rows = tmp + 384, four = f32x4.splat(4), eight = f32x4.splat(8);
  for (let o: usize = 0; o < O; o++) {
    const bias = biasp != 0 ? v128.load32_splat(biasp + (o << 2)) : f32x4.splat(0);
    const yo = yn + o * plane;
    for (let j: usize = 0; j < nt; j += 4) {
      // A^T over the rows, column by column: tmp[6 r + k] = (A^T M)[r][k] with a = m1 + m2,
      // b = m1 - m2, c = m3 + m4, d = m3 - m4: (m0 + a) + c, b + 2 d, a + 4 c, (b + 8 d) + m5
      let q = M + ((o * bt + j) << 2);
      for (let k: usize = 0; k < 6; k++) {
        const m0 = v128.load(q), m1 = v128.load(q + S), m2 = v128.load(q + S * 2), m3 = v128.load(q + S * 3), m4 = v128.load(q + S * 4), m5 = v128.load(q + S * 5);
        const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
        const t = tmp + (k << 4);
        v128.store(t, f32x4.add(f32x4.add(m0, a), c));
        v128.store(t, f32x4.add(b, f32x4.add(d, d)), 96);
        v128.store(t, f32x4.add(a, f32x4.mul(c, four)), 192);
        v128.store(t, f32x4.add(f32x4.add(b, f32x4.mul(d, eight)), m5), 288);
        q += mXi;
      }
      // the same over the columns plus the bias, then a 4x4 transpose: row r of each tile, stored in
      // place when the four tiles are whole, else to rows[4 l + r] for the clipped copy below
      const tj = tab + (j << 3);
      const full = (load<u32>(tj, 4) & load<u32>(tj, 12) & load<u32>(tj, 20) & load<u32>(tj, 28)) == FULL_TILE;
      let y0 = yo + load<u32>(tj), y1 = yo + load<u32>(tj, 8), y2 = yo + load<u32>(tj, 16), y3 = yo + load<u32>(tj, 24);
      for (let r: usize = 0; r < 4; r++) {
        const t = tmp + r * 96;
        const s0 = v128.load(t), s1 = v128.load(t, 16), s2 = v128.load(t, 32), s3 = v128.load(t, 48), s4 = v128.load(t, 64), s5 = v128.load(t, 80);
        const a = f32x4.add(s1, s2), b = f32x4.sub(s1, s2), c = f32x4.add(s3, s4), d = f32x4.sub(s3, s4);
        const u0 = f32x4.add(f32x4.add(f32x4.add(s0, a), c), bias);
        const u1 = f32x4.add(f32x4.add(b, f32x4.add(d, d)), bias);
        const u2 = f32x4.add(f32x4.add(a, f32x4.mul(c, four)), bias);
        const u3 = f32x4.add(f32x4.add(f32x4.add(b, f32x4.mul(d, eight)), s5), bias);
        const l01 = v128.shuffle<f32>(u0, u1, 0, 4, 1, 5), l23 = v128.shuffle<f32>(u2, u3, 0, 4, 1, 5);
        const h01 = v128.shuffle<f32>(u0, u1, 2, 6, 3, 7), h23 = v128.shuffle<f32>(u2, u3, 2, 6, 3, 7);
        const t0 = v128.shuffle<f32>(l01, l23, 0, 1, 4, 5), t1 = v128.shuffle<f32>(l01, l23, 2, 3, 6, 7);
        const t2 = v128.shuffle<f32>(h01, h23, 0, 1, 4, 5), t3 = v128.shuffle<f32>(h01, h23, 2, 3, 6, 7);
        if (full) {
          v128.store(y0, t0);
          v128.store(y1, t1);
          v128.store(y2, t2);
          v128.store(y3, t3);
          y0 += rowB; y1 += rowB; y2 += rowB; y3 += rowB;
        } else {
          const w = rows + (r << 4);
          v128.store(w, t0);
          v128.store(w, t1, 64);
          v128.store(w, t2, 128);
          v128.store(w, t3, 192);
        }
      }
      if (!full) {
        for (let l: usize = 0; l < 4; l++) {
          const f = load<u32>(tj + (l << 3), 4), cols = f & 255;
          let dst = yo + load<u32>(tj + (l << 3));
          for (let r: usize = 0; r < (f >> 8); r++) {
            storeRow(dst, v128.load(rows + (l << 6) + (r << 4)), cols);
            dst += rowB;
          }
        }
      }
    }
  }
}

/** A tile's entry in the output transform's table ((rows << 8) | columns) when all 16 outputs exist. */
// @ts-ignore: decorator
@inline const FULL_TILE: u32 = (4 << 8) | 4;

/** Stores the first n (1..4) floats of v at p. */
// @ts-ignore: decorator
@inline function storeRow(p: usize, v: v128, n: usize): void {
  if (n == 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

