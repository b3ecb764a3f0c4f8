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
//
// The input transform reads the images where they are, with no zero-padded
// copy: a table gives each tile's 6 window rows in x, and the tiles whose
// window crosses the image's edge (put after the others in their block)
// have the values outside zeroed by masks after loading, so every tile sees
// exactly the zeros a padded image would hold.

import { XI_PAD, positionProducts } from './winograd-layout';
import { F4_WEIGHTS, transformWeights } from './winograd-weights';

/**
 * U[xi][ob][c][i] = (G g G^T)[xi] (xi = 6 row + column) for output channel
 * o = 4 ob + i in [o0, o1) (zero rows from O up to a multiple of 4), g[o, c]
 * the 3x3 kernel with element (ky, kx) at wp + 4 (o so + c sc + ky sky + kx skx)
 * (negative strides flip it), computed in float64 and rounded once. Layout
 * (as winograd_f2_weights_f32's, 36 positions): outp + 4 ((((xi Op/4 + ob) C + c) 4) + i),
 * Op = O rounded up to 4; o0, o1 multiples of 4 (threads split the blocks).
 * Scratch: weightScratchBytes(F4_WEIGHTS) (winograd-weights.ts), 2376 floats.
 */
export function winograd_f4_weights_f32(
  O: usize, C: usize, o0: usize, o1: usize, wp: usize, so: isize, sc: isize, sky: isize, skx: isize, outp: usize, scratchp: usize,
): void {
  transformWeights(F4_WEIGHTS, O, C, o0, o1, wp, so, sc, sky, skx, outp, scratchp);
}

/**
 * y[n, o, oy, ox] = bias[o] + sum_{c, ky, kx} w[o, c, ky, kx] x[n, c, oy - ph + ky, ox - pw + kx]
 * (x zero outside its H x W) for N images, by F(4x4, 3x3) with the weights
 * transformed by winograd_f4_weights_f32 at up. Images are xImg / yImg
 * floats apart; OH x OW is the output size (any size; rows and columns the
 * image cannot reach read zeros). Images go nb at a time, their tiles in
 * blocks of at most bt (a multiple of 8); only speed depends on nb and bt.
 * biasp = 0: no bias. With `accumulate`, y += the convolution instead (each
 * output f32(y + conv), y's old values read just before they are written).
 * The input transform reads x where it is (no padded
 * copy): it may read up to 20 bytes before a row's start and past its end,
 * so the memory must extend 20 bytes past the last image (the heap keeps
 * READ_SLACK bytes after every block). Scratch, in floats: V 36 (C bt + XI_PAD),
 * then M 36 (Op bt + XI_PAD), then 160 for the transforms' intermediates,
 * then 46 S for the tables of nb images' tiles, with Op = O rounded up to 4,
 * S = nb TH TW rounded up to 8, plus 8, TH = ceil(OH / 4), TW = ceil(OW / 4).
 */
export function winograd_f4_conv_f32(
  N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, up: usize, yp: usize, yImg: usize, biasp: usize, accumulate: bool, bt: usize, nb: usize, scratchp: usize,
): void {
  const TH = (OH + 3) >> 2, TW = (OW + 3) >> 2, tpi = TH * TW;
  const Op = (O + 3) & ~3;
  const vXi = (C * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  const V = scratchp;
  const M = V + 36 * vXi;
  const tmp = M + 36 * mXi;
  // after tmp's 40 vectors, per slot s of the batch's blocks (S of them): masks (36 vectors per 4 slots),
  // tiles (order), row offsets (6), the output transform's entries (2) and the masked rows (a u32 per 4 slots)
  const S = ((nb * tpi + 7) & ~7) + 8;
  const masks = tmp + 640, order = masks + S * 144, rowsOf = order + (S << 2);
  const outTab = rowsOf + S * 24, maskedRows = outTab + (S << 3);
  let built: usize = 0;
  for (let n0: usize = 0; n0 < N; n0 += nb) {
    const images = min(nb, N - n0);
    // the images' tiles in equal blocks of whole 8-tile panels; the tables repeat from batch to batch
    const T = images * tpi, blocks = (T + bt - 1) / bt, bs = ((T + blocks - 1) / blocks + 7) & ~7;
    if (images != built) {
      for (let t0: usize = 0; t0 < T; t0 += bs) {
        const nt = min(bs, T - t0), o = order + (t0 << 2);
        orderTiles(H, W, ph, pw, TW, tpi, t0, nt, o);
        sourceRows(H, W, ph, pw, TW, tpi, xImg, nt, o, rowsOf + t0 * 24, masks + t0 * 144, maskedRows + t0);
        outputTable(OH, OW, nt, o, tpi, TW, yImg, outTab + (t0 << 3));
      }
      built = images;
    }
    const xn = xp + ((n0 * xImg) << 2), yn = yp + ((n0 * yImg) << 2);
    for (let t0: usize = 0; t0 < T; t0 += bs) {
      const nt = min(bs, T - t0);
      inputTransform(C, nt, (H * W) << 2, xn, rowsOf + t0 * 24, masks + t0 * 144, maskedRows + t0, V, vXi, tmp);
      positionProducts(36, C, Op, up, V, vXi, M, mXi, bt, nt);
      outputTransform(O, OH, OW, nt, M, mXi, bt, biasp, accumulate, yn, tmp, outTab + (t0 << 3));
    }
  }
}

/** The first input row of tile t (rows 4 ty - ph .. + 5; may be negative), ty = (t % tpi) / TW. */
// @ts-ignore: decorator
@inline function tileTop(t: usize, tpi: usize, TW: usize, ph: usize): isize {
  return (<isize>((t % tpi) / TW) << 2) - <isize>ph;
}

/** The first input column of tile t (columns 4 tx - pw .. + 5; may be negative), tx = t % tpi % TW. */
// @ts-ignore: decorator
@inline function tileLeft(t: usize, tpi: usize, TW: usize, pw: usize): isize {
  return (<isize>((t % tpi) % TW) << 2) - <isize>pw;
}

/** Bit i (0..5) set when a + i lies in 0 .. n - 1: the window rows (or columns) inside the image. */
// @ts-ignore: decorator
@inline function inside(a: isize, n: usize): u32 {
  const lo = <u32>min<isize>(6, max<isize>(0, -a)), hi = <u32>min<isize>(6, max<isize>(0, <isize>n - a));
  return hi > lo ? ((1 << hi) - 1) & ~((1 << lo) - 1) : 0;
}

/** inside(..) when all six rows (columns) of a window are inside the image. */
// @ts-ignore: decorator
@inline const ALL_SIX: u32 = 0x3f;

/**
 * order[j] = the block's tiles t0 .. t0 + nt, those whose window lies inside
 * the image first (so most groups of four need no masks), then the others,
 * each in tile order; slots nt .. nt + 7 repeat the last. Every output is
 * computed alone, so the order changes no result.
 */
function orderTiles(H: usize, W: usize, ph: usize, pw: usize, TW: usize, tpi: usize, t0: usize, nt: usize, order: usize): void {
  let j: usize = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (let t = t0; t < t0 + nt; t++) {
      const whole = (inside(tileTop(t, tpi, TW, ph), H) & inside(tileLeft(t, tpi, TW, pw), W)) == ALL_SIX;
      if (whole == (pass == 0)) store<u32>(order + (j++ << 2), <u32>t);
    }
  }
  const last = load<u32>(order + ((nt - 1) << 2));
  for (; j < nt + 8; j++) store<u32>(order + (j << 2), last);
}

/**
 * rowsOf[6 j + i] = the byte offset from the first image's channel 0 of the
 * 6 floats that slot j's window row i reads: its row and first column when
 * the row is inside the image and some of its columns are (the load may
 * start up to 5 floats before the row and end up to 5 past it), else the
 * image's first row (the loaded values are masked). For each 4 slots (a
 * vector of tiles) whose windows are not all inside, bit i of maskedRows
 * marks a row with values outside, and masks[36 q + 6 i + k] keeps (lane
 * all ones) or zeroes lane l's column k of window row i.
 */
function sourceRows(H: usize, W: usize, ph: usize, pw: usize, TW: usize, tpi: usize, xImg: usize, nt: usize, order: usize, rowsOf: usize, masks: usize, maskedRows: usize): void {
  const end = (nt + 7) & ~7;
  for (let j: usize = 0; j < end; j++) {
    const t = <usize>load<u32>(order + (j << 2));
    const y = tileTop(t, tpi, TW, ph), x = tileLeft(t, tpi, TW, pw), cols = inside(x, W);
    const base = <isize>(((t / tpi) * xImg) << 2);
    for (let i: isize = 0; i < 6; i++) {
      const inRow = y + i >= 0 && y + i < <isize>H && cols != 0;
      const off = inRow ? base + ((((y + i) * <isize>W) + x) << 2) : base;
      store<u32>(rowsOf + ((j * 6 + <usize>i) << 2), <u32>off);
    }
  }
  for (let q: usize = 0; q < end; q += 4) {
    let rowBits: u32 = 0;
    const mq = masks + q * 144;
    for (let l: usize = 0; l < 4; l++) {
      const t = <usize>load<u32>(order + ((q + l) << 2));
      const rows = inside(tileTop(t, tpi, TW, ph), H), cols = inside(tileLeft(t, tpi, TW, pw), W);
      for (let i: u32 = 0; i < 6; i++) {
        const rowIn = (rows >> i) & 1;
        if (rowIn == 0 || cols != ALL_SIX) rowBits |= 1 << i;
        for (let k: u32 = 0; k < 6; k++) store<u32>(mq + ((((i * 6 + k) << 2) + <u32>l) << 2), rowIn & (cols >> k) & 1 ? 0xffffffff : 0);
      }
    }
    store<u32>(maskedRows + q, rowBits);
  }
}

/**
 * V[xi][p][c][lane] = (B^T d B)[xi] for the block's slots (slot j in panel
 * p = j / 8, lane j % 8), four tiles per vector, d read from x at xn
 * (channel planes planeB bytes apart) through rowsOf, with masks zeroing
 * what lies outside the image (see sourceRows). tmp: 36 vectors of (d B).
 */
function inputTransform(C: usize, nt: usize, planeB: usize, xn: usize, rowsOf: usize, masks: usize, maskedRows: usize, V: usize, vXi: usize, tmp: usize): void {
  const end = (nt + 7) & ~7;
  // channel by channel, so each plane of the images is read in order
  for (let c: usize = 0; c < C; c++) {
    const xc = xn + c * planeB;
    for (let j: usize = 0; j < end; j += 4) {
      const r0 = rowsOf + j * 24, masked = load<u32>(maskedRows + j), mq = masks + j * 144;
      const dst = V + ((((j >> 3) * C + c) << 3) + (j & 7) << 2);
      // rows of d, one column per vector (lane = tile), times B: tmp[6 i + k] = (d B)[i][k]
      for (let i: usize = 0; i < 6; i++) {
        const ri = r0 + (i << 2);
        const p0 = xc + load<u32>(ri), p1 = xc + load<u32>(ri, 24), p2 = xc + load<u32>(ri, 48), p3 = xc + load<u32>(ri, 72);
        const a0 = v128.load(p0), a1 = v128.load(p1), a2 = v128.load(p2), a3 = v128.load(p3);
        const b0 = v128.load64_zero(p0, 16), b1 = v128.load64_zero(p1, 16);
        const b2 = v128.load64_zero(p2, 16), b3 = v128.load64_zero(p3, 16);
        const l01 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), l23 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
        const h01 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7), h23 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        const e01 = v128.shuffle<f32>(b0, b1, 0, 4, 1, 5), e23 = v128.shuffle<f32>(b2, b3, 0, 4, 1, 5);
        let d0 = v128.shuffle<f32>(l01, l23, 0, 1, 4, 5), d1 = v128.shuffle<f32>(l01, l23, 2, 3, 6, 7);
        let d2 = v128.shuffle<f32>(h01, h23, 0, 1, 4, 5), d3 = v128.shuffle<f32>(h01, h23, 2, 3, 6, 7);
        let d4 = v128.shuffle<f32>(e01, e23, 0, 1, 4, 5), d5 = v128.shuffle<f32>(e01, e23, 2, 3, 6, 7);
        if ((masked >> <u32>i) & 1) {
          const m = mq + i * 96;
          d0 = v128.and(d0, v128.load(m)); d1 = v128.and(d1, v128.load(m, 16)); d2 = v128.and(d2, v128.load(m, 32));
          d3 = v128.and(d3, v128.load(m, 48)); d4 = v128.and(d4, v128.load(m, 64)); d5 = v128.and(d5, v128.load(m, 80));
        }
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
 * The output transform's table for a block of nt tiles (tiles in order, u32):
 * per slot j < nt + 3, the byte offset of its first output (channel 0) from
 * the first image's, and (rows << 8) | columns present (0 past nt).
 */
function outputTable(OH: usize, OW: usize, nt: usize, order: usize, tpi: usize, TW: usize, yImg: usize, tab: usize): void {
  for (let j: usize = 0; j < nt + 3; j++) {
    const t = <usize>load<u32>(order + (j << 2)), r = t % tpi, oy = (r / TW) << 2, ox = (r % TW) << 2;
    store<u32>(tab + (j << 3), <u32>((t / tpi) * (yImg << 2) + ((oy * OW + ox) << 2)));
    store<u32>(tab + (j << 3), j < nt ? <u32>(min(4, OH - oy) << 8 | min(4, OW - ox)) : 0, 4);
  }
}

/**
 * y[n, o, 4 ty + r, 4 tx + s] = bias[o] + (A^T M A)[r, s] for the block's
 * tiles (placed by tab, see outputTable, from the first image's at yn),
 * four tiles per vector, added to y's values with `accumulate`; outputs
 * past OH x OW are not written. tmp: 40 vectors of intermediates.
 */
function outputTransform(O: usize, OH: usize, OW: usize, nt: usize, M: usize, mXi: usize, bt: usize, biasp: usize, accumulate: bool, yn: usize, tmp: usize, tab: usize): void {
  const plane = (OH * OW) << 2, rowB = OW << 2;
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
          v128.store(y0, accumulate ? f32x4.add(v128.load(y0), t0) : t0);
          v128.store(y1, accumulate ? f32x4.add(v128.load(y1), t1) : t1);
          v128.store(y2, accumulate ? f32x4.add(v128.load(y2), t2) : t2);
          v128.store(y3, accumulate ? f32x4.add(v128.load(y3), t3) : t3);
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
            const v = v128.load(rows + (l << 6) + (r << 4));
            storeRow(dst, accumulate ? f32x4.add(loadRow(dst, cols), v) : v, cols);
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

/** The n (1..4) floats at p in the first lanes of a vector (the others 0). */
// @ts-ignore: decorator
@inline function loadRow(p: usize, n: usize): v128 {
  if (n == 4) return v128.load(p);
  let v = v128.load32_zero(p);
  if (n > 1) v = v128.load32_lane(p + 4, v, 1);
  if (n > 2) v = v128.load32_lane(p + 8, v, 2);
  return v;
}

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

