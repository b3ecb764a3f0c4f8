/**
 * Batch-normalisation drivers (assembly/batchnorm.ts) over an (N, C, L)
 * layout: per-channel statistics and the backward's sums (threads split the
 * rows x[n, c, :], never a sum: each row's float64 sums go to a table, added
 * per channel in sample order after), the per-channel affine map and the
 * backward's dx (threads split the samples), the running averages: every
 * pass a contiguous stream per thread.
 * Results are bit-identical for any thread count. No autograd, no argument
 * checks (src/ops/batchnorm.ts).
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { ELEMENT_WORK, parallelFor } from '../runtime/parallel';

/** (N, C, L) sizes of a tensor laid out as (N, C, ...). */
export const ncl = (x: Tensor): [number, number, number] => [x.shape[0], x.shape[1], x.numel() / Math.max(1, x.shape[0] * x.shape[1]) || 0];

/** out[c] = sum of x[n, c, ...] over every other dim, a new [C] tensor (x contiguous, rank >= 2); also a convolution's bias gradient. */
export function channelSum(x: Tensor): Tensor {
  const [N, C, L] = ncl(x);
  const out = Tensor.empty([C]), rows = Tensor.empty([4 * N * C]);
  try {
    parallelFor(N * C, N * C * L * ELEMENT_WORK, (k, lo, hi) => k.bn_stats_rows_f32(lo, hi, C, L, 0, x.ptr, 0, rows.ptr));
    kernels().bn_stats_reduce_f32(N, C, 1, 0, rows.ptr, out.ptr, 0);
  } finally {
    rows.dispose();
  }
  return out;
}

/** The forward's inputs: contiguous x (N, C, ...), optional contiguous weight and bias [C], running averages [C] (updated in place when training). */
export interface BatchNormInputs {
  x: Tensor;
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  training: boolean;
  momentum: number;
  eps: number;
  /** Apply max(0, .) in the same pass (batch norm + ReLU fused; default false). */
  relu?: boolean;
  /** With relu: a contiguous tensor of x's shape added before the ReLU (batch norm + add + ReLU fused). */
  residual?: Tensor | null;
}

/** The forward's results: y, the statistics it used, and (with relu) the per-channel affine map the backward's ReLU mask needs. */
export interface BatchNormResult {
  out: Tensor;
  mean: Tensor;
  invstd: Tensor;
  /** y = x scale + shift per channel before the ReLU ([C] each); null without relu, or with a residual (its backward masks by the output). */
  affine: { scale: Tensor; shift: Tensor } | null;
}

/**
 * y = (x - mean) invstd weight + bias per channel, with the batch's
 * statistics when training (the running averages then move by momentum,
 * the variance unbiased) or the running ones, and with relu y = max(0, y)
 * (or max(0, y + residual)) in the same pass; returns y and what the backward needs.
 */
export function batchNormForward({ x, weight, bias, runningMean, runningVar, training, momentum, eps, relu = false, residual = null }: BatchNormInputs): BatchNormResult {
  const [N, C, L] = ncl(x);
  const k = kernels();
  const wp = weight?.ptr ?? 0, bp = bias?.ptr ?? 0;
  const mean = Tensor.empty([C]), invstd = Tensor.empty([C]), scale = Tensor.empty([C]), shift = Tensor.empty([C]);
  try {
    if (training) {
      // the batch variance, and per row two float64 sums (16 bytes, as 4 float32 slots) of scratch
      const variance = Tensor.empty([C]), rows = Tensor.empty([4 * N * C]);
      try {
        for (const pass of [0, 1]) {
          parallelFor(N * C, N * C * L * ELEMENT_WORK, (kt, lo, hi) => kt.bn_stats_rows_f32(lo, hi, C, L, pass, x.ptr, mean.ptr, rows.ptr));
          k.bn_stats_reduce_f32(N, C, N * L, pass, rows.ptr, mean.ptr, variance.ptr);
        }
        k.bn_params_f32(C, mean.ptr, variance.ptr, wp, bp, eps, mean.ptr, invstd.ptr, scale.ptr, shift.ptr);
        if (runningMean !== null || runningVar !== null) {
          const M = N * L;
          k.bn_update_running_f32(C, mean.ptr, variance.ptr, runningMean?.ptr ?? 0, runningVar?.ptr ?? 0, momentum, M / (M - 1));
        }
      } finally {
        variance.dispose();
        rows.dispose();
      }
    } else {
      k.bn_params_f32(C, runningMean!.ptr, runningVar!.ptr, wp, bp, eps, mean.ptr, invstd.ptr, scale.ptr, shift.ptr);
    }
    const out = Tensor.empty(x.shape);
    // normalise + affine (+ ReLU): samples are independent, so split them across threads
    const sample = C * L;
    parallelFor(N, N * sample * ELEMENT_WORK, (kt, lo, hi) => {
      const o = lo * sample * 4;
      if (residual !== null) kt.channel_affine_add_relu_f32(hi - lo, C, L, x.ptr + o, scale.ptr, shift.ptr, residual.ptr + o, out.ptr + o);
      else kt[relu ? 'channel_affine_relu_f32' : 'channel_affine_f32'](hi - lo, C, L, x.ptr + o, scale.ptr, shift.ptr, out.ptr + o);
    });
    if (relu && residual === null) return { out, mean, invstd, affine: { scale, shift } };
    scale.dispose();
    shift.dispose();
    return { out, mean, invstd, affine: null };
  } catch (e) {
    for (const t of [mean, invstd, scale, shift]) t.dispose();
    throw e;
  }
}

/**
 * A ReLU fused after the batch norm, whose mask the backward applies to g:
 * relu(batch norm) masks where the forward's x scale + shift is not > 0,
 * relu(batch norm + residual) where its output `out` is not > 0, writing the
 * masked g to `masked` (may be g itself): the residual's gradient.
 */
export type FusedRelu = { scale: Tensor; shift: Tensor } | { out: Tensor; masked: Tensor };

/**
 * The gradients (those asked for, else null) of batchNormForward given
 * contiguous x and g, the mean and invstd it used, the weight (or null) and
 * its fused ReLU, if any (g is then masked inside the kernels' passes). With
 * overwriteG (the caller gives up the gradient dx's pass reads: g, or the
 * masked g) dx is written over it and is it: the sums have read it by then,
 * and dx's pass reads each element before it writes it.
 */
export function batchNormBackward(
  x: Tensor, g: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor | null, training: boolean,
  want: { x: boolean; weight: boolean; bias: boolean }, relu: FusedRelu | null = null, overwriteG = false,
): { dx: Tensor | null; dw: Tensor | null; db: Tensor | null } {
  const [N, C, L] = ncl(x);
  const M = N * L;
  const k = kernels();
  const byOutput = relu !== null && 'out' in relu ? relu : null, affine = relu !== null && 'scale' in relu ? relu : null;
  // the output-masked form always runs the sums' pass: it writes the masked g
  const needSums = want.weight || want.bias || (want.x && training) || byOutput !== null;
  // dx's pass reads the masked g of the output-masked form, with no mask of its own
  const gIn = byOutput?.masked ?? g;
  // per row x[n, c, :]: the two float64 sums (16 bytes, as 4 float32 slots); per channel dx's three coefficients
  const rowSums = needSums ? Tensor.empty([4 * N * C]) : null, coef = want.x ? Tensor.empty([3 * C]) : null;
  let dx: Tensor | null = null, dw: Tensor | null = null, db: Tensor | null = null;
  try {
    dx = want.x ? (overwriteG ? gIn : Tensor.empty(x.shape)) : null;
    dw = want.weight ? Tensor.empty([C]) : null;
    db = want.bias ? Tensor.empty([C]) : null;
    if (rowSums !== null) {
      // rows split across threads, a contiguous stream each
      parallelFor(N * C, 2 * N * C * L * ELEMENT_WORK, (kt, lo, hi) => {
        if (byOutput !== null) kt.bn_add_relu_backward_rows_f32(lo, hi, C, L, x.ptr, g.ptr, byOutput.out.ptr, mean.ptr, byOutput.masked.ptr, rowSums.ptr);
        else if (affine !== null) kt.bn_relu_backward_rows_f32(lo, hi, C, L, x.ptr, g.ptr, mean.ptr, affine.scale.ptr, affine.shift.ptr, rowSums.ptr);
        else kt.bn_backward_rows_f32(lo, hi, C, L, x.ptr, g.ptr, mean.ptr, rowSums.ptr);
      });
    }
    k.bn_backward_coefs_f32(N, C, M, rowSums?.ptr ?? 0, invstd.ptr, weight?.ptr ?? 0, training ? 1 : 0, dw?.ptr ?? 0, db?.ptr ?? 0, coef?.ptr ?? 0);
    if (dx !== null) {
      const out = dx, cp = coef!.ptr, sample = C * L;
      // dx: samples are independent, so split them across threads (a contiguous stream each)
      parallelFor(N, N * sample * ELEMENT_WORK, (kt, lo, hi) => {
        const o = lo * sample * 4;
        if (affine === null) kt.bn_backward_apply_f32(hi - lo, C, L, x.ptr + o, gIn.ptr + o, mean.ptr, cp, out.ptr + o);
        else kt.bn_relu_backward_apply_f32(hi - lo, C, L, x.ptr + o, g.ptr + o, mean.ptr, cp, affine.scale.ptr, affine.shift.ptr, out.ptr + o);
      });
    }
  } catch (e) {
    for (const t of [dx, dw, db]) if (t !== gIn) t?.dispose();
    throw e;
  } finally {
    rowSums?.dispose();
    coef?.dispose();
  }
  return { dx, dw, db };
}
