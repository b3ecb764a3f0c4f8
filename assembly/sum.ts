// Accurate long sums of float32 terms, shared by every reduction kernel.
//
// A two-level cascade: terms are added into float32 vector lanes for at most
// LANE_TERMS terms per lane (one block), then the block's lanes are added into
// a float64 total. A lane of 16 float32 terms loses at most ~16 ulp of its
// own size, and the float64 total adds nothing measurable, so a sum of n
// terms keeps ~1e-7 relative accuracy for any n (1e7 equal terms: 1.5e-7,
// where one float32 accumulator per lane loses 0.6%). The block structure
// depends only on the length, never on how threads split the work, so
// results are the same bits for any thread count.

/** Terms per float32 lane before a block is flushed into the float64 total. */
// @ts-ignore: decorator
@inline export const LANE_TERMS: usize = 16;

/** The four float32 lanes of v added in float64, (0 + 2) + (1 + 3). */
// @ts-ignore: decorator
@inline export function lanes64(v: v128): f64 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
  const s = f64x2.add(lo, hi);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** Four float32 accumulators flushed: ((a0 + a1) + (a2 + a3)) in float32, its lanes in float64. */
// @ts-ignore: decorator
@inline export function lanes64x4(a0: v128, a1: v128, a2: v128, a3: v128): f64 {
  return lanes64(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
}

/** One float32 value in lane 0 of an otherwise zero vector (a tail term). */
// @ts-ignore: decorator
@inline export function lane0(v: f32): v128 {
  return f32x4.replace_lane(f32x4.splat(0), 0, v);
}

// Term kinds of rowSum: what is summed for each element x (s a scalar).
// @ts-ignore: decorator
@inline export const PLAIN = 0; // x
// @ts-ignore: decorator
@inline export const SHIFTED = 1; // x - s
// @ts-ignore: decorator
@inline export const SHIFTED_SQUARE = 2; // (x - s)^2

// @ts-ignore: decorator
@inline function term(kind: i32, x: v128, s: v128): v128 {
  if (kind == PLAIN) return x;
  const d = f32x4.sub(x, s);
  return kind == SHIFTED ? d : f32x4.mul(d, d);
}

/**
 * sum_k term(x[k]) over n contiguous float32 values at p, accumulated as the
 * header describes: blocks of 4 LANE_TERMS vectors into four float32
 * accumulators, each block flushed into float64; the tail (< 16 values) in
 * one more flushed vector. The order depends only on n.
 */
// @ts-ignore: decorator
@inline export function rowSum(kind: i32, p: usize, n: usize, s: f32): f64 {
  const sv = f32x4.splat(s);
  let total: f64 = 0;
  let k: usize = 0;
  const whole = n & ~(<usize>15);
  while (k < whole) {
    const end = min(whole, k + (LANE_TERMS << 4));
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (; k < end; k += 16) {
      const q = p + (k << 2);
      a0 = f32x4.add(a0, term(kind, v128.load(q), sv));
      a1 = f32x4.add(a1, term(kind, v128.load(q, 16), sv));
      a2 = f32x4.add(a2, term(kind, v128.load(q, 32), sv));
      a3 = f32x4.add(a3, term(kind, v128.load(q, 48), sv));
    }
    total += lanes64x4(a0, a1, a2, a3);
  }
  if (k < n) {
    let a = f32x4.splat(0);
    for (; k + 4 <= n; k += 4) a = f32x4.add(a, term(kind, v128.load(p + (k << 2)), sv));
    for (; k < n; k++) a = f32x4.add(a, lane0(f32x4.extract_lane(term(kind, f32x4.splat(load<f32>(p + (k << 2))), sv), 0)));
    total += lanes64(a);
  }
  return total;
}

/** sum_k g[k] (x[k] - s) over n contiguous values, blocked as rowSum. */
// @ts-ignore: decorator
@inline export function rowDot(xp: usize, gp: usize, n: usize, s: f32): f64 {
  const sv = f32x4.splat(s);
  let total: f64 = 0;
  let k: usize = 0;
  const whole = n & ~(<usize>7);
  while (k < whole) {
    const end = min(whole, k + (LANE_TERMS << 3));
    let a0 = f32x4.splat(0), a1 = a0;
    for (; k < end; k += 8) {
      const px = xp + (k << 2), pg = gp + (k << 2);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(pg), f32x4.sub(v128.load(px), sv)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(pg, 16), f32x4.sub(v128.load(px, 16), sv)));
    }
    total += lanes64(f32x4.add(a0, a1));
  }
  if (k < n) {
    let a = f32x4.splat(0);
    for (; k + 4 <= n; k += 4) a = f32x4.add(a, f32x4.mul(v128.load(gp + (k << 2)), f32x4.sub(v128.load(xp + (k << 2)), sv)));
    for (; k < n; k++) a = f32x4.add(a, lane0(load<f32>(gp + (k << 2)) * (load<f32>(xp + (k << 2)) - s)));
    total += lanes64(a);
  }
  return total;
}
