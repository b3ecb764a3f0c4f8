// Winograd convolution for 3x3 kernels at stride 2 with 7x7 output tiles
// (winograd-s2.ts has 2x2 ones). Along one axis, seven outputs of a stride-2
// 3-tap correlation read fifteen inputs d0..d14:
//   y_i = w0 d_2i + w1 d_2i+1 + w2 d_2i+2   (i = 0..6),
// the 2-tap correlation (w0, w2) of the even inputs e_k = d_2k plus the 1-tap
// w1 on the odd ones. The even part is computed as F(3, 2) for y0..y2 (points
// 0, +-1 and infinity, 4 products) and F(4, 2) for y3..y6 (points 0, +-1, -2
// and infinity, 5 products), the odd part directly (7 products): 16 instead
// of 21. With f_k = e_3+k:
//   B^T d = (e0 - e2, e1 + e2, e2 - e1, e3 - e1,
//            2 f0 + f1 - 2 f2 - f3, 2 f1 + 3 f2 + f3, f2 + f3 - 2 f1, f1 - f3, 2 f3 - 2 f1 - f2 + f4,
//            d1, d3, d5, d7, d9, d11, d13)
//   G g   = (w0, (w0 + w2)/2, (w0 - w2)/2, w2,
//            w0/2, (w0 + w2)/6, (w0 - w2)/2, (w0 - 2 w2)/6, w2,  w1 (7 times))
//   y     = (m0 + m1 + m2, m1 - m2, m1 + m2 + m3,
//            m4 + m5 + m6 + m7, m5 - m6 - 2 m7, m5 + m6 + 4 m7, m5 - m6 - 8 m7 + m8) + (m9 .. m15)
// y = A^T [(G g) . (B^T d)]. In two dimensions each 7x7 block of outputs comes
// from the 15x15 input tile at rows 14 ty .. 14 ty + 14 (columns likewise) of
// the padded image as Y = A^T [ sum_c (G g_c G^T) . (B^T d_c B) ] A: 256
// products per tile and channel pair instead of 441 (400 with 2x2 tiles, which
// need sixteen of them for a 7x7 map). The sum over c at each of the 256
// positions is a GEMM on the 4x8 tile (positionProducts). The splitting keeps
// the points small (a single F(7, 2) would need +-1/2 and 8 points, with 225
// products but a float32 error about seven times larger).
//
// Tiles are enumerated over (image, ty, tx) and transformed four at a time,
// one per vector lane, so a block spans images whatever the map size (a 7x7
// output is one tile). Each output is one fixed expression of its image
// alone, so results do not depend on how images or tile blocks are split.

import { XI_PAD, positionProducts, storeOutputRow, zeroPanelTail } from './winograd-layout';
import { P1, P2, inputAxis, inputColumns, placeTile, placedColumns, placedOffset, placedRows, windowTables } from './winograd-s2-t7-axis';
import { T7_WEIGHTS, transformWeights } from './winograd-weights';

/**
 * U[u][ob][c][i] = (G g G^T)[xi] for the U_POSITIONS distinct positions
 * (u = 10 row + column, rows and columns 0..9; position xi = 16 i + j reads
 * u = distinctPosition(xi), winograd-s2-t7-axis.ts) for output channel
 * o = 4 ob + i in [o0, o1) (zero rows from O up to a multiple of 4), g[o, c]
 * the 3x3 kernel with element (ky, kx) at wp + 4 (o so + c sc + ky sky + kx skx),
 * computed in float64 and rounded once. Layout:
 * outp + 4 ((((u Op/4 + ob) C + c) 4) + i), Op = O rounded up to 4; o0, o1
 * multiples of 4 (threads split the blocks). Scratch:
 * weightScratchBytes(T7_WEIGHTS) (winograd-weights.ts), 3200 floats.
 */
export function winograd_s2t7_weights_f32(
  O: usize, C: usize, o0: usize, o1: usize, wp: usize, so: isize, sc: isize, sky: isize, skx: isize, outp: usize, scratchp: usize,
): void {
  transformWeights(T7_WEIGHTS, O, C, o0, o1, wp, so, sc, sky, skx, outp, scratchp);
}

/**
 * y[n, o, oy, ox] = bias[o] + sum_{c, ky, kx} w[o, c, ky, kx] x[n, c, 2 oy - ph + ky, 2 ox - pw + kx]
 * (x zero outside its H x W) for N images, with the weights transformed by
 * winograd_s2t7_weights_f32 at up. Images are xImg / yImg floats apart; OH x
 * OW is the output size (any size; outputs whose window leaves the image read
 * zeros). The windows are read where they are, with up to pw floats before a
 * row and 13 + pw after it masked: pw <= 3 keeps the reads within the
 * heap's READ_SLACK past x's end. bt: tiles per block, a multiple of 8 (a
 * block spans images; only speed depends on it). biasp = 0: no bias.
 * Scratch, in floats: V 256 (C bt + XI_PAD), then M 256 (Op bt + XI_PAD),
 * then 1160 for the transforms' rows (15 x 16 vectors) and the tiles' masks
 * and row tables, with Op = O rounded up to 4.
 */
export function winograd_s2t7_conv_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, up: usize, yp: usize, yImg: usize, biasp: usize, bt: usize, scratchp: usize,
): void {
  const TH = (OH + 6) / 7, TW = (OW + 6) / 7;
  const Op = (O + 3) & ~3;
  const V = scratchp;
  const M = V + ((P2 * (C * bt + XI_PAD)) << 2);
  const rows = M + ((P2 * (Op * bt + XI_PAD)) << 2);
  const T1 = TH * TW, tiles = N * T1;
  const vXi = (C * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  // the zero row the windows' rows outside the image read
  for (let i: usize = 0; i < 64; i += 16) v128.store(rows + 3840 + i, f32x4.splat(0));
  for (let t0: usize = 0; t0 < tiles; t0 += bt) {
    const nt = min(bt, tiles - t0);
    inputTransform(C, H, W, ph, pw, nt, t0, T1, TW, xp, xImg, V, vXi, rows);
    positionProducts(P2, C, Op, up, V, vXi, M, mXi, bt, nt, true);
    outputTransform(O, OH, OW, nt, t0, T1, TW, M, mXi, bt, biasp, yp, yImg, rows);
  }
}

/**
 * V[xi][p][c][lane] = (B^T d B)[xi] for tiles t0 .. t0 + nt of the images
 * (tile j of the block in panel p = j / 8, lane j % 8), four tiles per vector
 * (a last group's missing tiles repeat the block's last one: their columns
 * are computed and discarded); the lanes of a half-filled last panel are
 * zeroed. Each group first lays out, for its four tiles, the lane masks of
 * the window's 16 columns (inside the image's W) and each window row's
 * address in channel 0 and step per channel (rows outside the image: the
 * zero row, step 0). rows: scratch for 15 x 16 vectors, then the zero row,
 * the masks and the tables.
 */
function inputTransform(
  C: usize, H: usize, W: usize, ph: usize, pw: usize, nt: usize, t0: usize, T1: usize, TW: usize, xp: usize, xImg: usize,
  V: usize, vXi: usize, rows: usize,
): void {
  const zero = rows + 3840, masks = zero + 64, base = masks + 256, step = base + 240;
  const last = t0 + nt - 1;
  for (let j: usize = 0; j < nt; j += 4) {
    for (let l: usize = 0; l < 4; l++) {
      const t = min(t0 + j + l, last), rem = t % T1;
      windowTables(l, 15, 16, <isize>((rem / TW) * 14) - <isize>ph, <isize>((rem % TW) * 14) - <isize>pw, H, W,
        xp + (((t / T1) * xImg) << 2), zero, masks, base, step);
    }
    let dst = V + ((((j >> 3) * C) << 3) + (j & 7) << 2);
    for (let c: usize = 0; c < C; c++) {
      // along x: each of the 15 window rows, the four tiles' rows transposed into columns
      for (let r: usize = 0; r < 15; r++) {
        const e = r << 2;
        transformRowX(
          load<u32>(base + e) + c * load<u32>(step + e), load<u32>(base + e, 60) + c * load<u32>(step + e, 60),
          load<u32>(base + e, 120) + c * load<u32>(step + e, 120), load<u32>(base + e, 180) + c * load<u32>(step + e, 180),
          masks, rows + ((r * P1) << 4),
        );
      }
      // along y: each of the 16 columns of the result, into the positions 16 py + px
      inputColumns(rows, dst, vXi);
      dst += 32;
    }
  }
  zeroPanelTail(P2, C, (nt + 3) & ~3, V, vXi);
}

/**
 * Row i of four tiles (16 floats at a, b, c, d, masked by the four tiles' 4
 * lane masks at mk), transposed to 15 vectors over the tiles and transformed
 * along x into out[0..16] (16 bytes apart).
 */
// @ts-ignore: decorator
@inline function transformRowX(a: usize, b: usize, c: usize, d: usize, mk: usize, out: usize): void {
  const a0 = v128.and(v128.load(a), v128.load(mk, 0)), b0 = v128.and(v128.load(b), v128.load(mk, 64));
  const c0 = v128.and(v128.load(c), v128.load(mk, 128)), d0 = v128.and(v128.load(d), v128.load(mk, 192));
  const x0 = v128.shuffle<f32>(a0, b0, 0, 4, 1, 5), y0 = v128.shuffle<f32>(c0, d0, 0, 4, 1, 5);
  const x1 = v128.shuffle<f32>(a0, b0, 2, 6, 3, 7), y1 = v128.shuffle<f32>(c0, d0, 2, 6, 3, 7);
  const a1 = v128.and(v128.load(a, 16), v128.load(mk, 16)), b1 = v128.and(v128.load(b, 16), v128.load(mk, 80));
  const c1 = v128.and(v128.load(c, 16), v128.load(mk, 144)), d1 = v128.and(v128.load(d, 16), v128.load(mk, 208));
  const x2 = v128.shuffle<f32>(a1, b1, 0, 4, 1, 5), y2 = v128.shuffle<f32>(c1, d1, 0, 4, 1, 5);
  const x3 = v128.shuffle<f32>(a1, b1, 2, 6, 3, 7), y3 = v128.shuffle<f32>(c1, d1, 2, 6, 3, 7);
  const a2 = v128.and(v128.load(a, 32), v128.load(mk, 32)), b2 = v128.and(v128.load(b, 32), v128.load(mk, 96));
  const c2 = v128.and(v128.load(c, 32), v128.load(mk, 160)), d2 = v128.and(v128.load(d, 32), v128.load(mk, 224));
  const x4 = v128.shuffle<f32>(a2, b2, 0, 4, 1, 5), y4 = v128.shuffle<f32>(c2, d2, 0, 4, 1, 5);
  const x5 = v128.shuffle<f32>(a2, b2, 2, 6, 3, 7), y5 = v128.shuffle<f32>(c2, d2, 2, 6, 3, 7);
  const a3 = v128.and(v128.load(a, 48), v128.load(mk, 48)), b3 = v128.and(v128.load(b, 48), v128.load(mk, 112));
  const c3 = v128.and(v128.load(c, 48), v128.load(mk, 176)), d3 = v128.and(v128.load(d, 48), v128.load(mk, 240));
  const x6 = v128.shuffle<f32>(a3, b3, 0, 4, 1, 5), y6 = v128.shuffle<f32>(c3, d3, 0, 4, 1, 5);
  const x7 = v128.shuffle<f32>(a3, b3, 2, 6, 3, 7), y7 = v128.shuffle<f32>(c3, d3, 2, 6, 3, 7);
  inputAxis(
    v128.shuffle<f32>(x0, y0, 0, 1, 4, 5), v128.shuffle<f32>(x0, y0, 2, 3, 6, 7), v128.shuffle<f32>(x1, y1, 0, 1, 4, 5), v128.shuffle<f32>(x1, y1, 2, 3, 6, 7),
    v128.shuffle<f32>(x2, y2, 0, 1, 4, 5), v128.shuffle<f32>(x2, y2, 2, 3, 6, 7), v128.shuffle<f32>(x3, y3, 0, 1, 4, 5), v128.shuffle<f32>(x3, y3, 2, 3, 6, 7),
    v128.shuffle<f32>(x4, y4, 0, 1, 4, 5), v128.shuffle<f32>(x4, y4, 2, 3, 6, 7), v128.shuffle<f32>(x5, y5, 0, 1, 4, 5), v128.shuffle<f32>(x5, y5, 2, 3, 6, 7),
    v128.shuffle<f32>(x6, y6, 0, 1, 4, 5), v128.shuffle<f32>(x6, y6, 2, 3, 6, 7), v128.shuffle<f32>(x7, y7, 0, 1, 4, 5),
    out, 16,
  );
}

/**
 * y[o, 7 ty + r, 7 tx + s] = bias[o] + (A^T M A)[r, s] for the block's
 * tiles, four tiles per vector; outputs past OH x OW are not written. rows:
 * scratch for 7 x 16 vectors, then 8.
 */
function outputTransform(
  O: usize, OH: usize, OW: usize, nt: usize, t0: usize, T1: usize, TW: usize, M: usize, mXi: usize, bt: usize, biasp: usize, yn: usize, yImg: usize,
  rows: usize,
): void {
  const col = rows + ((7 * P1) << 4), ys = P1 * mXi;
  for (let o: usize = 0; o < O; o++) {
    const bias = biasp != 0 ? v128.load32_splat(biasp + (o << 2)) : f32x4.splat(0);
    for (let j: usize = 0; j < nt; j += 4) {
      const m = M + ((o * bt + j) << 2);
      // along y: each of the 16 columns of positions into 7 rows
      for (let px: usize = 0; px < P1; px++) {
        const q = m + px * mXi;
        outputAxis(
          v128.load(q), v128.load(q + ys), v128.load(q + 2 * ys), v128.load(q + 3 * ys), v128.load(q + 4 * ys), v128.load(q + 5 * ys),
          v128.load(q + 6 * ys), v128.load(q + 7 * ys), v128.load(q + 8 * ys), v128.load(q + 9 * ys), v128.load(q + 10 * ys),
          v128.load(q + 11 * ys), v128.load(q + 12 * ys), v128.load(q + 13 * ys), v128.load(q + 14 * ys), v128.load(q + 15 * ys),
          rows + (px << 4), P1 << 4,
        );
      }
      // along x: each of the 7 rows into its 7 columns (vectors over the four tiles), then stored tile by tile
      const tiles = min<usize>(4, nt - j), plane = yn + ((o * OH * OW) << 2);
      const at0 = placeTile(t0 + j, T1, TW, 7, OH, OW, yImg), at1 = tiles > 1 ? placeTile(t0 + j + 1, T1, TW, 7, OH, OW, yImg) : 0;
      const at2 = tiles > 2 ? placeTile(t0 + j + 2, T1, TW, 7, OH, OW, yImg) : 0, at3 = tiles > 3 ? placeTile(t0 + j + 3, T1, TW, 7, OH, OW, yImg) : 0;
      for (let r: usize = 0; r < 7; r++) {
        const q = rows + ((r * P1) << 4);
        outputAxis(
          v128.load(q), v128.load(q, 16), v128.load(q, 32), v128.load(q, 48), v128.load(q, 64), v128.load(q, 80), v128.load(q, 96), v128.load(q, 112),
          v128.load(q, 128), v128.load(q, 144), v128.load(q, 160), v128.load(q, 176), v128.load(q, 192), v128.load(q, 208), v128.load(q, 224), v128.load(q, 240),
          col, 16,
        );
        const c0 = f32x4.add(v128.load(col), bias), c1 = f32x4.add(v128.load(col, 16), bias), c2 = f32x4.add(v128.load(col, 32), bias);
        const c3 = f32x4.add(v128.load(col, 48), bias), c4 = f32x4.add(v128.load(col, 64), bias), c5 = f32x4.add(v128.load(col, 80), bias);
        const c6 = f32x4.add(v128.load(col, 96), bias);
        // transposed: tile l's row is (lo_l, hi_l)
        const p01 = v128.shuffle<f32>(c0, c1, 0, 4, 1, 5), p23 = v128.shuffle<f32>(c2, c3, 0, 4, 1, 5);
        const q01 = v128.shuffle<f32>(c0, c1, 2, 6, 3, 7), q23 = v128.shuffle<f32>(c2, c3, 2, 6, 3, 7);
        const p45 = v128.shuffle<f32>(c4, c5, 0, 4, 1, 5), p67 = v128.shuffle<f32>(c6, c6, 0, 4, 1, 5);
        const q45 = v128.shuffle<f32>(c4, c5, 2, 6, 3, 7), q67 = v128.shuffle<f32>(c6, c6, 2, 6, 3, 7);
        const rowB = (r * OW) << 2;
        storeTileRow(plane + rowB, r, at0, v128.shuffle<f32>(p01, p23, 0, 1, 4, 5), v128.shuffle<f32>(p45, p67, 0, 1, 4, 5));
        storeTileRow(plane + rowB, r, at1, v128.shuffle<f32>(p01, p23, 2, 3, 6, 7), v128.shuffle<f32>(p45, p67, 2, 3, 6, 7));
        storeTileRow(plane + rowB, r, at2, v128.shuffle<f32>(q01, q23, 0, 1, 4, 5), v128.shuffle<f32>(q45, q67, 0, 1, 4, 5));
        storeTileRow(plane + rowB, r, at3, v128.shuffle<f32>(q01, q23, 2, 3, 6, 7), v128.shuffle<f32>(q45, q67, 2, 3, 6, 7));
      }
    }
  }
}

/** Row r of a tile placed at `at` (placeTile) from (lo, hi), plane being its channel's plane plus r rows, when the tile has that row. */
// @ts-ignore: decorator
@inline function storeTileRow(plane: usize, r: usize, at: u64, lo: v128, hi: v128): void {
  if (placedRows(at) > r) storeOutputRow(plane + placedOffset(at), placedColumns(at), lo, hi);
}

/** A^T m (see the header) for the 16 positions m0..m15, stored at out + k stride (k = 0..6). */
// @ts-ignore: decorator
@inline function outputAxis(
  m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, m6: v128, m7: v128,
  m8: v128, m9: v128, m10: v128, m11: v128, m12: v128, m13: v128, m14: v128, m15: v128, out: usize, stride: usize,
): void {
  const s12 = f32x4.add(m1, m2), s56 = f32x4.add(m5, m6), d56 = f32x4.sub(m5, m6);
  const m7x2 = f32x4.add(m7, m7), m7x4 = f32x4.add(m7x2, m7x2);
  v128.store(out, f32x4.add(f32x4.add(m0, s12), m9));
  v128.store(out + stride, f32x4.add(f32x4.sub(m1, m2), m10));
  v128.store(out + 2 * stride, f32x4.add(f32x4.add(s12, m3), m11));
  v128.store(out + 3 * stride, f32x4.add(f32x4.add(f32x4.add(m4, s56), m7), m12));
  v128.store(out + 4 * stride, f32x4.add(f32x4.sub(d56, m7x2), m13));
  v128.store(out + 5 * stride, f32x4.add(f32x4.add(s56, m7x4), m14));
  v128.store(out + 6 * stride, f32x4.add(f32x4.add(f32x4.sub(d56, f32x4.add(m7x4, m7x4)), m8), m15));
}
