// Counter-based random numbers: Philox4x32-10 (Salmon et al. 2011). Block b of
// a stream keyed by (k0, k1) is philox(counter + b, key) and holds four 32-bit
// words, so a value depends only on the seed and its position: the same bits
// in every runtime, however the work is split.
import { vlog, vsin, vcos } from './vmath';

// @ts-ignore: decorator
@inline const M0: u64 = 0xD2511F53;
// @ts-ignore: decorator
@inline const M1: u64 = 0xCD9E8D57;

/** The four words of block `ctr` (a 64-bit counter as lo, hi) as an i32x4. */
// @ts-ignore: decorator
@inline function philox(lo: u32, hi: u32, k0: u32, k1: u32): v128 {
  let c0 = lo, c1 = hi, c2: u32 = 0, c3: u32 = 0;
  for (let r = 0; r < 10; r++) {
    const p0 = M0 * <u64>c0;
    const p1 = M1 * <u64>c2;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += 0x9E3779B9;
    k1 += 0xBB67AE85;
  }
  let v = i32x4.splat(c0);
  v = i32x4.replace_lane(v, 1, c1);
  v = i32x4.replace_lane(v, 2, c2);
  return i32x4.replace_lane(v, 3, c3);
}

/** Words to floats in [0, 1): the top 24 bits times 2^-24. */
// @ts-ignore: decorator
@inline function unit(w: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(w, 8)), f32x4.splat(5.9604644775390625e-8));
}

// @ts-ignore: decorator
@inline function storeBlock(outp: usize, i: usize, n: usize, v: v128): void {
  if (i + 4 <= n) {
    v128.store(outp + (i << 2), v);
  } else {
    if (i < n) store<f32>(outp + (i << 2), f32x4.extract_lane(v, 0));
    if (i + 1 < n) store<f32>(outp + ((i + 1) << 2), f32x4.extract_lane(v, 1));
    if (i + 2 < n) store<f32>(outp + ((i + 2) << 2), f32x4.extract_lane(v, 2));
  }
}

/** out[i] = lo + (hi - lo) u_i, u uniform in [0, 1); uses ceil(n / 4) counters. */
export function uniform_f32(n: usize, outp: usize, k0: u32, k1: u32, clo: u32, chi: u32, lo: f32, hi: f32): void {
  for (let i: usize = 0; i < n; i += 4) {
    const l = clo + <u32>(i >> 2);
    const w = philox(l, chi + (l < clo ? 1 : 0), k0, k1);
    storeBlock(outp, i, n, f32x4.add(f32x4.splat(lo), f32x4.mul(f32x4.splat(hi - lo), unit(w))));
  }
}

/** out[i] = value with probability p, else 0. */
export function bernoulli_f32(n: usize, outp: usize, k0: u32, k1: u32, clo: u32, chi: u32, p: f32, value: f32): void {
  for (let i: usize = 0; i < n; i += 4) {
    const l = clo + <u32>(i >> 2);
    const w = philox(l, chi + (l < clo ? 1 : 0), k0, k1);
    storeBlock(outp, i, n, v128.and(f32x4.lt(unit(w), f32x4.splat(p)), f32x4.splat(value)));
  }
}

/**
 * out[i] = mean + std z_i with z standard normal by Box-Muller: a block's words
 * (w0, w1, w2, w3) give u = (w0, w1) in (0, 1] and t = 2 pi (w2, w3) - pi, and
 * z = (r0 cos t0, r1 cos t1, r0 sin t0, r1 sin t1) with r = sqrt(-2 log u).
 */
export function normal_f32(n: usize, outp: usize, k0: u32, k1: u32, clo: u32, chi: u32, mean: f32, std: f32): void {
  for (let i: usize = 0; i < n; i += 4) {
    const l = clo + <u32>(i >> 2);
    const w = philox(l, chi + (l < clo ? 1 : 0), k0, k1);
    const top = f32x4.convert_i32x4_u(i32x4.shr_u(w, 8));
    const u = f32x4.mul(f32x4.add(i32x4.shuffle(top, top, 0, 1, 0, 1), f32x4.splat(1)), f32x4.splat(5.9604644775390625e-8));
    const t = f32x4.sub(f32x4.mul(i32x4.shuffle(top, top, 2, 3, 2, 3), f32x4.splat(3.7450702e-7)), f32x4.splat(3.14159265358979324));
    const r = f32x4.sqrt(f32x4.mul(f32x4.splat(-2), vlog(u)));
    const c = vcos(t), s = vsin(t);
    const z = f32x4.mul(r, i32x4.shuffle(c, s, 0, 1, 4, 5));
    storeBlock(outp, i, n, f32x4.add(f32x4.splat(mean), f32x4.mul(f32x4.splat(std), z)));
  }
}
