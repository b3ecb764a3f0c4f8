// Parts shared by the Winograd weight gradients F(2x2, 3x3)
// (winograd-wgrad.ts), F(4x4, 3x3) (winograd-wgrad-f4.ts) and the stride-2
// ones (winograd-s2-wgrad.ts, winograd-s2-t7-wgrad.ts): the loop over
// images and tiles, the channels-last layout their transforms read, and the
// per-position products. Not exported from the module.

import { tile4x8 } from './tile';
import { XI_PAD } from './winograd-layout';
import { zeroF32 } from './mem';
import { gradientTile2, gradientTile4, gradientTileS2, gradientTileS2T7, imageTile2, imageTile4, imageTileS2, imageTileS2T7 } from './winograd-wgrad-tiles';

/**
 * dU[xi][o][c] (+)= sum over the N images' tiles of (A dY A^T)[xi] (B^T d B)[xi]
 * by F(m x m, 3x3) (m = 2 or 4), P = (m + 2)^2 positions, at stride 1, or by the
 * stride-2 transforms (m = 2, 5x5 input tiles, P = 25; m = 7, 15x15 input
 * tiles, P = 256): each image and its output gradient go
 * channels-last into frames (zero padding stays), their tiles into blocks of
 * bt slots in order, and each full block's products are added to dU. Layouts
 * and scratch as winograd_f2_wgrad_f32 / winograd_f4_wgrad_f32 /
 * winograd_s2_wgrad_f32 / winograd_s2t7_wgrad_f32 say.
 */
// @ts-ignore: decorator
@inline export function accumulateTiles(
  m: usize, stride: usize, N: usize, C: usize, H: usize, W: usize, O: usize, ph: usize, pw: usize, OH: usize, OW: usize,
  xp: usize, xImg: usize, gp: usize, gImg: usize, dup: usize, accumulate: bool, bt: usize, scratchp: usize,
): void {
  const P: usize = stride == 2 ? (m == 7 ? 256 : 25) : (m + 2) * (m + 2);
  // input pixels per tile step, and the tile's extra pixels past the next tile's start
  const span = m * stride, extra: usize = stride == 2 ? 1 : 2;
  const TH = (OH + m - 1) / m, TW = (OW + m - 1) / m;
  const Hp = TH * span + extra, Wp = TW * span + extra, Wg = TW * m;
  const Cp = (C + 7) & ~7, Op = (O + 3) & ~3;
  const px = scratchp;
  const pg = px + ((Hp * Wp * Cp) << 2);
  const V = pg + ((m * m * TH * TW * Op) << 2);
  const M = V + ((P * (Cp * bt + XI_PAD)) << 2);
  const rows = M + ((P * (Op * bt + XI_PAD)) << 2);
  // the frames' zeros (padding, channels past C, outputs past OH x OW) stay: images overwrite the same places
  zeroF32(px, Hp * Wp * Cp);
  zeroF32(pg, m * m * TH * TW * Op);
  if (!accumulate) zeroF32(dup, sums(P) * (Op * Cp + XI_PAD));
  const T = TH * TW;
  const vXi = (Cp * bt + XI_PAD) << 2, mXi = (Op * bt + XI_PAD) << 2;
  let fill: usize = 0;
  for (let n: usize = 0; n < N; n++) {
    toChannelsLast(C, H, W, ph, pw, Hp, Wp, Cp, xp + ((n * xImg) << 2), px);
    toChannelsLast(O, OH, OW, 0, 0, TH * m, Wg, Op, gp + ((n * gImg) << 2), pg);
    for (let t: usize = 0; t < T; t++) {
      const ty = t / TW, tx = t - ty * TW;
      const image = px + (((ty * Wp + tx) * span * Cp) << 2), gradient = pg + (((ty * Wg + tx) * m * Op) << 2);
      if (stride == 2 && m == 7) {
        imageTileS2T7(Cp, Wp, bt, vXi, image, V + (fill << 5), rows);
        gradientTileS2T7(Op, Wg, bt, mXi, gradient, M + (fill << 4), rows);
      } else if (stride == 2) {
        imageTileS2(Cp, Wp, bt, vXi, image, V + (fill << 5));
        gradientTileS2(Op, Wg, bt, mXi, gradient, M + (fill << 4));
      } else if (m == 4) {
        imageTile4(Cp, Wp, bt, vXi, image, V + (fill << 5), rows);
        gradientTile4(Op, Wg, bt, mXi, gradient, M + (fill << 4), rows);
      } else {
        imageTile2(Cp, Wp, bt, vXi, image, V + (fill << 5));
        gradientTile2(Op, Wg, bt, mXi, gradient, M + (fill << 4));
      }
      if (++fill == bt) {
        products(P, Cp, Op, bt, vXi, mXi, fill, V, M, dup);
        fill = 0;
      }
    }
  }
  if (fill > 0) products(P, Cp, Op, bt, vXi, mXi, fill, V, M, dup);
}

/**
 * out[(y, x)][c] = src[c, y - pt, x - pl] for the part of src (C planes of
 * H x W) inside the Hp x Wp frame, with rows of Cs floats per pixel. Other
 * entries are left as they are (the caller zeroes the frame once).
 */
export function toChannelsLast(C: usize, H: usize, W: usize, pt: usize, pl: usize, Hp: usize, Wp: usize, Cs: usize, src: usize, out: usize): void {
  const y1 = min(H + pt, Hp), x1 = min(W + pl, Wp);
  const n = x1 > pl ? x1 - pl : 0, pixel = Cs << 2, plane = (H * W) << 2;
  let c: usize = 0;
  // 4 channels by 4 pixels at a time: a 4x4 transpose
  for (; c + 4 <= C; c += 4) {
    for (let y = pt; y < y1; y++) {
      const p0 = src + ((c * H * W + (y - pt) * W) << 2), p1 = p0 + plane, p2 = p1 + plane, p3 = p2 + plane;
      let to = out + (((y * Wp + pl) * Cs + c) << 2);
      let x: usize = 0;
      for (; x + 4 <= n; x += 4) {
        const a0 = v128.load(p0 + (x << 2)), a1 = v128.load(p1 + (x << 2)), a2 = v128.load(p2 + (x << 2)), a3 = v128.load(p3 + (x << 2));
        const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
        const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
        v128.store(to, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
        v128.store(to + pixel, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
        v128.store(to + 2 * pixel, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
        v128.store(to + 3 * pixel, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
        to += pixel << 2;
      }
      for (; x < n; x++) {
        store<f32>(to, load<f32>(p0 + (x << 2)));
        store<f32>(to, load<f32>(p1 + (x << 2)), 4);
        store<f32>(to, load<f32>(p2 + (x << 2)), 8);
        store<f32>(to, load<f32>(p3 + (x << 2)), 12);
        to += pixel;
      }
    }
  }
  for (; c < C; c++) {
    for (let y = pt; y < y1; y++) {
      const from = src + ((c * H * W + (y - pt) * W) << 2);
      let to = out + (((y * Wp + pl) * Cs + c) << 2);
      for (let x: usize = 0; x < n; x++) {
        store<f32>(to, load<f32>(from + (x << 2)));
        to += pixel;
      }
    }
  }
}

/**
 * The sums dU keeps for P positions: one per position, except with 7x7
 * output tiles (P = 256), whose positions 16 i + j with i >= 9 (or j >= 9)
 * enter the kernel's gradient only through the sum over those i (or j) (the
 * rows 9..15 of G are all (0, 1, 0), see winograd-s2-t7-wgrad.ts): 10 x 10.
 */
// @ts-ignore: decorator
@inline export function sums(P: usize): usize {
  return P == 256 ? 100 : P;
}

/**
 * Rows o0 .. o1 (Cp floats each) of every one of the `count` sums of dU at
 * dup (Op Cp + XI_PAD floats apart) += the same rows of chunks 1 .. chunks - 1
 * (chunkB bytes apart), one chunk after another: each element becomes
 * ((d0 + d1) + d2) + .., the bits of adding whole chunks in turn. The weight
 * gradients' transforms back call it first, so the chunks' sums need no pass
 * of their own.
 */
export function addChunks(count: usize, Op: usize, Cp: usize, o0: usize, o1: usize, dup: usize, chunks: usize, chunkB: usize): void {
  if (chunks <= 1 || o1 <= o0) return;
  const sumB = (Op * Cp + XI_PAD) << 2, rowsB = ((o1 - o0) * Cp) << 2;
  for (let s: usize = 0; s < count; s++) {
    const p = dup + s * sumB + ((o0 * Cp) << 2);
    for (let j: usize = 0; j < rowsB; j += 16) {
      let v = v128.load(p + j);
      for (let k: usize = 1; k < chunks; k++) v = f32x4.add(v, v128.load(p + k * chunkB + j));
      v128.store(p + j, v);
    }
  }
}

/** Which of the sums(P) sums position xi adds to. */
// @ts-ignore: decorator
@inline function sumOf(P: usize, xi: usize): usize {
  return P == 256 ? 10 * min<usize>(xi >> 4, 9) + min<usize>(xi & 15, 9) : xi;
}

/**
 * dU[sumOf(xi)] += M_xi V_xi^T for the `positions` positions (slabs vXi, mXi bytes
 * apart; dU's Op Cp + XI_PAD floats apart, so that reading one element of
 * every sum does not land in one cache set) over the block's `fill` tiles:
 * 4 output channels by 8 input channels at a time, positions in order.
 */
export function products(positions: usize, Cp: usize, Op: usize, bt: usize, vXi: usize, mXi: usize, fill: usize, V: usize, M: usize, dup: usize): void {
  for (let xi: usize = 0; xi < positions; xi++) {
    const vx = V + xi * vXi, mx = M + xi * mXi, ux = dup + ((sumOf(positions, xi) * (Op * Cp + XI_PAD)) << 2);
    for (let cb: usize = 0; cb < Cp; cb += 8) {
      const pb = vx + ((cb * bt) << 2);
      for (let ob: usize = 0; ob < Op; ob += 4) {
        tile4x8(fill, mx + ((ob * bt) << 2), pb, ux + ((ob * Cp + cb) << 2), Cp << 2, true, 0, 0);
      }
    }
  }
}
