// The 3x3 kernels' Winograd transforms U = G g G^T of F(4x4, 3x3)
// (winograd-f4.ts) and of the stride-2 7x7 tiles (winograd-s2-t7.ts, whose
// header derives its G: its rows 9..15 are equal, so only 10 x 10 of the
// 256 positions are distinct and only those are kept), computed in float64
// and rounded once to float32,
// two output channels at a time, one per float64 lane: each lane runs the
// same IEEE operations as one channel at a time would.
//
// The layout U[xi][ob][c][i] puts the positions Op C floats apart: written
// channel by channel, every store would go to another line, and with Op C a
// multiple of 1024 all of them to one cache set. So a block of 4 output
// channels by a few input channels is transformed into scratch first,
// [xi][c][i] (small enough for L1), then copied out a position at a time as
// contiguous runs. Not exported from the module.

import { U_POSITIONS, U_SIDE } from './winograd-s2-t7-axis';

/** Which transform: F(4x4, 3x3) (36 positions) or the stride-2 7x7 tiles (the 100 distinct of 256, winograd-s2-t7-axis.ts U_SIDE). */
// @ts-ignore: decorator
@inline export const F4_WEIGHTS = 0;
// @ts-ignore: decorator
@inline export const T7_WEIGHTS = 1;

/** Input channels per block of the scratch: 16 for F(4x4) (9 KiB), 8 for the 7x7 tiles (12.5 KiB: both stay in L1). */
// @ts-ignore: decorator
@inline function blockChannels(kind: i32): usize {
  return kind == F4_WEIGHTS ? 16 : 8;
}

/** Bytes of scratch the transform of `kind` needs: a block's positions, then (F(4x4)) G g as 6 x 3 float64 pairs. */
// @ts-ignore: decorator
@inline export function weightScratchBytes(kind: i32): usize {
  return kind == F4_WEIGHTS ? 36 * (blockChannels(kind) << 4) + 288 : U_POSITIONS * (blockChannels(kind) << 4);
}

/**
 * U[xi][ob][c][i] = (G g G^T)[xi] for output channel o = 4 ob + i in [o0, o1)
 * (o0, o1 multiples of 4; channels from O up to Op = O rounded up to 4 read
 * as zero) and every input channel c, g[o, c] the 3x3 kernel with element
 * (ky, kx) at wp + 4 (o so + c sc + ky sky + kx skx) (negative strides flip
 * it), at outp + 4 ((((xi Op/4 + ob) C + c) 4) + i). Scratch:
 * weightScratchBytes(kind).
 */
// @ts-ignore: decorator
@inline export function transformWeights(
  kind: i32, O: usize, C: usize, o0: usize, o1: usize, wp: usize, so: isize, sc: isize, sky: isize, skx: isize, outp: usize, scratchp: usize,
): void {
  const P: usize = kind == F4_WEIGHTS ? 36 : U_POSITIONS, B = blockChannels(kind), xs = B << 4;
  const Op = (O + 3) & ~3;
  const xiStride = (Op * C) << 2, temp = scratchp + P * xs;
  for (let ob = o0 >> 2; ob < min(o1, Op) >> 2; ob++) {
    for (let c0: usize = 0; c0 < C; c0 += B) {
      const nc = min(B, C - c0);
      for (let cl: usize = 0; cl < nc; cl++) {
        for (let h: usize = 0; h < 2; h++) {
          // output channels o, o + 1 in the float64 lanes
          const o = (ob << 2) + (h << 1);
          const base = <isize>wp + ((<isize>o * so + <isize>(c0 + cl) * sc) << 2);
          const slot = scratchp + (cl << 4) + (h << 3);
          if (kind == F4_WEIGHTS) f4Pair(base, so, o < O, o + 1 < O, sky, skx, slot, xs, temp);
          else t7Pair(base, so, o < O, o + 1 < O, sky, skx, slot, xs);
        }
      }
      copyPositions(P, nc, scratchp, xs, outp + ((ob * C + c0) << 4), xiStride);
    }
  }
}

/** Copies a block's P positions of nc channels x 4 floats from scratch (xs bytes apart) to out + xi xiStride, where they are contiguous. */
function copyPositions(P: usize, nc: usize, scratchp: usize, xs: usize, out: usize, xiStride: usize): void {
  for (let xi: usize = 0; xi < P; xi++) {
    const from = scratchp + xi * xs, to = out + xi * xiStride;
    for (let cl: usize = 0; cl < nc; cl++) v128.store(to + (cl << 4), v128.load(from + (cl << 4)));
  }
}

/**
 * Kernel tap (ky, kx) of the output channels at base (lane 0) and so floats
 * further (lane 1), widened to float64; a channel that is not there (has0 /
 * has1 false) reads zero.
 */
// @ts-ignore: decorator
@inline function tapPair(base: isize, so: isize, has0: bool, has1: bool, ky: isize, kx: isize, sky: isize, skx: isize): v128 {
  const at = base + ((ky * sky + kx * skx) << 2);
  const a: f64 = has0 ? <f64>load<f32>(<usize>at) : 0;
  const b: f64 = has1 ? <f64>load<f32>(<usize>(at + (so << 2))) : 0;
  return f64x2.replace_lane(f64x2.splat(a), 1, b);
}

/** v at p: as float32 (each lane rounded once, 8 bytes) when `round`, else as two float64. */
// @ts-ignore: decorator
@inline function put(p: usize, v: v128, round: bool): void {
  if (round) v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
  else v128.store(p, v);
}

// ---- F(4x4, 3x3): 6 x 6 positions, xi = 6 row + column

/** One output-channel pair's 36 positions from slot on (xs bytes apart): G on each kernel column into temp, then G on each row of that. */
function f4Pair(base: isize, so: isize, has0: bool, has1: bool, sky: isize, skx: isize, slot: usize, xs: usize, temp: usize): void {
  for (let x: isize = 0; x < 3; x++) {
    applyG(tapPair(base, so, has0, has1, 0, x, sky, skx), tapPair(base, so, has0, has1, 1, x, sky, skx),
      tapPair(base, so, has0, has1, 2, x, sky, skx), temp + (<usize>x << 4), 48, false);
  }
  for (let i: usize = 0; i < 6; i++) {
    const r = temp + i * 48;
    applyG(v128.load(r), v128.load(r, 16), v128.load(r, 32), slot + 6 * i * xs, xs, true);
  }
}

/**
 * The six rows of F(4x4, 3x3)'s G times (a, b, c):
 * (a/4, -(a + b + c)/6, -(a - b + c)/6, a/24 + b/12 + c/6, a/24 - b/12 + c/6, c),
 * stored stride bytes apart from p (rounded when `round`). Each division by
 * 3 2^k is one by 3 then an exact scaling by 2^-k, the same bits (float32
 * inputs never come near float64's subnormals): five divisions serve six rows.
 */
// @ts-ignore: decorator
@inline function applyG(a: v128, b: v128, c: v128, p: usize, stride: usize, round: bool): void {
  const three = f64x2.splat(3), half = f64x2.splat(0.5), quarter = f64x2.splat(0.25), eighth = f64x2.splat(0.125);
  const s1 = f64x2.div(f64x2.add(f64x2.add(a, b), c), three), s2 = f64x2.div(f64x2.add(f64x2.sub(a, b), c), three);
  const a3 = f64x2.mul(f64x2.div(a, three), eighth), b3 = f64x2.mul(f64x2.div(b, three), quarter), c3 = f64x2.mul(f64x2.div(c, three), half);
  put(p, f64x2.mul(a, quarter), round);
  put(p + stride, f64x2.neg(f64x2.mul(s1, half)), round);
  put(p + 2 * stride, f64x2.neg(f64x2.mul(s2, half)), round);
  put(p + 3 * stride, f64x2.add(f64x2.add(a3, b3), c3), round);
  put(p + 4 * stride, f64x2.add(f64x2.sub(a3, b3), c3), round);
  put(p + 5 * stride, c, round);
}

// ---- stride-2 7x7 tiles: 16 x 16 positions, of which the 10 x 10 distinct are kept, u = 10 row + column

/**
 * One output-channel pair's 100 distinct positions from slot on (xs bytes
 * apart): G along x on each kernel row gives column px of G g^T (column 9
 * standing for the equal 9..15), then G along y on each column.
 */
function t7Pair(base: isize, so: isize, has0: bool, has1: bool, sky: isize, skx: isize, slot: usize, xs: usize): void {
  const g00 = tapPair(base, so, has0, has1, 0, 0, sky, skx), g01 = tapPair(base, so, has0, has1, 0, 1, sky, skx), g02 = tapPair(base, so, has0, has1, 0, 2, sky, skx);
  const g10 = tapPair(base, so, has0, has1, 1, 0, sky, skx), g11 = tapPair(base, so, has0, has1, 1, 1, sky, skx), g12 = tapPair(base, so, has0, has1, 1, 2, sky, skx);
  const g20 = tapPair(base, so, has0, has1, 2, 0, sky, skx), g21 = tapPair(base, so, has0, has1, 2, 1, sky, skx), g22 = tapPair(base, so, has0, has1, 2, 2, sky, skx);
  const half = f64x2.splat(0.5), sixth = f64x2.splat(1.0 / 6.0), two = f64x2.splat(2);
  const ys = U_SIDE * xs;
  column(slot, ys, g00, g10, g20);
  column(slot + xs, ys, f64x2.mul(f64x2.add(g00, g02), half), f64x2.mul(f64x2.add(g10, g12), half), f64x2.mul(f64x2.add(g20, g22), half));
  const d0 = f64x2.mul(f64x2.sub(g00, g02), half), d1 = f64x2.mul(f64x2.sub(g10, g12), half), d2 = f64x2.mul(f64x2.sub(g20, g22), half);
  column(slot + 2 * xs, ys, d0, d1, d2);
  column(slot + 3 * xs, ys, g02, g12, g22);
  column(slot + 4 * xs, ys, f64x2.mul(g00, half), f64x2.mul(g10, half), f64x2.mul(g20, half));
  column(slot + 5 * xs, ys, f64x2.mul(f64x2.add(g00, g02), sixth), f64x2.mul(f64x2.add(g10, g12), sixth), f64x2.mul(f64x2.add(g20, g22), sixth));
  column(slot + 6 * xs, ys, d0, d1, d2);
  column(slot + 7 * xs, ys, f64x2.mul(f64x2.sub(g00, f64x2.mul(two, g02)), sixth), f64x2.mul(f64x2.sub(g10, f64x2.mul(two, g12)), sixth),
    f64x2.mul(f64x2.sub(g20, f64x2.mul(two, g22)), sixth));
  column(slot + 8 * xs, ys, g02, g12, g22);
  column(slot + 9 * xs, ys, g01, g11, g21);
}

/** G (w0, w1, w2) of the stride-2 7x7 tiles, rounded, at p + k stride (k = 0..9; rows 10..15 equal row 9). */
// @ts-ignore: decorator
@inline function column(p: usize, stride: usize, w0: v128, w1: v128, w2: v128): void {
  const half = f64x2.splat(0.5), sixth = f64x2.splat(1.0 / 6.0), two = f64x2.splat(2);
  const diff = f64x2.mul(f64x2.sub(w0, w2), half), sum = f64x2.add(w0, w2);
  put(p, w0, true);
  put(p + stride, f64x2.mul(sum, half), true);
  put(p + 2 * stride, diff, true);
  put(p + 3 * stride, w2, true);
  put(p + 4 * stride, f64x2.mul(w0, half), true);
  put(p + 5 * stride, f64x2.mul(sum, sixth), true);
  put(p + 6 * stride, diff, true);
  put(p + 7 * stride, f64x2.mul(f64x2.sub(w0, f64x2.mul(two, w2)), sixth), true);
  put(p + 8 * stride, w2, true);
  put(p + 9 * stride, w1, true);
}
