// Vector math on f32x4 lanes. Every function is branch-free wasm SIMD, so a
// lane's result depends only on its input: the same bits in every runtime and
// whether an element lands in a full vector or in a loop tail.

// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.44269504088896341;
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;

/** Horner step: acc * x + c. */
// @ts-ignore: decorator
@inline function fma4(acc: v128, x: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(acc, x), f32x4.splat(c));
}

/** x clamped to the range where e^x is finite and normal (vexp and vexpm1 handle the rest). */
// @ts-ignore: decorator
@inline function expClamp(x: v128): v128 {
  return f32x4.max(f32x4.min(x, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447504019));
}

/** n = round(x / ln2), the power of two e^x is split around. */
// @ts-ignore: decorator
@inline function expExponent(xc: v128): v128 {
  return f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
}

/**
 * e^r - 1 = r + r^2 p(r) for r = x - n ln2 (ln2 in two parts, |r| <= ln2/2),
 * p of degree 5: the shared core of vexp and vexpm1.
 */
// @ts-ignore: decorator
@inline function expm1Reduced(xc: v128, n: v128): v128 {
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = fma4(p, r, 1.3981999507e-3);
  p = fma4(p, r, 8.3334519073e-3);
  p = fma4(p, r, 4.1665795894e-2);
  p = fma4(p, r, 1.6666665459e-1);
  p = fma4(p, r, 5.0000001201e-1);
  return f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r);
}

/** 2^n for integral n in [-126, 127], built in the exponent bits. */
// @ts-ignore: decorator
@inline function pow2(n: v128): v128 {
  return i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
}

/**
 * e^x. Range reduction x = n ln2 + r with |r| <= ln2/2, a degree-6
 * polynomial for e^r (relative error about 1 ulp), then scaling by 2^n built
 * in the exponent bits. Overflow gives +inf, underflow 0, NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function vexp(x: v128): v128 {
  const xc = expClamp(x), n = expExponent(xc);
  let y = f32x4.mul(f32x4.add(expm1Reduced(xc, n), f32x4.splat(1)), pow2(n));
  // x above the clamp overflows; below it underflows to zero
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(88.7228391116729996)));
  y = v128.bitselect(f32x4.splat(0), y, f32x4.lt(x, f32x4.splat(-87.3365447504019)));
  // NaN in, NaN out
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

/**
 * Natural logarithm. x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a
 * degree-9 polynomial in m - 1, plus e ln2. log(0) = -inf, log(x<0) = NaN,
 * log(inf) = inf; subnormal inputs are scaled by 2^23 first.
 */
// @ts-ignore: decorator
@inline export function vlog(x: v128): v128 {
  const sub = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, sub);
  let e = i32x4.sub(i32x4.shr_u(xs, 23), i32x4.splat(126));
  e = v128.bitselect(i32x4.sub(e, i32x4.splat(23)), e, sub);
  // mantissa in [0.5, 1)
  let m = v128.or(v128.and(xs, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = v128.bitselect(i32x4.sub(e, i32x4.splat(1)), e, small);
  m = v128.bitselect(f32x4.add(m, m), m, small);
  const z = f32x4.sub(m, f32x4.splat(1));
  const ef = f32x4.convert_i32x4_s(e);
  let p = f32x4.splat(7.0376836292e-2);
  p = fma4(p, z, -1.1514610310e-1);
  p = fma4(p, z, 1.1676998740e-1);
  p = fma4(p, z, -1.2420140846e-1);
  p = fma4(p, z, 1.4249322787e-1);
  p = fma4(p, z, -1.6668057665e-1);
  p = fma4(p, z, 2.0000714765e-1);
  p = fma4(p, z, -2.4999993993e-1);
  p = fma4(p, z, 3.3333331174e-1);
  const z2 = f32x4.mul(z, z);
  let y = f32x4.mul(f32x4.mul(p, z), z2);
  y = f32x4.add(y, f32x4.mul(ef, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z2, f32x4.splat(0.5)));
  y = f32x4.add(f32x4.add(z, y), f32x4.mul(ef, f32x4.splat(LN2_HI)));
  y = v128.bitselect(f32x4.splat(-Infinity), y, f32x4.eq(x, f32x4.splat(0)));
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.eq(x, f32x4.splat(Infinity)));
  // negative or NaN input gives NaN
  return v128.bitselect(f32x4.splat(NaN), y, v128.not(f32x4.ge(x, f32x4.splat(0))));
}

/**
 * tanh(x) as a rational function p(x)/q(x) (odd degree 13 over even degree 6)
 * on |x| <= 7.9053, where float32 tanh has saturated to +-1; x itself below
 * 4e-4 where tanh(x) rounds to x.
 */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const xc = f32x4.max(f32x4.min(x, f32x4.splat(7.90531110763549805)), f32x4.splat(-7.90531110763549805));
  const x2 = f32x4.mul(xc, xc);
  let p = f32x4.splat(-2.76076847742355e-16);
  p = fma4(p, x2, 2.00018790482477e-13);
  p = fma4(p, x2, -8.60467152213735e-11);
  p = fma4(p, x2, 5.12229709037114e-08);
  p = fma4(p, x2, 1.48572235717979e-05);
  p = fma4(p, x2, 6.37261928875436e-04);
  p = fma4(p, x2, 4.89352455891786e-03);
  p = f32x4.mul(p, xc);
  let q = f32x4.splat(1.19825839466702e-06);
  q = fma4(q, x2, 1.18534705686654e-04);
  q = fma4(q, x2, 2.26843463243900e-03);
  q = fma4(q, x2, 4.89352518554385e-03);
  const y = f32x4.div(p, q);
  return v128.bitselect(x, y, f32x4.lt(f32x4.abs(x), f32x4.splat(0.0004)));
}

/** Logistic sigmoid 1 / (1 + e^-x); saturates cleanly to 0 and 1. */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), vexp(f32x4.neg(x))));
}

/**
 * sin and cos of t in [-pi, pi]: fold to [-pi/2, pi/2] with
 * sin(pi - t) = sin(t), then Taylor polynomials to degree 11 / 12
 * (error below 1e-7 on the folded range).
 */
// @ts-ignore: decorator
@inline export function vsin(t: v128): v128 {
  const hp = f32x4.splat(1.57079632679489662);
  const pi = f32x4.splat(3.14159265358979324);
  let u = v128.bitselect(f32x4.sub(pi, t), t, f32x4.gt(t, hp));
  u = v128.bitselect(f32x4.sub(f32x4.neg(pi), u), u, f32x4.lt(u, f32x4.neg(hp)));
  const u2 = f32x4.mul(u, u);
  let p = f32x4.splat(-2.50521083854417e-8);
  p = fma4(p, u2, 2.75573192239859e-6);
  p = fma4(p, u2, -1.98412698412698e-4);
  p = fma4(p, u2, 8.33333333333333e-3);
  p = fma4(p, u2, -1.66666666666667e-1);
  p = fma4(p, u2, 1.0);
  return f32x4.mul(p, u);
}

// @ts-ignore: decorator
@inline export function vcos(t: v128): v128 {
  // cos(t) = sin(t + pi/2), wrapped back into [-pi, pi]
  let s = f32x4.add(t, f32x4.splat(1.57079632679489662));
  s = v128.bitselect(f32x4.sub(s, f32x4.splat(6.28318530717958648)), s, f32x4.gt(s, f32x4.splat(3.14159265358979324)));
  return vsin(s);
}

/**
 * e^x - 1, accurate near 0 where e^x - 1 cancels. The range reduction and
 * polynomial of vexp: x = n ln2 + r, e^r - 1 = r + r^2 p(r) kept apart from
 * the 1, then e^x - 1 = 2^n (e^r - 1) + (2^n - 1), where 2^n - 1 is exact
 * for the n that matter (|n| <= 24; beyond, the sum rounds to -1 or 2^n
 * anyway). For n = 0 (|x| <= ln2/2) the result is the polynomial alone, so
 * tiny x gives x. Error about 1-2 ulp; overflow gives +inf, NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  const xc = expClamp(x), n = expExponent(xc), scale = pow2(n);
  let y = f32x4.add(f32x4.mul(expm1Reduced(xc, n), scale), f32x4.sub(scale, f32x4.splat(1)));
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(88.7228391116729996)));
  // NaN in, NaN out
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

/**
 * log(1 + u) for u > -1, accurate for small u where 1 + u rounds: with
 * w = 1 + u (rounded) and d = w - 1 (exact), log1p(u) = log(w) u / d, and
 * u itself where w rounds to 1 (Goldberg, "What every computer scientist
 * should know about floating-point arithmetic", 1991, Theorem 4: a few ulps).
 * log1p(+inf) = +inf, log1p(-1) = -inf, NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function vlog1p(u: v128): v128 {
  const w = f32x4.add(f32x4.splat(1), u);
  const d = f32x4.sub(w, f32x4.splat(1));
  let y = f32x4.mul(vlog(w), f32x4.div(u, d));
  y = v128.bitselect(u, y, f32x4.eq(d, f32x4.splat(0)));
  return v128.bitselect(u, y, f32x4.eq(u, f32x4.splat(Infinity)));
}

/**
 * softplus log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|), where
 * e^-|x| is in (0, 1]. Large x gives x, very negative x gives e^x (not 0
 * until e^x underflows).
 */
// @ts-ignore: decorator
@inline export function vsoftplus(x: v128): v128 {
  return f32x4.add(f32x4.max(x, f32x4.splat(0)), vlog1p(vexp(f32x4.neg(f32x4.abs(x)))));
}

/**
 * The error function erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt, odd, in two
 * pieces selected per lane (both are computed, so the code has no branch):
 *   |x| < 1:        erf(x) = x + x P(x^2), P of degree 6 (P(0) = 2/sqrt(pi) - 1;
 *                   writing x + x P keeps the leading term exact in float32);
 *   1 <= |x| < 3.92: erf(|x|) = 1 - e^(-x^2) Q(|x| - 2.46), Q of degree 9
 *                   approximating erfc(x) e^(x^2);
 *   |x| >= 3.92:    1 (erfc(3.92) < 3e-8, below half an ulp of 1),
 * then the sign of x. The coefficients are least-squares fits on 600
 * Chebyshev nodes of each interval against a 40-digit erf (P weighted for
 * absolute error of x P; Q weighted by e^(-x^2), i.e. for absolute error of
 * erfc), rounded to float32. Evaluated in float32 (these operations, this
 * vexp), the maximum absolute error over a dense sweep of [-6, 6] is about
 * 7.4e-8 (1.1 ulp of values near 1); test/suites/activations.test.mjs checks
 * it stays below 1e-7. erf(+-inf) = +-1, erf(-0) = -0, NaN stays NaN.
 */
// @ts-ignore: decorator
@inline export function verf(x: v128): v128 {
  const a = f32x4.abs(x);
  const x2 = f32x4.mul(a, a);
  let p = f32x4.splat(7.680844e-05);
  p = fma4(p, x2, -0.00079537806);
  p = fma4(p, x2, 0.005181254);
  p = fma4(p, x2, -0.026849557);
  p = fma4(p, x2, 0.11283461);
  p = fma4(p, x2, -0.3761261);
  p = fma4(p, x2, 0.12837917);
  const small = f32x4.add(a, f32x4.mul(a, p));
  const t = f32x4.sub(a, f32x4.splat(2.46));
  let q = f32x4.splat(-2.664315e-05);
  q = fma4(q, t, -4.0250405e-05);
  q = fma4(q, t, -0.00010435119);
  q = fma4(q, t, 0.00027045666);
  q = fma4(q, t, -0.0007104415);
  q = fma4(q, t, 0.0026466793);
  q = fma4(q, t, -0.008418652);
  q = fma4(q, t, 0.02591413);
  q = fma4(q, t, -0.07638245);
  q = fma4(q, t, 0.21382076);
  const large = f32x4.sub(f32x4.splat(1), f32x4.mul(vexp(f32x4.neg(x2)), q));
  let y = v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(1)));
  y = v128.bitselect(f32x4.splat(1), y, f32x4.ge(a, f32x4.splat(3.92)));
  // y >= 0 (or NaN): put back the sign of x
  return v128.or(y, v128.and(x, f32x4.splat(-0.0)));
}

/**
 * sin (cos false) or cos (cos true) of any float: q = nearest(|x| 2/pi) and
 * r = |x| - q pi/2 with pi/2 in three parts (exact products for q < 2^16),
 * then Cephes' sinf / cosf polynomials on |r| <= pi/4 picked and signed by
 * the quadrant q (cos x = sin(x + pi/2): quadrant q + 1). About 1 ulp for
 * |x| <= 8192; lanes beyond (and inf, NaN) take sinCosF64.
 */
// @ts-ignore: decorator
@inline export function vsincos(x: v128, cos: bool): v128 {
  const ax = f32x4.abs(x);
  const qf = f32x4.nearest(f32x4.mul(ax, f32x4.splat(0.636619772367581343)));
  let r = f32x4.sub(ax, f32x4.mul(qf, f32x4.splat(1.5703125)));
  r = f32x4.sub(r, f32x4.mul(qf, f32x4.splat(4.837512969970703125e-4)));
  r = f32x4.sub(r, f32x4.mul(qf, f32x4.splat(7.54978995489188216e-8)));
  const z = f32x4.mul(r, r);
  let s = f32x4.splat(-1.9515295891e-4);
  s = fma4(s, z, 8.3321608736e-3);
  s = fma4(s, z, -1.6666654611e-1);
  s = f32x4.add(f32x4.mul(f32x4.mul(s, z), r), r);
  let c = f32x4.splat(2.443315711809948e-5);
  c = fma4(c, z, -1.388731625493765e-3);
  c = fma4(c, z, 4.166664568298827e-2);
  c = f32x4.add(f32x4.sub(f32x4.mul(f32x4.mul(c, z), z), f32x4.mul(z, f32x4.splat(0.5))), f32x4.splat(1));
  const q = i32x4.add(i32x4.trunc_sat_f32x4_s(qf), i32x4.splat(cos ? 1 : 0));
  let y = v128.bitselect(c, s, i32x4.ne(v128.and(q, i32x4.splat(1)), i32x4.splat(0)));
  // quadrants 2 and 3 negate; sin is odd, so it also takes the sign of x
  let flip = i32x4.shl(v128.and(q, i32x4.splat(2)), 30);
  if (!cos) flip = v128.xor(flip, v128.and(x, f32x4.splat(-0.0)));
  y = v128.xor(y, flip);
  const far = v128.not(f32x4.le(ax, f32x4.splat(8192)));
  if (v128.any_true(far)) {
    if (i32x4.extract_lane(far, 0) != 0) y = f32x4.replace_lane(y, 0, sinCosF64(f32x4.extract_lane(x, 0), cos));
    if (i32x4.extract_lane(far, 1) != 0) y = f32x4.replace_lane(y, 1, sinCosF64(f32x4.extract_lane(x, 1), cos));
    if (i32x4.extract_lane(far, 2) != 0) y = f32x4.replace_lane(y, 2, sinCosF64(f32x4.extract_lane(x, 2), cos));
    if (i32x4.extract_lane(far, 3) != 0) y = f32x4.replace_lane(y, 3, sinCosF64(f32x4.extract_lane(x, 3), cos));
  }
  return y;
}

/**
 * sin or cos of one float in float64 (musl's __rem_pio2f medium case and
 * __sindf / __cosdf): r = x - q pi/2 with pi/2 in 25 + 53 bits, exact enough
 * for |x| < 2^28 pi/2 (beyond, where floats are 32 or more apart, the
 * reduction keeps fewer correct bits); inf and NaN give NaN.
 */
function sinCosF64(xf: f32, cos: bool): f32 {
  if (!isFinite(xf)) return NaN;
  const x = <f64>xf;
  const qf = nearest<f64>(x * 6.36619772367581382433e-01);
  const r = x - qf * 1.57079631090164184570e+00 - qf * 1.58932547735281966916e-08;
  const q = <i64>qf + (cos ? 1 : 0);
  const z = r * r, w = z * z;
  let y: f64;
  if (q & 1) {
    y = ((1.0 + z * -0.499999997251031003120) + w * 0.0416666233237390631894) + (w * z) * (-0.00138867637746099294692 + z * 0.0000243904487962774090654);
  } else {
    const s = z * r;
    y = (r + s * (-0.166666666416265235595 + z * 0.0083333293858894631756)) + s * w * (-0.000198393348360966317347 + z * 0.0000027183114939898219064);
  }
  return <f32>(q & 2 ? -y : y);
}
