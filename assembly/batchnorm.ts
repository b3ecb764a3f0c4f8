// Batch normalisation over an (N, C, L) layout: statistics per channel c over
// the M = N L elements x[n, c, l]. Each contiguous row x[n, c, :] is summed
// accurately (sum.ts: float32 lanes flushed into float64 every few terms) and
// the row sums are added in float64, so per-channel sums keep about 1e-7
// relative accuracy for any size and the order depends only on the shape.
// The row passes write each row's float64 results to a table of rows
// (16 bytes per row, rows in memory order: threads split ranges of rows,
// contiguous streams); a per-channel pass then adds them in sample order.

import { PLAIN, RELU_MASKED, reluMask, rowSum, rowDot, shiftedSquareSum, shiftedSums } from './sum';

/**
 * The sum over n = 0 .. N - 1, in order from 0, of the float64 at byte
 * `slot` (0 or 8) of row n C + c of the table at rowsp (16 bytes per row):
 * a channel's total of its rows' sums.
 */
// @ts-ignore: decorator
@inline function tableSum(N: usize, C: usize, c: usize, slot: usize, rowsp: usize): f64 {
  let s: f64 = 0;
  for (let n: usize = 0; n < N; n++) s += load<f64>(rowsp + ((n * C + c) << 4) + slot);
  return s;
}

/**
 * The row pass of the batch statistics, for rows r0 <= r < r1 (row r =
 * x[n, c, :], n = r / C, c = r % C, L floats at xp + 4 r L): pass 0 its sum
 * into rows[r].0, pass 1 the sums of (x - mean[c]) and of (x - mean[c])^2
 * into rows[r].0 and .1 (float64; rows 16 bytes apart at rowsp).
 */
export function bn_stats_rows_f32(r0: usize, r1: usize, C: usize, L: usize, pass: i32, xp: usize, meanp: usize, rowsp: usize): void {
  for (let r = r0; r < r1; r++) {
    const row = xp + ((r * L) << 2), q = rowsp + (r << 4);
    if (pass == 0) {
      store<f64>(q, rowSum(PLAIN, row, L));
    } else {
      store<f64>(q, shiftedSums(row, L, load<f32>(meanp + ((r % C) << 2))));
      store<f64>(q, shiftedSquareSum, 8);
    }
  }
}

/**
 * The per-channel pass after bn_stats_rows_f32 over all N C rows: pass 0
 * mean[c] = (sum over n, in order, of rows[n C + c].0) / M (M = N L; M = 1
 * gives the channel sums, a convolution's bias gradient); pass 1 (mean[c]
 * now rounded, sd and sdd the sums of .0 and .1) mean[c] += sd / M and the
 * biased var[c] = (sdd - sd^2 / M) / M: two passes, the second corrects the
 * rounded mean with the residual sum.
 */
export function bn_stats_reduce_f32(N: usize, C: usize, M: f64, pass: i32, rowsp: usize, meanp: usize, varp: usize): void {
  for (let c: usize = 0; c < C; c++) {
    const sd = tableSum(N, C, c, 0, rowsp), sdd: f64 = pass != 0 ? tableSum(N, C, c, 8, rowsp) : 0;
    if (pass == 0) {
      store<f32>(meanp + (c << 2), <f32>(sd / M));
    } else {
      store<f32>(meanp + (c << 2), <f32>(<f64>load<f32>(meanp + (c << 2)) + sd / M));
      store<f32>(varp + (c << 2), <f32>max<f64>(0, (sdd - (sd * sd) / M) / M));
    }
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

/**
 * out[n, c, l] = x[n, c, l] scale[c] + shift[c] (shiftp 0: no shift), plus
 * r[n, c, l] with `residual`, then max(0, .) with `relu`. out may equal x or r.
 */
// @ts-ignore: decorator
@inline function affineRows(relu: bool, residual: bool, N: usize, C: usize, L: usize, xp: usize, scalep: usize, shiftp: usize, rp: usize, outp: usize): void {
  const zero = f32x4.splat(0);
  for (let n: usize = 0; n < N; n++) {
    for (let c: usize = 0; c < C; c++) {
      const off = ((n * C + c) * L) << 2;
      const a = f32x4.splat(load<f32>(scalep + (c << 2)));
      const b = f32x4.splat(shiftp != 0 ? load<f32>(shiftp + (c << 2)) : 0);
      const x = xp + off, r = rp + off, o = outp + off;
      let l: usize = 0;
      for (; l + 4 <= L; l += 4) {
        let z = f32x4.add(f32x4.mul(v128.load(x + (l << 2)), a), b);
        if (residual) z = f32x4.add(z, v128.load(r + (l << 2)));
        v128.store(o + (l << 2), relu ? f32x4.max(z, zero) : z);
      }
      for (; l < L; l++) {
        let z = f32x4.add(f32x4.mul(f32x4.splat(load<f32>(x + (l << 2))), a), b);
        if (residual) z = f32x4.add(z, f32x4.splat(load<f32>(r + (l << 2))));
        store<f32>(o + (l << 2), f32x4.extract_lane(relu ? f32x4.max(z, zero) : z, 0));
      }
    }
  }
}

/** out[n, c, l] = x[n, c, l] scale[c] + shift[c] (shiftp 0: no shift). out may equal x. */
export function channel_affine_f32(N: usize, C: usize, L: usize, xp: usize, scalep: usize, shiftp: usize, outp: usize): void {
  affineRows(false, false, N, C, L, xp, scalep, shiftp, 0, outp);
}

/**
 * out[n, c, l] = max(0, x[n, c, l] scale[c] + shift[c]): a batch norm's
 * affine map and the ReLU after it in one pass, the same bits as
 * channel_affine_f32 then relu_f32. out may equal x.
 */
export function channel_affine_relu_f32(N: usize, C: usize, L: usize, xp: usize, scalep: usize, shiftp: usize, outp: usize): void {
  affineRows(true, false, N, C, L, xp, scalep, shiftp, 0, outp);
}

/**
 * out[n, c, l] = max(0, (x[n, c, l] scale[c] + shift[c]) + r[n, c, l]): a
 * batch norm's affine map, a residual add and the ReLU in one pass, the same
 * bits as channel_affine_f32 then add_relu_f32. out may equal x or r.
 */
export function channel_affine_add_relu_f32(N: usize, C: usize, L: usize, xp: usize, scalep: usize, shiftp: usize, rp: usize, outp: usize): void {
  affineRows(true, true, N, C, L, xp, scalep, shiftp, rp, outp);
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
 * in three kernels: each row's sums (threads split the rows, a contiguous
 * stream), the per-channel coefficients (the rows' float64 sums added in
 * sample order), and dx (threads split samples, a contiguous stream). A fused ReLU masks g first (the
 * gradient through relu, the same bits as relu_bwd_f32 into a buffer, then
 * this backward of it): AFFINE_MASK (relu(batch norm), channel_affine_relu_f32)
 * where x scale + shift is not > 0, in registers (reluMask); OUTPUT_MASK
 * (relu(batch norm + r), channel_affine_add_relu_f32) where the forward's
 * output is not > 0, each row written to gm (the residual's gradient) and
 * summed from there while it is in cache.
 */
// @ts-ignore: decorator
@inline const NO_MASK = 0;
// @ts-ignore: decorator
@inline const AFFINE_MASK = 1;
// @ts-ignore: decorator
@inline const OUTPUT_MASK = 2;

// @ts-ignore: decorator
@inline function backwardRows(
  mask: i32, r0: usize, r1: usize, C: usize, L: usize, xp: usize, gp: usize, meanp: usize,
  scalep: usize, shiftp: usize, outp: usize, gmp: usize, rowsp: usize,
): void {
  const relu = mask == AFFINE_MASK;
  for (let r = r0; r < r1; r++) {
    const c = r % C, off = (r * L) << 2;
    const mean = load<f32>(meanp + (c << 2));
    const scale: f32 = relu ? load<f32>(scalep + (c << 2)) : 0, shift: f32 = relu ? load<f32>(shiftp + (c << 2)) : 0;
    let g = gp + off;
    if (mask == OUTPUT_MASK) {
      maskRow(g, outp + off, gmp + off, L);
      g = gmp + off;
    }
    const q = rowsp + (r << 4);
    store<f64>(q, relu ? rowSum(RELU_MASKED, g, L, xp + off, scale, shift) : rowSum(PLAIN, g, L));
    store<f64>(q, rowDot(xp + off, g, L, mean, relu, scale, shift), 8);
  }
}

/** gm[k] = g[k] where out[k] > 0, else 0, for n values (relu_bwd_f32's bits); gm may equal g. */
// @ts-ignore: decorator
@inline function maskRow(gp: usize, outp: usize, gmp: usize, n: usize): void {
  const zero = f32x4.splat(0);
  let k: usize = 0;
  for (; k + 4 <= n; k += 4) v128.store(gmp + (k << 2), v128.and(v128.load(gp + (k << 2)), f32x4.gt(v128.load(outp + (k << 2)), zero)));
  for (; k < n; k++) store<f32>(gmp + (k << 2), load<f32>(outp + (k << 2)) > 0 ? load<f32>(gp + (k << 2)) : 0);
}

/**
 * rows[r] = (sum g, sum g (x - mean[c])) in float64 (16 bytes per row) for
 * the rows r0 <= r < r1 (row r: sample r / C, channel c = r % C): the
 * backward's reductions (see above).
 */
export function bn_backward_rows_f32(r0: usize, r1: usize, C: usize, L: usize, xp: usize, gp: usize, meanp: usize, rowsp: usize): void {
  backwardRows(NO_MASK, r0, r1, C, L, xp, gp, meanp, 0, 0, 0, 0, rowsp);
}

/** bn_backward_rows_f32 of relu(batch norm): g masked by the forward's scale and shift. */
export function bn_relu_backward_rows_f32(
  r0: usize, r1: usize, C: usize, L: usize, xp: usize, gp: usize, meanp: usize, scalep: usize, shiftp: usize, rowsp: usize,
): void {
  backwardRows(AFFINE_MASK, r0, r1, C, L, xp, gp, meanp, scalep, shiftp, 0, 0, rowsp);
}

/**
 * bn_backward_rows_f32 of relu(batch norm + r): gm = g [out > 0] (out the
 * forward's output; gm may equal g) written for the rows r0 <= r < r1, then
 * summed. gm is the residual's gradient and bn_backward_apply_f32's g.
 */
export function bn_add_relu_backward_rows_f32(
  r0: usize, r1: usize, C: usize, L: usize, xp: usize, gp: usize, outp: usize, meanp: usize, gmp: usize, rowsp: usize,
): void {
  backwardRows(OUTPUT_MASK, r0, r1, C, L, xp, gp, meanp, 0, 0, outp, gmp, rowsp);
}

/**
 * From the rows' sums of the N C rows (rowsp 0: not computed, eval's dx
 * needs none), added per channel in sample order (sum g, sum g (x - mean)):
 * dbias, dweight (pointers 0: not wanted) and dx's per-channel coefficients
 * (coefp 0: not wanted) coef[c] = (a, -a sum g / M, -a invstd^2 sum g (x - mean) / M)
 * as float32 (the last two 0 in eval); wp 0 means w = 1.
 */
export function bn_backward_coefs_f32(N: usize, C: usize, M: f64, rowsp: usize, invstdp: usize, wp: usize, training: bool, dwp: usize, dbp: usize, coefp: usize): void {
  for (let c: usize = 0; c < C; c++) {
    const sg: f64 = rowsp != 0 ? tableSum(N, C, c, 0, rowsp) : 0, sgx: f64 = rowsp != 0 ? tableSum(N, C, c, 8, rowsp) : 0;
    const invstd = <f64>load<f32>(invstdp + (c << 2));
    if (dbp != 0) store<f32>(dbp + (c << 2), <f32>sg);
    if (dwp != 0) store<f32>(dwp + (c << 2), <f32>(sgx * invstd));
    const a = (wp != 0 ? <f64>load<f32>(wp + (c << 2)) : 1) * invstd;
    if (coefp == 0) continue;
    const q = coefp + c * 12;
    store<f32>(q, <f32>a);
    store<f32>(q, training ? <f32>(-a * sg / M) : 0, 4);
    store<f32>(q, training ? <f32>(-a * invstd * invstd * sgx / M) : 0, 8);
  }
}

// @ts-ignore: decorator
@inline function backwardApply(
  relu: bool, N: usize, C: usize, L: usize, xp: usize, gp: usize, meanp: usize, coefp: usize, scalep: usize, shiftp: usize, dxp: usize,
): void {
  for (let n: usize = 0; n < N; n++) {
    for (let c: usize = 0; c < C; c++) {
      const off = ((n * C + c) * L) << 2;
      const q = coefp + c * 12;
      const av = f32x4.splat(load<f32>(q)), kv = f32x4.splat(load<f32>(q, 4)), bv = f32x4.splat(load<f32>(q, 8));
      const mv = f32x4.splat(load<f32>(meanp + (c << 2)));
      const sv = f32x4.splat(relu ? load<f32>(scalep + (c << 2)) : 0), hv = f32x4.splat(relu ? load<f32>(shiftp + (c << 2)) : 0);
      const x = xp + off, g = gp + off, d = dxp + off;
      let l: usize = 0;
      for (; l + 4 <= L; l += 4) {
        const k = l << 2;
        const xv = v128.load(x + k), gv = relu ? reluMask(v128.load(g + k), xv, sv, hv) : v128.load(g + k);
        v128.store(d + k, f32x4.add(f32x4.add(f32x4.mul(gv, av), kv), f32x4.mul(f32x4.sub(xv, mv), bv)));
      }
      for (; l < L; l++) {
        const k = l << 2;
        const xv = f32x4.splat(load<f32>(x + k)), gv0 = f32x4.splat(load<f32>(g + k));
        const gv = relu ? reluMask(gv0, xv, sv, hv) : gv0;
        store<f32>(d + k, f32x4.extract_lane(f32x4.add(f32x4.add(f32x4.mul(gv, av), kv), f32x4.mul(f32x4.sub(xv, mv), bv)), 0));
      }
    }
  }
}

/** dx = a g + k + (x - mean) b per channel (coef from bn_backward_coefs_f32) over N samples (pointers at the first). */
export function bn_backward_apply_f32(N: usize, C: usize, L: usize, xp: usize, gp: usize, meanp: usize, coefp: usize, dxp: usize): void {
  backwardApply(false, N, C, L, xp, gp, meanp, coefp, 0, 0, dxp);
}

/** bn_backward_apply_f32 of relu(batch norm): g masked by the forward's scale and shift. */
export function bn_relu_backward_apply_f32(N: usize, C: usize, L: usize, xp: usize, gp: usize, meanp: usize, coefp: usize, scalep: usize, shiftp: usize, dxp: usize): void {
  backwardApply(true, N, C, L, xp, gp, meanp, coefp, scalep, shiftp, dxp);
}
