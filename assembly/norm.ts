// Vector norms accumulated in float64 across several float32 tensors (the
// total gradient norm of clipping): norm_accumulate_f64 adds one tensor's
// share into an f64 accumulator, norm_finish_f64 takes the root. The
// summation order depends only on n (four f64 lanes, combined in a fixed
// order, then the tail in index order), never on where data sits.
//
// p = 1, 2 and Infinity are exact float64 sums (and max) of the float32
// values. Other p have no float64 pow without lookup tables (the module has
// no data segments), so |x|^p = 2^(p log2|x|) splits log2 into the exact
// exponent plus a float32 log of the mantissa and 2^t into an exact power
// of two times a float32 exp of the fraction: a relative error of a few
// 1e-7 per term (and for the root), summed in float64.
import { vexp, vlog } from './vmath';

// @ts-ignore: decorator
@inline const LOG2E: f64 = 1.4426950408889634;
// @ts-ignore: decorator
@inline const LN2: f64 = 0.6931471805599453;

/** 2^k for integer k in [-1022, 1023], built in the exponent bits. */
// @ts-ignore: decorator
@inline function pow2i(k: i32): f64 {
  return reinterpret<f64>(<u64>(k + 1023) << 52);
}

/** log2 x for finite x > 0: the exact binary exponent plus a float32 log of the mantissa in [1, 2). */
function log2Approx(x: f64): f64 {
  let e: i32 = 0;
  // subnormal: scale by 2^64 first
  if (x < 2.2250738585072014e-308) { x *= 18446744073709551616.0; e = -64; }
  const bits = reinterpret<u64>(x);
  e += <i32>((bits >> 52) & 0x7ff) - 1023;
  const m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  return <f64>e + <f64>f32x4.extract_lane(vlog(f32x4.splat(<f32>m)), 0) * LOG2E;
}

/** 2^t for finite t: an exact power of two for floor(t) (split in two factors) times a float32 exp of the fraction. */
function exp2Approx(t: f64): f64 {
  if (t > 2100) return Infinity;
  if (t < -2100) return 0;
  const k = Math.floor(t);
  const f = <f64>f32x4.extract_lane(vexp(f32x4.splat(<f32>((t - k) * LN2))), 0);
  const ki = <i32>k, h = ki >> 1;
  return f * pow2i(h) * pow2i(ki - h);
}

/** x^p for x >= 0 (or NaN) and p > 0 finite: 0 at 0, inf at inf, NaN at NaN. */
function powApprox(x: f64, p: f64): f64 {
  if (!(x > 0) || x == Infinity) return x;
  return exp2Approx(p * log2Approx(x));
}

/** |x| of the low (lo = true) or high two float32 lanes, as float64. */
// @ts-ignore: decorator
@inline function absHalf(x: v128, lo: bool): v128 {
  const a = f32x4.abs(x);
  return f64x2.promote_low_f32x4(lo ? a : i32x4.shuffle(a, a, 2, 3, 0, 1));
}

/**
 * sum_i |x_i|^p over n float32 elements at xp, in float64; p = Infinity:
 * max_i |x_i|. NaN propagates. p = 1 and p = 2 run on f64x2 lanes; other p
 * go element by element.
 */
function powerSum(n: usize, xp: usize, p: f64): f64 {
  if (p == Infinity) {
    let m = f32x4.splat(0);
    let i: usize = 0;
    for (; i + 4 <= n; i += 4) m = f32x4.max(m, f32x4.abs(v128.load(xp + (i << 2))));
    for (; i < n; i++) m = f32x4.max(m, f32x4.abs(f32x4.splat(load<f32>(xp + (i << 2)))));
    const pair = f32x4.max(m, i32x4.shuffle(m, m, 2, 3, 0, 1));
    const one = f32x4.max(pair, i32x4.shuffle(pair, pair, 1, 0, 3, 2));
    return <f64>f32x4.extract_lane(one, 0);
  }
  let sum: f64 = 0;
  if (p == 1 || p == 2) {
    const square = p == 2;
    let lo = f64x2.splat(0), hi = lo;
    let i: usize = 0;
    for (; i + 4 <= n; i += 4) {
      const x = v128.load(xp + (i << 2));
      const a = absHalf(x, true), b = absHalf(x, false);
      lo = f64x2.add(lo, square ? f64x2.mul(a, a) : a);
      hi = f64x2.add(hi, square ? f64x2.mul(b, b) : b);
    }
    const both = f64x2.add(lo, hi);
    sum = f64x2.extract_lane(both, 0) + f64x2.extract_lane(both, 1);
    for (; i < n; i++) {
      const a = Math.abs(<f64>load<f32>(xp + (i << 2)));
      sum += square ? a * a : a;
    }
  } else {
    for (let i: usize = 0; i < n; i++) sum += powApprox(Math.abs(<f64>load<f32>(xp + (i << 2))), p);
  }
  return sum;
}

/** The p-th root of a power sum (p = 1 or Infinity: the sum itself; p = 2: sqrt). */
function root(acc: f64, p: f64): f64 {
  return p == Infinity || p == 1 ? acc : p == 2 ? Math.sqrt(acc) : powApprox(acc, 1 / p);
}

/** acc (f64 at accp) += sum_i |x_i|^p over n float32 elements at xp (p = Infinity: acc = max(acc, max_i |x_i|)). */
export function norm_accumulate_f64(n: usize, xp: usize, accp: usize, p: f64): void {
  const acc = load<f64>(accp), s = powerSum(n, xp, p);
  store<f64>(accp, p == Infinity ? Math.max(acc, s) : acc + s);
}

/** out (f32) = acc^(1/p) rounded to float32 (p = 1 or Infinity: acc itself; p = 2: sqrt). */
export function norm_finish_f64(accp: usize, outp: usize, p: f64): void {
  store<f32>(outp, <f32>root(load<f64>(accp), p));
}

/**
 * Embedding max-norm, in place, as PyTorch's embedding_renorm_: for each of
 * the n indices at idxp (float32 integers, checked by the host) the row
 * w[idx, 0..D) whose p-norm exceeds maxNorm is scaled by
 * maxNorm / (norm + 1e-7). A repeated index finds its row already within
 * maxNorm and leaves it alone.
 */
export function embedding_renorm_f32(n: usize, idxp: usize, D: usize, wp: usize, maxNorm: f64, p: f64): void {
  for (let j: usize = 0; j < n; j++) {
    const row = wp + ((<usize>load<f32>(idxp + (j << 2)) * D) << 2);
    const norm = root(powerSum(D, row, p), p);
    if (!(norm > maxNorm)) continue;
    const scale = f32x4.splat(<f32>(maxNorm / (norm + 1e-7)));
    let i: usize = 0;
    for (; i + 4 <= D; i += 4) v128.store(row + (i << 2), f32x4.mul(v128.load(row + (i << 2)), scale));
    for (; i < D; i++) store<f32>(row + (i << 2), load<f32>(row + (i << 2)) * f32x4.extract_lane(scale, 0));
  }
}
