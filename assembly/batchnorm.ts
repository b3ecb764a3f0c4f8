// Batch normalisation over an (N, C, L) layout: statistics per channel c over
// the M = N L elements x[n, c, l]. Each contiguous row x[n, c, :] is summed
// accurately (sum.ts: float32 lanes flushed into float64 every few terms) and
// the row sums are added in float64, so per-channel sums keep about 1e-7
// relative accuracy for any size and the order depends only on the shape.

import { PLAIN, RELU_MASKED, SHIFTED, SHIFTED_SQUARE, reluMask, rowSum, rowDot } from './sum';

/**
 * out[c] = sum_{n, l} x[n, c, l] for channels c0 <= c < c1 (also a
 * convolution's bias gradient). Channels are independent: threads split them.
 */
export function channel_sum_f32(N: usize, C: usize, L: usize, c0: usize, c1: usize, xp: usize, outp: usize): void {
  for (let c = c0; c < c1; c++) {
    let s: f64 = 0;
    for (let n: usize = 0; n < N; n++) s += rowSum(PLAIN, xp + (((n * C + c) * L) << 2), L, 0);
    store<f32>(outp + (c << 2), <f32>s);
  }
}

/**
 * mean[c] and biased var[c] = mean of (x - mean)^2, two passes; the second
 * subtracts the rounded mean and corrects with the residual sum:
 * var = (sum d^2 - (sum d)^2 / M) / M.
 */
// bn_stats_f32 and the backward kernels cover channels c0 <= c < c1 (threads split channels).
export function bn_stats_f32(N: usize, C: usize, L: usize, c0: usize, c1: usize, xp: usize, meanp: usize, varp: usize): void {
  const M = <f64>(N * L);
  for (let c = c0; c < c1; c++) {
    let s: f64 = 0;
    for (let n: usize = 0; n < N; n++) s += rowSum(PLAIN, xp + (((n * C + c) * L) << 2), L, 0);
    const mean = <f32>(s / M);
    let sd: f64 = 0, sdd: f64 = 0;
    for (let n: usize = 0; n < N; n++) {
      const row = xp + (((n * C + c) * L) << 2);
      sd += rowSum(SHIFTED, row, L, mean);
      sdd += rowSum(SHIFTED_SQUARE, row, L, mean);
    }
    store<f32>(meanp + (c << 2), <f32>(<f64>mean + sd / M));
    store<f32>(varp + (c << 2), <f32>max<f64>(0, (sdd - (sd * sd) / M) / M));
  }
}

/**
 * Per channel: invstd = 1 / sqrt(var + eps), scale = w invstd, shift = b - mean scale
 * (w = 1, b = 0 when their pointers are 0); meanOut receives a copy of mean.
 */
export function bn_params_f32(C: usize, meanp: usize, varp: usize, wp: usize, bp: usize, eps: f64, meanOut: usize, invstdp: usize, scalep: usize, shiftp: usize): void {
  for (let c: usize = 0; c < C; c++) {
    const mean = <f64>load<f32>(meanp + (c << 2));
    const invstd = 1 / Math.sqrt(<f64>load<f32>(varp + (c << 2)) + eps);
    const w: f64 = wp != 0 ? <f64>load<f32>(wp + (c << 2)) : 1;
    const b: f64 = bp != 0 ? <f64>load<f32>(bp + (c << 2)) : 0;
    store<f32>(meanOut + (c << 2), <f32>mean);
    store<f32>(invstdp + (c << 2), <f32>invstd);
    store<f32>(scalep + (c << 2), <f32>(w * invstd));
    store<f32>(shiftp + (c << 2), <f32>(b - mean * w * invstd));
  }
}

/** out[n, c, l] = x[n, c, l] scale[c] + shift[c] (shiftp 0: no shift), then max(0, .) with `relu`. out may equal x. */
// @ts-ignore: decorator
@inline function affineRows(relu: bool, N: usize, C: usize, L: usize, xp: usize, scalep: usize, shiftp: usize, outp: usize): void {
  const zero = f32x4.splat(0);
  for (let n: usize = 0; n < N; n++) {
    for (let c: usize = 0; c < C; c++) {
      const off = ((n * C + c) * L) << 2;
      const a = f32x4.splat(load<f32>(scalep + (c << 2)));
      const b = f32x4.splat(shiftp != 0 ? load<f32>(shiftp + (c << 2)) : 0);
      const x = xp + off, o = outp + off;
      let l: usize = 0;
      for (; l + 4 <= L; l += 4) {
        const z = f32x4.add(f32x4.mul(v128.load(x + (l << 2)), a), b);
        v128.store(o + (l << 2), relu ? f32x4.max(z, zero) : z);
      }
      for (; l < L; l++) {
        const z = f32x4.add(f32x4.mul(f32x4.splat(load<f32>(x + (l << 2))), a), b);
        store<f32>(o + (l << 2), f32x4.extract_lane(relu ? f32x4.max(z, zero) : z, 0));
      }
    }
  }
}

/** out[n, c, l] = x[n, c, l] scale[c] + shift[c] (shiftp 0: no shift). out may equal x. */
export function channel_affine_f32(N: usize, C: usize, L: usize, xp: usize, scalep: usize, shiftp: usize, outp: usize): void {
  affineRows(false, N, C, L, xp, scalep, shiftp, outp);
}

/**
 * out[n, c, l] = max(0, x[n, c, l] scale[c] + shift[c]): a batch norm's
 * affine map and the ReLU after it in one pass, the same bits as
 * channel_affine_f32 then relu_f32. out may equal x.
 */
export function channel_affine_relu_f32(N: usize, C: usize, L: usize, xp: usize, scalep: usize, shiftp: usize, outp: usize): void {
  affineRows(true, N, C, L, xp, scalep, shiftp, outp);
}

/** running = (1 - momentum) running + momentum batch, with the variance scaled by `unbias` = M / (M - 1). */
export function bn_update_running_f32(C: usize, meanp: usize, varp: usize, rmp: usize, rvp: usize, momentum: f64, unbias: f64): void {
  for (let c: usize = 0; c < C; c++) {
    if (rmp != 0) {
      const rm = <f64>load<f32>(rmp + (c << 2));
      store<f32>(rmp + (c << 2), <f32>((1 - momentum) * rm + momentum * <f64>load<f32>(meanp + (c << 2))));
    }
    if (rvp != 0) {
      const rv = <f64>load<f32>(rvp + (c << 2));
      store<f32>(rvp + (c << 2), <f32>((1 - momentum) * rv + momentum * unbias * <f64>load<f32>(varp + (c << 2))));
    }
  }
}

/**
 * Backward with xhat = (x - mean) invstd, a = w invstd, sums over (n, l):
 *   dbias = sum g,  dweight = invstd sum g (x - mean)
 *   training: dx = a (g - sum g / M) - a invstd^2 (x - mean) sum g (x - mean) / M
 *   eval (fixed statistics): dx = a g
 * Pointers dxp, dwp, dbp may be 0 (not wanted); wp 0 means w = 1. With
 * `relu` (the backward of relu(batch norm), channel_affine_relu_f32), g is
 * first masked where x scale + shift is not > 0 (reluMask), in registers:
 * the same bits as relu_bwd_f32 into a buffer, then this backward of it.
 */
// @ts-ignore: decorator
@inline function backward(
  relu: bool, N: usize, C: usize, L: usize, c0: usize, c1: usize, xp: usize, gp: usize, meanp: usize, invstdp: usize, wp: usize,
  scalep: usize, shiftp: usize, dxp: usize, dwp: usize, dbp: usize, training: bool,
): void {
  const M = <f64>(N * L);
  for (let c = c0; c < c1; c++) {
    const mean = load<f32>(meanp + (c << 2));
    const invstd = <f64>load<f32>(invstdp + (c << 2));
    const scale: f32 = relu ? load<f32>(scalep + (c << 2)) : 0, shift: f32 = relu ? load<f32>(shiftp + (c << 2)) : 0;
    let sg: f64 = 0, sgx: f64 = 0;
    if (dwp != 0 || dbp != 0 || (dxp != 0 && training)) {
      for (let n: usize = 0; n < N; n++) {
        const off = ((n * C + c) * L) << 2;
        sg += relu ? rowSum(RELU_MASKED, gp + off, L, 0, xp + off, scale, shift) : rowSum(PLAIN, gp + off, L, 0);
        sgx += rowDot(xp + off, gp + off, L, mean, relu, scale, shift);
      }
    }
    if (dbp != 0) store<f32>(dbp + (c << 2), <f32>sg);
    if (dwp != 0) store<f32>(dwp + (c << 2), <f32>(sgx * invstd));
    if (dxp == 0) continue;
    const w: f64 = wp != 0 ? <f64>load<f32>(wp + (c << 2)) : 1;
    const a = w * invstd;
    const av = f32x4.splat(<f32>a);
    const kv = f32x4.splat(training ? <f32>(-a * sg / M) : 0);
    const bv = f32x4.splat(training ? <f32>(-a * invstd * invstd * sgx / M) : 0);
    const mv = f32x4.splat(mean), sv = f32x4.splat(scale), hv = f32x4.splat(shift);
    for (let n: usize = 0; n < N; n++) {
      const off = ((n * C + c) * L) << 2;
      const x = xp + off, g = gp + off, d = dxp + off;
      let l: usize = 0;
      for (; l + 4 <= L; l += 4) {
        const q = l << 2;
        const xv = v128.load(x + q), gv = relu ? reluMask(v128.load(g + q), xv, sv, hv) : v128.load(g + q);
        v128.store(d + q, f32x4.add(f32x4.add(f32x4.mul(gv, av), kv), f32x4.mul(f32x4.sub(xv, mv), bv)));
      }
      for (; l < L; l++) {
        const q = l << 2;
        const xv = f32x4.splat(load<f32>(x + q)), gv0 = f32x4.splat(load<f32>(g + q));
        const gv = relu ? reluMask(gv0, xv, sv, hv) : gv0;
        store<f32>(d + q, f32x4.extract_lane(f32x4.add(f32x4.add(f32x4.mul(gv, av), kv), f32x4.mul(f32x4.sub(xv, mv), bv)), 0));
      }
    }
  }
}

/** The batch norm backward (see backward) for channels c0 <= c < c1. */
export function bn_backward_f32(
  N: usize, C: usize, L: usize, c0: usize, c1: usize, xp: usize, gp: usize, meanp: usize, invstdp: usize, wp: usize,
  dxp: usize, dwp: usize, dbp: usize, training: bool,
): void {
  backward(false, N, C, L, c0, c1, xp, gp, meanp, invstdp, wp, 0, 0, dxp, dwp, dbp, training);
}

/**
 * The backward of relu(batch norm) (see backward) for channels c0 <= c < c1,
 * given the forward's per-channel scale and shift (channel_affine_relu_f32).
 */
export function bn_relu_backward_f32(
  N: usize, C: usize, L: usize, c0: usize, c1: usize, xp: usize, gp: usize, meanp: usize, invstdp: usize, wp: usize,
  scalep: usize, shiftp: usize, dxp: usize, dwp: usize, dbp: usize, training: bool,
): void {
  backward(true, N, C, L, c0, c1, xp, gp, meanp, invstdp, wp, scalep, shiftp, dxp, dwp, dbp, training);
}
