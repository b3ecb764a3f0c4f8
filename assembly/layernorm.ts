// Row normalisation, shared by layer norm and group norm. x is contiguous and
// seen as rows r of L = K S elements: each row is one normalised unit (a
// sample's trailing dims for layer norm, one (sample, group) for group norm)
// with its own mean and invstd. The affine weight w and bias b have G K
// elements: row r uses block g = r mod G, and its element j = k S + s uses
// w[g K + k]. Layer norm: G = 1, K = L, S = 1 (one weight per column); group
// norm over (N, C, spatial): G groups, K = C / G channels, S spatial positions.
//
// Forward, per row (statistics in float64, biased variance, two passes):
//   mean = sum x / L,  var = sum (x - mean)^2 / L,  invstd = 1 / sqrt(var + eps)
//   xhat = (x - mean) invstd,  y = xhat w + b           (float32, mean/invstd rounded)
// Backward, with gh = g w:
//   dx = invstd (gh - mean(gh) - xhat mean(gh xhat))    (means over the row)
//   dw[c] = sum g xhat,  db[c] = sum g                  (over every element using w[c])
// Row sums add float32 terms in float64: lanes l mod 4 in two f64x2
// accumulators, combined (0 + 2) + (1 + 3), then the tail of each segment in
// index order, so the order depends only on (K, S). Parameter gradients are
// split by channel c, each summed over its rows in increasing order, so
// results do not depend on how rows or channels are split across threads.

/** (low two lanes of v, high two lanes of v) as float64 pairs. */
// @ts-ignore: decorator
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** The sum of the four f64 lanes of (a, b), as (a0 + b0) + (a1 + b1). */
// @ts-ignore: decorator
@inline function hsum64(a: v128, b: v128): f64 {
  const s = f64x2.add(a, b);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** The 4 weights of elements s..s+3 of segment k: per element when S == 1 (one segment), else one per segment; `none` when wp is 0. */
// @ts-ignore: decorator
@inline function weightAt(wp: usize, wrow: usize, S: usize, k: usize, s: usize, none: f32 = 1): v128 {
  if (wp == 0) return f32x4.splat(none);
  return S == 1 ? v128.load(wp + ((wrow + s) << 2)) : f32x4.splat(load<f32>(wp + ((wrow + k) << 2)));
}

/** The weight of element s of segment k (see weightAt), splat. */
// @ts-ignore: decorator
@inline function weightOne(wp: usize, wrow: usize, S: usize, k: usize, s: usize, none: f32 = 1): v128 {
  if (wp == 0) return f32x4.splat(none);
  return f32x4.splat(load<f32>(wp + ((wrow + (S == 1 ? s : k)) << 2)));
}

/**
 * Forward for rows r0 <= r < r1: meanp[r], invstdp[r] (float32) and
 * out = xhat w + b (wp / bp 0: weight 1, bias 0). One row = K S elements;
 * with S == 1 the row is handled as one segment of K elements.
 */
export function rownorm_forward_f32(
  G: usize, K: usize, S: usize, r0: usize, r1: usize, xp: usize, wp: usize, bp: usize,
  outp: usize, meanp: usize, invstdp: usize, eps: f64,
): void {
  const L = K * S;
  // segments: S == 1 is one segment of length K with per-element weights
  const segs: usize = S == 1 ? 1 : K, seg: usize = S == 1 ? K : S;
  for (let r = r0; r < r1; r++) {
    const row = xp + ((r * L) << 2), orow = outp + ((r * L) << 2);
    const wrow = (r % G) * K;
    // mean
    let a0 = f64x2.splat(0), a1 = a0, t: f64 = 0;
    for (let k: usize = 0; k < segs; k++) {
      const p = row + ((k * seg) << 2);
      let s: usize = 0;
      for (; s + 4 <= seg; s += 4) {
        const v = v128.load(p + (s << 2));
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
        a1 = f64x2.add(a1, promoteHigh(v));
      }
      for (; s < seg; s++) t += <f64>load<f32>(p + (s << 2));
    }
    const mean = (hsum64(a0, a1) + t) / <f64>L;
    // biased variance around the float64 mean
    const mv = f64x2.splat(mean);
    a0 = f64x2.splat(0); a1 = a0; t = 0;
    for (let k: usize = 0; k < segs; k++) {
      const p = row + ((k * seg) << 2);
      let s: usize = 0;
      for (; s + 4 <= seg; s += 4) {
        const v = v128.load(p + (s << 2));
        const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), mv), d1 = f64x2.sub(promoteHigh(v), mv);
        a0 = f64x2.add(a0, f64x2.mul(d0, d0));
        a1 = f64x2.add(a1, f64x2.mul(d1, d1));
      }
      for (; s < seg; s++) {
        const d = <f64>load<f32>(p + (s << 2)) - mean;
        t += d * d;
      }
    }
    const invstd = <f32>(1 / Math.sqrt((hsum64(a0, a1) + t) / <f64>L + eps));
    const m32 = <f32>mean;
    store<f32>(meanp + (r << 2), m32);
    store<f32>(invstdp + (r << 2), invstd);
    // y = ((x - mean) invstd) w + b, the same float32 operations on every lane
    const m = f32x4.splat(m32), is = f32x4.splat(invstd);
    for (let k: usize = 0; k < segs; k++) {
      const off = (k * seg) << 2;
      const p = row + off, o = orow + off;
      let s: usize = 0;
      for (; s + 4 <= seg; s += 4) {
        const q = s << 2;
        const xh = f32x4.mul(f32x4.sub(v128.load(p + q), m), is);
        v128.store(o + q, f32x4.add(f32x4.mul(xh, weightAt(wp, wrow, S, k, s)), weightAt(bp, wrow, S, k, s, 0)));
      }
      for (; s < seg; s++) {
        const q = s << 2;
        const xh = f32x4.mul(f32x4.sub(f32x4.splat(load<f32>(p + q)), m), is);
        store<f32>(o + q, f32x4.extract_lane(f32x4.add(f32x4.mul(xh, weightOne(wp, wrow, S, k, s)), weightOne(bp, wrow, S, k, s, 0)), 0));
      }
    }
  }
}

/**
 * Input gradient for rows r0 <= r < r1: dx = invstd (gh - mean(gh) - xhat mean(gh xhat)),
 * gh = g w (wp 0: w = 1), xhat recomputed from the saved mean and invstd.
 */
export function rownorm_backward_f32(
  G: usize, K: usize, S: usize, r0: usize, r1: usize, xp: usize, gp: usize, meanp: usize, invstdp: usize, wp: usize, dxp: usize,
): void {
  const L = K * S;
  const segs: usize = S == 1 ? 1 : K, seg: usize = S == 1 ? K : S;
  for (let r = r0; r < r1; r++) {
    const base = (r * L) << 2;
    const wrow = (r % G) * K;
    const m = f32x4.splat(load<f32>(meanp + (r << 2))), is = f32x4.splat(load<f32>(invstdp + (r << 2)));
    // sums of gh and gh xhat
    let a0 = f64x2.splat(0), a1 = a0, b0 = a0, b1 = a0, ta: f64 = 0, tb: f64 = 0;
    for (let k: usize = 0; k < segs; k++) {
      const off = base + ((k * seg) << 2);
      let s: usize = 0;
      for (; s + 4 <= seg; s += 4) {
        const q = off + (s << 2);
        const gh = f32x4.mul(v128.load(gp + q), weightAt(wp, wrow, S, k, s));
        const ghx = f32x4.mul(gh, f32x4.mul(f32x4.sub(v128.load(xp + q), m), is));
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(gh));
        a1 = f64x2.add(a1, promoteHigh(gh));
        b0 = f64x2.add(b0, f64x2.promote_low_f32x4(ghx));
        b1 = f64x2.add(b1, promoteHigh(ghx));
      }
      for (; s < seg; s++) {
        const q = off + (s << 2);
        const gh = f32x4.mul(f32x4.splat(load<f32>(gp + q)), weightOne(wp, wrow, S, k, s));
        const ghx = f32x4.mul(gh, f32x4.mul(f32x4.sub(f32x4.splat(load<f32>(xp + q)), m), is));
        ta += <f64>f32x4.extract_lane(gh, 0);
        tb += <f64>f32x4.extract_lane(ghx, 0);
      }
    }
    const A = f32x4.splat(<f32>((hsum64(a0, a1) + ta) / <f64>L));
    const B = f32x4.splat(<f32>((hsum64(b0, b1) + tb) / <f64>L));
    // dx = ((gh - A) - xhat B) invstd
    for (let k: usize = 0; k < segs; k++) {
      const off = base + ((k * seg) << 2);
      let s: usize = 0;
      for (; s + 4 <= seg; s += 4) {
        const q = off + (s << 2);
        const gh = f32x4.mul(v128.load(gp + q), weightAt(wp, wrow, S, k, s));
        const xh = f32x4.mul(f32x4.sub(v128.load(xp + q), m), is);
        v128.store(dxp + q, f32x4.mul(f32x4.sub(f32x4.sub(gh, A), f32x4.mul(xh, B)), is));
      }
      for (; s < seg; s++) {
        const q = off + (s << 2);
        const gh = f32x4.mul(f32x4.splat(load<f32>(gp + q)), weightOne(wp, wrow, S, k, s));
        const xh = f32x4.mul(f32x4.sub(f32x4.splat(load<f32>(xp + q)), m), is);
        store<f32>(dxp + q, f32x4.extract_lane(f32x4.mul(f32x4.sub(f32x4.sub(gh, A), f32x4.mul(xh, B)), is), 0));
      }
    }
  }
}

/**
 * Weight and bias gradients for channels c0 <= c < c1 of the G K weights
 * (R rows, R / G of them per block g = c / K): dw[c] = sum g xhat,
 * db[c] = sum g, float32 terms added in float64 over the rows in increasing
 * order (and, for S > 1, over each row's segment in the fixed lane order).
 * With S == 1, four adjacent channels of a block run as the lanes of one
 * vector, with the same per-lane arithmetic as the one-channel path, so a
 * channel's result does not depend on the range it falls in. dwp / dbp may be 0.
 */
export function rownorm_param_grad_f32(
  R: usize, G: usize, K: usize, S: usize, c0: usize, c1: usize, xp: usize, gp: usize, meanp: usize, invstdp: usize, dwp: usize, dbp: usize,
): void {
  const L = K * S, N = R / G;
  let c = c0;
  while (c < c1) {
    const grp = c / K, k = c % K;
    if (S == 1 && c + 4 <= c1 && k + 4 <= K) {
      // four columns as vector lanes
      let w0 = f64x2.splat(0), w1 = w0, b0 = w0, b1 = w0;
      for (let n: usize = 0; n < N; n++) {
        const r = n * G + grp;
        const q = (r * L + k) << 2;
        const m = f32x4.splat(load<f32>(meanp + (r << 2))), is = f32x4.splat(load<f32>(invstdp + (r << 2)));
        const g = v128.load(gp + q);
        const p = f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(xp + q), m), is));
        w0 = f64x2.add(w0, f64x2.promote_low_f32x4(p));
        w1 = f64x2.add(w1, promoteHigh(p));
        b0 = f64x2.add(b0, f64x2.promote_low_f32x4(g));
        b1 = f64x2.add(b1, promoteHigh(g));
      }
      if (dwp != 0) {
        const o = dwp + (c << 2);
        store<f32>(o, <f32>f64x2.extract_lane(w0, 0)); store<f32>(o + 4, <f32>f64x2.extract_lane(w0, 1));
        store<f32>(o + 8, <f32>f64x2.extract_lane(w1, 0)); store<f32>(o + 12, <f32>f64x2.extract_lane(w1, 1));
      }
      if (dbp != 0) {
        const o = dbp + (c << 2);
        store<f32>(o, <f32>f64x2.extract_lane(b0, 0)); store<f32>(o + 4, <f32>f64x2.extract_lane(b0, 1));
        store<f32>(o + 8, <f32>f64x2.extract_lane(b1, 0)); store<f32>(o + 12, <f32>f64x2.extract_lane(b1, 1));
      }
      c += 4;
      continue;
    }
    // one channel: per row, its segment of S elements
    let sw: f64 = 0, sb: f64 = 0;
    for (let n: usize = 0; n < N; n++) {
      const r = n * G + grp;
      const p = (r * L + k * S) << 2;
      const m = f32x4.splat(load<f32>(meanp + (r << 2))), is = f32x4.splat(load<f32>(invstdp + (r << 2)));
      let w0 = f64x2.splat(0), w1 = w0, b0 = w0, b1 = w0, tw: f64 = 0, tb: f64 = 0;
      let s: usize = 0;
      for (; s + 4 <= S; s += 4) {
        const q = p + (s << 2);
        const g = v128.load(gp + q);
        const pr = f32x4.mul(g, f32x4.mul(f32x4.sub(v128.load(xp + q), m), is));
        w0 = f64x2.add(w0, f64x2.promote_low_f32x4(pr));
        w1 = f64x2.add(w1, promoteHigh(pr));
        b0 = f64x2.add(b0, f64x2.promote_low_f32x4(g));
        b1 = f64x2.add(b1, promoteHigh(g));
      }
      for (; s < S; s++) {
        const q = p + (s << 2);
        const g = f32x4.splat(load<f32>(gp + q));
        const pr = f32x4.mul(g, f32x4.mul(f32x4.sub(f32x4.splat(load<f32>(xp + q)), m), is));
        tw += <f64>f32x4.extract_lane(pr, 0);
        tb += <f64>f32x4.extract_lane(g, 0);
      }
      // S == 1: no vector part, so sw += term exactly as a vector lane does
      sw += hsum64(w0, w1) + tw;
      sb += hsum64(b0, b1) + tb;
    }
    if (dwp != 0) store<f32>(dwp + (c << 2), <f32>sw);
    if (dbp != 0) store<f32>(dbp + (c << 2), <f32>sb);
    c++;
  }
}
