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

// Term kinds of rowSum: what is summed for each element x.
// @ts-ignore: decorator
@inline export const PLAIN = 0; // x
// @ts-ignore: decorator
@inline export const RELU_MASKED = 1; // x where the other row's z = m scale + shift > 0, else 0

/**
 * g with the lanes cleared where z = x scale + shift is not > 0: the gradient
 * through relu(z) of a fused batch norm + ReLU, z computed exactly as the
 * forward computes it (so the mask matches the forward's output bit for bit).
 */
// @ts-ignore: decorator
@inline export function reluMask(g: v128, x: v128, scale: v128, shift: v128): v128 {
  return v128.and(g, f32x4.gt(f32x4.add(f32x4.mul(x, scale), shift), f32x4.splat(0)));
}

// m, scale, shift: the mask's row and affine map (RELU_MASKED only)
// @ts-ignore: decorator
@inline function term(kind: i32, x: v128, m: v128, scale: v128, shift: v128): v128 {
  if (kind == PLAIN) return x;
  return reluMask(x, m, scale, shift);
}

/**
 * sum_k term(x[k]) over n contiguous float32 values at p, accumulated as the
 * header describes: blocks of 4 LANE_TERMS vectors into four float32
 * accumulators, each block flushed into float64; the tail (< 16 values) in
 * one more flushed vector. The order depends only on n. RELU_MASKED reads
 * the mask's row m[k] at mp (with scale and shift); other kinds ignore them.
 */
// @ts-ignore: decorator
@inline export function rowSum(kind: i32, p: usize, n: usize, mp: usize = 0, scale: f32 = 0, shift: f32 = 0): f64 {
  const av = f32x4.splat(scale), bv = f32x4.splat(shift), none = f32x4.splat(0);
  const masked = kind == RELU_MASKED;
  let total: f64 = 0;
  let k: usize = 0;
  const whole = n & ~(<usize>15);
  while (k < whole) {
    const end = min(whole, k + (LANE_TERMS << 4));
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (; k < end; k += 16) {
      const q = p + (k << 2), m = mp + (k << 2);
      a0 = f32x4.add(a0, term(kind, v128.load(q), masked ? v128.load(m) : none, av, bv));
      a1 = f32x4.add(a1, term(kind, v128.load(q, 16), masked ? v128.load(m, 16) : none, av, bv));
      a2 = f32x4.add(a2, term(kind, v128.load(q, 32), masked ? v128.load(m, 32) : none, av, bv));
      a3 = f32x4.add(a3, term(kind, v128.load(q, 48), masked ? v128.load(m, 48) : none, av, bv));
    }
    total += lanes64x4(a0, a1, a2, a3);
  }
  if (k < n) {
    let a = f32x4.splat(0);
    for (; k + 4 <= n; k += 4) a = f32x4.add(a, term(kind, v128.load(p + (k << 2)), masked ? v128.load(mp + (k << 2)) : none, av, bv));
    for (; k < n; k++) {
      const m = masked ? f32x4.splat(load<f32>(mp + (k << 2))) : none;
      a = f32x4.add(a, lane0(f32x4.extract_lane(term(kind, f32x4.splat(load<f32>(p + (k << 2))), m, av, bv), 0)));
    }
    total += lanes64(a);
  }
  return total;
}

/** shiftedSums' second result: sum (x - s)^2. */
export let shiftedSquareSum: f64 = 0;

/**
 * sum (x - s) over the n values at p, returned, and sum (x - s)^2, left in
 * shiftedSquareSum, in one pass over the row, each accumulated in rowSum's
 * blocks and order.
 */
export function shiftedSums(p: usize, n: usize, s: f32): f64 {
  const sv = f32x4.splat(s);
  let total: f64 = 0, squares: f64 = 0;
  let k: usize = 0;
  const whole = n & ~(<usize>15);
  while (k < whole) {
    const end = min(whole, k + (LANE_TERMS << 4));
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (; k < end; k += 16) {
      const q = p + (k << 2);
      const d0 = f32x4.sub(v128.load(q), sv), d1 = f32x4.sub(v128.load(q, 16), sv);
      const d2 = f32x4.sub(v128.load(q, 32), sv), d3 = f32x4.sub(v128.load(q, 48), sv);
      a0 = f32x4.add(a0, d0); a1 = f32x4.add(a1, d1); a2 = f32x4.add(a2, d2); a3 = f32x4.add(a3, d3);
      b0 = f32x4.add(b0, f32x4.mul(d0, d0)); b1 = f32x4.add(b1, f32x4.mul(d1, d1));
      b2 = f32x4.add(b2, f32x4.mul(d2, d2)); b3 = f32x4.add(b3, f32x4.mul(d3, d3));
    }
    total += lanes64x4(a0, a1, a2, a3);
    squares += lanes64x4(b0, b1, b2, b3);
  }
  if (k < n) {
    let a = f32x4.splat(0), b = a;
    for (; k + 4 <= n; k += 4) {
      const d = f32x4.sub(v128.load(p + (k << 2)), sv);
      a = f32x4.add(a, d);
      b = f32x4.add(b, f32x4.mul(d, d));
    }
    for (; k < n; k++) {
      const d = f32x4.sub(f32x4.splat(load<f32>(p + (k << 2))), sv);
      a = f32x4.add(a, lane0(f32x4.extract_lane(d, 0)));
      b = f32x4.add(b, lane0(f32x4.extract_lane(f32x4.mul(d, d), 0)));
    }
    total += lanes64(a);
    squares += lanes64(b);
  }
  shiftedSquareSum = squares;
  return total;
}

/**
 * sum_k g[k] (x[k] - s) over n contiguous values, blocked as rowSum; with
 * `masked`, g[k] is first cleared where x[k] scale + shift is not > 0 (reluMask).
 */
// @ts-ignore: decorator
@inline export function rowDot(xp: usize, gp: usize, n: usize, s: f32, masked: bool = false, scale: f32 = 0, shift: f32 = 0): f64 {
  const sv = f32x4.splat(s), av = f32x4.splat(scale), bv = f32x4.splat(shift);
  let total: f64 = 0;
  let k: usize = 0;
  const whole = n & ~(<usize>7);
  while (k < whole) {
    const end = min(whole, k + (LANE_TERMS << 3));
    let a0 = f32x4.splat(0), a1 = a0;
    for (; k < end; k += 8) {
      const px = xp + (k << 2), pg = gp + (k << 2);
      const x0 = v128.load(px), x1 = v128.load(px, 16);
      const g0 = v128.load(pg), g1 = v128.load(pg, 16);
      a0 = f32x4.add(a0, f32x4.mul(masked ? reluMask(g0, x0, av, bv) : g0, f32x4.sub(x0, sv)));
      a1 = f32x4.add(a1, f32x4.mul(masked ? reluMask(g1, x1, av, bv) : g1, f32x4.sub(x1, sv)));
    }
    total += lanes64(f32x4.add(a0, a1));
  }
  if (k < n) {
    let a = f32x4.splat(0);
    for (; k + 4 <= n; k += 4) {
      const x = v128.load(xp + (k << 2)), g = v128.load(gp + (k << 2));
      a = f32x4.add(a, f32x4.mul(masked ? reluMask(g, x, av, bv) : g, f32x4.sub(x, sv)));
    }
    for (; k < n; k++) {
      const x = f32x4.splat(load<f32>(xp + (k << 2))), g = f32x4.splat(load<f32>(gp + (k << 2)));
      a = f32x4.add(a, lane0(f32x4.extract_lane(f32x4.mul(masked ? reluMask(g, x, av, bv) : g, f32x4.sub(x, sv)), 0)));
    }
    total += lanes64(a);
  }
  return total;
}
