// The input gradient of a 3x3 stride-2 convolution by Winograd with 14x14
// tiles of dx (the transpose of winograd-s2-t7.ts; winograd-s2-dx.ts has 4x4
// ones). Along one axis, with dy padded by one zero in front, padded input
// position i receives: even i = 2 b from taps 0 and 2, w0 dy[b] + w2 dy[b - 1];
// odd i = 2 b + 1 from tap 1, w1 dy[b]. Fourteen consecutive inputs therefore
// read eight consecutive values e0..e7 of dy: their seven even ones are the
// 2-tap correlation (w2, w0) of e, their seven odd ones w1 times seven of
// them. The tile of inputs 14 t .. 14 t + 13 (unpadded) starts at padded
// position 14 t + p, whose parity P = p mod 2 decides the order:
//   P = 0: even_k = w2 e_k + w0 e_k+1, odd_k = w1 e_k+1 (pixels even_0, odd_0, even_1, ..)
//   P = 1: odd_k = w1 e_k, even_k = w2 e_k + w0 e_k+1   (pixels odd_0, even_0, odd_1, ..)
// with e_0 = dy[7 t + ceil(p / 2) - 1]. That is the forward's axis with the
// kernel flipped and d = (e0, e1, e1, e2, e2, .., e7, e7) (P = 0) or
// (e0, e0, e1, e1, .., e6, e6, e7) (P = 1): the same B^T (inputAxis, 16
// positions) and G (winograd_s2t7_weights_f32 of the flipped kernel), and A^T
// split into its even part (F(3, 2) and F(4, 2)) and odd part (the positions
// 9..15) written to alternate pixels. In two dimensions each 14x14 tile of dx
// comes from an 8x8 tile of dy with 256 products per channel pair instead of
// 49 x 9 (a 14x14 dx has sixteen 4x4 blocks of 25, 400). The sum over the
// output channels at each position is a GEMM on the 4x8 tile. Tiles do not
// overlap, so every dx pixel is written once, as one fixed expression of its
// image: results do not depend on how images or blocks are split.

import { XI_PAD, positionProducts, storeRow16, zeroPanelTail } from './winograd-layout';
import { P1, P2, inputAxis, placeTile, placedColumns, placedOffset, placedRows, windowTables } from './winograd-s2-t7-axis';

/** Byte offset in `rows` of the zero row (past the output transform's 14 x 16 vectors and 16 floats). */
// @ts-ignore: decorator
@inline const ZERO_ROW: usize = 3840;

/**
 * dx[n, c, iy, ix] = bias[c] + sum_{o, ky, kx} w[o, c, ky, kx] dy[n, o, a, b]
 * over 2 a - ph + ky = iy, 2 b - pw + kx = ix (dy zero outside OH x OW), for
 * N images of O-channel gradients dy into C-channel dx (H x W), with the
 * weights transformed by winograd_s2t7_weights_f32 (C rows of O, the kernel
 * flipped) at up. Images are gImg / xImg floats apart. bt: tiles per block,
 * a multiple of 8 (only speed depends on it). biasp = 0: no bias. The tiles
 * read dy where it is (no padded copy): a window's row may start a float
 * before its row and end up to 7 past it (the heap keeps READ_SLACK bytes
 * after every block), and masks zero what lies outside. Scratch, in floats:
 * V 256 (O bt + XI_PAD), then M 256 (Cp bt + XI_PAD), then 1160 for the
 * transforms' rows, the zero row and a group's masks and row tables, with
 * Cp = C rounded up to 4.
 */
export function winograd_s2t7_dx_f32(
  N: usize, O: usize, OH: usize, OW: usize, C: usize, ph: usize, pw: usize, H: usize, W: usize,
  gp: usize, gImg: usize, up: usize, xp: usize, xImg: usize, biasp: usize, bt: usize, scratchp: usize,
): void {
  const TH = (H + 13) / 14, TW = (W + 13) / 14;
  const Cp = (C + 3) & ~3;
  const V = scratchp;
  const M = V + ((P2 * (O * bt + XI_PAD)) << 2);
  const rows = M + ((P2 * (Cp * bt + XI_PAD)) << 2);
  const T1 = TH * TW, tiles = N * T1;
  const vXi = (O * bt + XI_PAD) << 2, mXi = (Cp * bt + XI_PAD) << 2;
  // the zero row the windows' rows outside dy read
  for (let i: usize = 0; i < 64; i += 16) v128.store(rows + ZERO_ROW + i, f32x4.splat(0));
  // a window's first row and column in dy: 7 t + ceil(p / 2) - 1 (the header's e_0)
  const sy = <isize>((ph + 1) >> 1) - 1, sx = <isize>((pw + 1) >> 1) - 1;
  for (let t0: usize = 0; t0 < tiles; t0 += bt) {
    const nt = min(bt, tiles - t0);
    inputTransform(O, OH, OW, sy, sx, nt, t0, T1, TW, gp, gImg, V, vXi, rows, ph & 1, pw & 1);
    positionProducts(P2, O, Cp, up, V, vXi, M, mXi, bt, nt, true);
    outputTransform(C, H, W, nt, t0, T1, TW, M, mXi, bt, biasp, xp, xImg, rows, ph & 1, pw & 1);
  }
}

/**
 * V[xi][p][o][lane] = (B^T e B)[xi] for tiles t0 .. t0 + nt (8x8 windows of
 * dy, tile (ty, tx) from row 7 ty + sy, column 7 tx + sx), four tiles per
 * vector (a last group's missing tiles repeat the block's last one: their
 * columns are computed and discarded); the lanes of a half-filled last panel
 * are zeroed. Each group first lays out, for its four tiles, the lane masks
 * of the window's 8 columns (inside OW) and each window row's address in
 * channel 0 and step per channel (rows outside dy: the zero row, step 0).
 * rows: scratch for 8 x 16 vectors; the zero row, masks and tables past ZERO_ROW.
 */
function inputTransform(
  O: usize, OH: usize, OW: usize, sy: isize, sx: isize, nt: usize, t0: usize, T1: usize, TW: usize, gp: usize, gImg: usize,
  V: usize, vXi: usize, rows: usize, Py: usize, Px: usize,
): void {
  const zero = rows + ZERO_ROW, masks = zero + 64, base = masks + 128, step = base + 128;
  const last = t0 + nt - 1;
  for (let j: usize = 0; j < nt; j += 4) {
    for (let l: usize = 0; l < 4; l++) {
      const t = min(t0 + j + l, last), rem = t % T1;
      windowTables(l, 8, 8, <isize>((rem / TW) * 7) + sy, <isize>((rem % TW) * 7) + sx, OH, OW,
        gp + (((t / T1) * gImg) << 2), zero, masks, base, step);
    }
    let dst = V + ((((j >> 3) * O) << 3) + (j & 7) << 2);
    for (let o: usize = 0; o < O; o++) {
      // along x: each of the 8 window rows, the four tiles' rows transposed into columns
      for (let r: usize = 0; r < 8; r++) {
        const e = r << 2;
        transformRowX(
          load<u32>(base + e) + o * load<u32>(step + e), load<u32>(base + e, 32) + o * load<u32>(step + e, 32),
          load<u32>(base + e, 64) + o * load<u32>(step + e, 64), load<u32>(base + e, 96) + o * load<u32>(step + e, 96),
          masks, rows + ((r * P1) << 4), Px,
        );
      }
      // along y: each of the 16 columns of the result, into the positions 16 py + px
      for (let px: usize = 0; px < P1; px++) {
        const q = rows + (px << 4);
        spreadAxis(v128.load(q), v128.load(q, 256), v128.load(q, 512), v128.load(q, 768), v128.load(q, 1024),
          v128.load(q, 1280), v128.load(q, 1536), v128.load(q, 1792), dst + px * vXi, P1 * vXi, Py);
      }
      dst += 32;
    }
  }
  zeroPanelTail(P2, O, (nt + 3) & ~3, V, vXi);
}

/**
 * Row i of four tiles (8 floats at a, b, c, d, masked by the four tiles' 8
 * lane masks at mk), transposed to 8 vectors over the tiles and transformed
 * along x into out[0..16] (16 bytes apart).
 */
// @ts-ignore: decorator
@inline function transformRowX(a: usize, b: usize, c: usize, d: usize, mk: usize, out: usize, P: usize): void {
  const a0 = v128.and(v128.load(a), v128.load(mk)), b0 = v128.and(v128.load(b), v128.load(mk, 32));
  const c0 = v128.and(v128.load(c), v128.load(mk, 64)), d0 = v128.and(v128.load(d), v128.load(mk, 96));
  const x0 = v128.shuffle<f32>(a0, b0, 0, 4, 1, 5), y0 = v128.shuffle<f32>(c0, d0, 0, 4, 1, 5);
  const x1 = v128.shuffle<f32>(a0, b0, 2, 6, 3, 7), y1 = v128.shuffle<f32>(c0, d0, 2, 6, 3, 7);
  const a1 = v128.and(v128.load(a, 16), v128.load(mk, 16)), b1 = v128.and(v128.load(b, 16), v128.load(mk, 48));
  const c1 = v128.and(v128.load(c, 16), v128.load(mk, 80)), d1 = v128.and(v128.load(d, 16), v128.load(mk, 112));
  const x2 = v128.shuffle<f32>(a1, b1, 0, 4, 1, 5), y2 = v128.shuffle<f32>(c1, d1, 0, 4, 1, 5);
  const x3 = v128.shuffle<f32>(a1, b1, 2, 6, 3, 7), y3 = v128.shuffle<f32>(c1, d1, 2, 6, 3, 7);
  spreadAxis(
    v128.shuffle<f32>(x0, y0, 0, 1, 4, 5), v128.shuffle<f32>(x0, y0, 2, 3, 6, 7), v128.shuffle<f32>(x1, y1, 0, 1, 4, 5), v128.shuffle<f32>(x1, y1, 2, 3, 6, 7),
    v128.shuffle<f32>(x2, y2, 0, 1, 4, 5), v128.shuffle<f32>(x2, y2, 2, 3, 6, 7), v128.shuffle<f32>(x3, y3, 0, 1, 4, 5), v128.shuffle<f32>(x3, y3, 2, 3, 6, 7),
    out, 16, P,
  );
}

/** B^T of the forward's axis on e0..e7 spread for parity P (see the header), stored at out + k stride (k = 0..15). */
// @ts-ignore: decorator
@inline function spreadAxis(e0: v128, e1: v128, e2: v128, e3: v128, e4: v128, e5: v128, e6: v128, e7: v128, out: usize, stride: usize, P: usize): void {
  if (P == 0) inputAxis(e0, e1, e1, e2, e2, e3, e3, e4, e4, e5, e5, e6, e6, e7, e7, out, stride);
  else inputAxis(e0, e0, e1, e1, e2, e2, e3, e3, e4, e4, e5, e5, e6, e6, e7, out, stride);
}

/**
 * dx[c, 14 ty + r, 14 tx + s] = bias[c] + (A^T M A)[r, s] for the block's
 * tiles (A^T: the even and odd parts interleaved for the parity), four tiles
 * per vector; pixels past H x W are not written. rows: scratch for 14 x 16
 * vectors, then 16.
 */
function outputTransform(
  C: usize, H: usize, W: usize, nt: usize, t0: usize, T1: usize, TW: usize, M: usize, mXi: usize, bt: usize, biasp: usize,
  xn: usize, xImg: usize, rows: usize, Py: usize, Px: usize,
): void {
  const col = rows + ((14 * P1) << 4), ys = P1 * mXi;
  for (let c: usize = 0; c < C; c++) {
    const bias = biasp != 0 ? v128.load32_splat(biasp + (c << 2)) : f32x4.splat(0);
    for (let j: usize = 0; j < nt; j += 4) {
      const m = M + ((c * bt + j) << 2);
      // along y: each of the 16 columns of positions into 14 rows
      for (let px: usize = 0; px < P1; px++) {
        const q = m + px * mXi;
        pixelAxis(
          v128.load(q), v128.load(q + ys), v128.load(q + 2 * ys), v128.load(q + 3 * ys), v128.load(q + 4 * ys), v128.load(q + 5 * ys),
          v128.load(q + 6 * ys), v128.load(q + 7 * ys), v128.load(q + 8 * ys), v128.load(q + 9 * ys), v128.load(q + 10 * ys),
          v128.load(q + 11 * ys), v128.load(q + 12 * ys), v128.load(q + 13 * ys), v128.load(q + 14 * ys), v128.load(q + 15 * ys),
          rows + (px << 4), P1 << 4, Py,
        );
      }
      // along x: each of the 14 rows into its 14 columns (vectors over the four tiles), then stored tile by tile
      const tiles = min<usize>(4, nt - j), plane = xn + ((c * H * W) << 2);
      const at0 = placeTile(t0 + j, T1, TW, 14, H, W, xImg), at1 = tiles > 1 ? placeTile(t0 + j + 1, T1, TW, 14, H, W, xImg) : 0;
      const at2 = tiles > 2 ? placeTile(t0 + j + 2, T1, TW, 14, H, W, xImg) : 0, at3 = tiles > 3 ? placeTile(t0 + j + 3, T1, TW, 14, H, W, xImg) : 0;
      for (let r: usize = 0; r < 14; r++) {
        const q = rows + ((r * P1) << 4);
        pixelAxis(
          v128.load(q), v128.load(q, 16), v128.load(q, 32), v128.load(q, 48), v128.load(q, 64), v128.load(q, 80), v128.load(q, 96), v128.load(q, 112),
          v128.load(q, 128), v128.load(q, 144), v128.load(q, 160), v128.load(q, 176), v128.load(q, 192), v128.load(q, 208), v128.load(q, 224), v128.load(q, 240),
          col, 16, Px,
        );
        const rowB = plane + ((r * W) << 2);
        for (let l: usize = 0; l < tiles; l++) {
          const at = l == 0 ? at0 : l == 1 ? at1 : l == 2 ? at2 : at3;
          if (placedRows(at) <= r) continue;
          // lane l of columns 0..13, four at a time
          storeRow16(rowB + placedOffset(at), placedColumns(at),
            f32x4.add(laneOf4(col, l), bias), f32x4.add(laneOf4(col + 64, l), bias), f32x4.add(laneOf4(col + 128, l), bias),
            f32x4.add(laneOf4(col + 192, l), bias));
        }
      }
    }
  }
}

/** Lane l of the four vectors at p (16 bytes apart), as one vector. */
// @ts-ignore: decorator
@inline function laneOf4(p: usize, l: usize): v128 {
  const q = p + (l << 2);
  let v = v128.load32_zero(q);
  v = v128.load32_lane(q + 16, v, 1);
  v = v128.load32_lane(q + 32, v, 2);
  return v128.load32_lane(q + 48, v, 3);
}

/**
 * The 14 pixels of one axis from its 16 positions m0..m15, at out + k stride
 * (k = 0..13): the even part's F(3, 2) and F(4, 2) outputs
 * (m0 + m1 + m2, m1 - m2, m1 + m2 + m3, m4 + m5 + m6 + m7, m5 - m6 - 2 m7, m5 + m6 + 4 m7, m5 - m6 - 8 m7 + m8)
 * and the odd part's m9..m15 alternating, the even first for P = 0.
 */
// @ts-ignore: decorator
@inline function pixelAxis(
  m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128,
  m8: v128, m9: v128, m10: v128, m11: v128, m12: v128, m13: v128, m14: v128, m15: v128, out: usize, stride: usize, P: usize,
): void {
  const s12 = f32x4.add(m1, m2), s56 = f32x4.add(m5, m6), d56 = f32x4.sub(m5, m6);
  const m7x2 = f32x4.add(m7, m7), m7x4 = f32x4.add(m7x2, m7x2);
  const ev = out + P * stride, od = out + (P ^ 1) * stride, s2 = 2 * stride;
  v128.store(ev, f32x4.add(m0, s12));
  v128.store(ev + s2, f32x4.sub(m1, m2));
  v128.store(ev + 2 * s2, f32x4.add(s12, m3));
  v128.store(ev + 3 * s2, f32x4.add(f32x4.add(m4, s56), m7));
  v128.store(ev + 4 * s2, f32x4.sub(d56, m7x2));
  v128.store(ev + 5 * s2, f32x4.add(s56, m7x4));
  v128.store(ev + 6 * s2, f32x4.add(f32x4.sub(d56, f32x4.add(m7x4, m7x4)), m8));
  v128.store(od, m9);
  v128.store(od + s2, m10);
  v128.store(od + 2 * s2, m11);
  v128.store(od + 3 * s2, m12);
  v128.store(od + 4 * s2, m13);
  v128.store(od + 5 * s2, m14);
  v128.store(od + 6 * s2, m15);
}
