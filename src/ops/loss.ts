/**
 * Classification losses with PyTorch's semantics; logits or log-probabilities
 * x and integer class labels t given as a float tensor, in PyTorch's shapes:
 * x (N, C) with t (N); x (N, C, d1, ...) with t (N, d1, ...) (one prediction
 * per position: the class dim moves last and positions become rows); x (C)
 * with a scalar t. Optional class weights w (C). Rows whose label is
 * ignoreIndex contribute nothing; 'mean' divides by the total weight
 * sum_i w_{t_i} of the other rows (their number without weights).
 *   crossEntropy: fused log-softmax + NLL, with label smoothing eps:
 *     loss_i = (1 - eps) w_t (lse_i - x_it) + eps / C sum_c w_c (lse_i - x_ic),
 *     lse_i = log sum_c exp(x_ic);
 *     dx_ic = g_i (p_ic ((1 - eps) w_t + eps / C W) - eps / C w_c - (1 - eps) w_t [c = t_i]),  W = sum_c w_c
 *   nllLoss: loss_i = -w_t x_it;  dx_ic = -g_i w_t [c = t_i]
 * crossEntropy also takes class probabilities y of x's own shape as the
 * target: loss_i = -sum_c w_c y'_ic log softmax(x_i)_c with y' = (1 - eps) y + eps / C,
 * and 'mean' divides by the number of rows (composed of differentiable ops).
 */
import { Tensor } from '../tensor';
import { classLossBackward, classLossReduce, classLossRows } from '../drivers/loss';
import { firstBadIndex } from '../drivers/indexing';
import { fmtShape, sameShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { atomic, scope } from '../autograd/scope';
import { materialize } from './create';
import { permute, reshape } from './views';
import { mul } from './binary';
import { affine, neg } from './unary';
import { sum, mean } from './reduce';
import { logSoftmax } from './softmax';
import { integer, nullable, number, oneOf, param, parseArgs, required, tensor as tensorArg } from '../validate';

/**
 * How a loss combines its per-element values: 'mean' (default), 'sum' or 'none' (no reduction).
 * @example F.mseLoss(y, t, { reduction: 'sum' })
 */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Options of nllLoss: reduction (default 'mean'), ignoreIndex (default -100), weight (default none).
 * Input (N, C) or (N, C, d1, ...) log-probabilities, target (N) or (N, d1, ...) class indices.
 * @example F.nllLoss(logp, target, { ignoreIndex: 0 })
 */
export interface NllLossOptions {
  /** 'mean' (default: divided by the total weight of the counted rows), 'sum' or 'none' (one loss per row). */
  reduction?: Reduction;
  /** Rows with this label count for nothing (default -100). */
  ignoreIndex?: number;
  /** A weight per class (C), as PyTorch's `weight` (default none). */
  weight?: Tensor | null;
}

/**
 * Options of crossEntropy: nllLoss's plus labelSmoothing (default 0).
 * Input (N, C) or (N, C, d1, ...) logits; target class indices (N) or (N, d1, ...), or probabilities of the input's shape.
 * @example F.crossEntropy(logits, target, { labelSmoothing: 0.1 })
 */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution: (1 - eps) target + eps / C (default 0; in [0, 1]). */
  labelSmoothing?: number;
}

/** The classification losses' arguments: PyTorch's positional weight, the rest as options. */
const NLL_ARGS = {
  weight: param(nullable(tensorArg), null),
  ignoreIndex: param(integer(), -100),
  reduction: param(oneOf(['mean', 'sum', 'none']), 'mean'),
};
const CROSS_ENTROPY_ARGS = { ...NLL_ARGS, labelSmoothing: param(number({ min: 0, max: 1 }), 0) };

/** The loss of rows x (M, C) at labels t (M): the kernels and the backward. */
function rowLoss(op: string, fused: boolean, x: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number, eps: number): Tensor {
  const [N, C] = x.shape;
  const { t: tc, owned: to } = materialize(target);
  const bad = firstBadIndex(tc, C, ignoreIndex);
  if (bad !== null) {
    if (to) tc.dispose();
    throw new RangeError(`${op}: target ${bad.value} at row ${bad.at} is not a class index in [0, ${C}) (C = ${C}) nor ignoreIndex ${ignoreIndex}`);
  }
  const settings = { fused, ignoreIndex, eps };
  const { t: xc, owned: xo } = materialize(x);
  const w = weight === null ? null : materialize(weight);
  const { rows, lse } = classLossRows(xc, tc, w === null ? null : w.t, settings);
  let out = rows, count = 1;
  if (reduction !== 'none') {
    ({ out, count } = classLossReduce(rows, tc, w === null ? null : w.t, ignoreIndex, reduction === 'mean'));
    rows.dispose();
  }
  if (needsGrad(x)) {
    const xs = xc.keep(), ts = tc.keep(), ls = lse.keep(), ws = w === null ? null : w.t.keep();
    const perRow = reduction === 'none', scale = reduction === 'mean' ? 1 / count : 1;
    record(out, fused ? 'CrossEntropyBackward' : 'NllLossBackward', [x], ws === null ? [xs, ts, ls] : [xs, ts, ls, ws], (g) => {
      const { t: gc } = materialize(g);
      return [classLossBackward(xs, ts, ws, ls, gc, perRow, scale, settings)];
    });
  }
  lse.dispose();
  if (w !== null && w.owned) w.t.dispose();
  if (xo) xc.dispose();
  if (to) tc.dispose();
  return out;
}

/** Cross entropy against class probabilities y of x's shape (class dim 1, or 0 unbatched). */
function softTargetLoss(x: Tensor, y: Tensor, weight: Tensor | null, reduction: Reduction, eps: number): Tensor {
  return scope(() => {
    const classDim = x.ndim === 1 ? 0 : 1;
    const smoothed = eps === 0 ? y : affine(y, 1 - eps, eps / x.shape[classDim]);
    let wy = smoothed;
    if (weight !== null) wy = mul(smoothed, reshape(weight, x.shape.map((d, i) => (i === classDim ? d : 1))));
    const l = neg(sum(mul(logSoftmax(x, classDim), wy), classDim));
    return reduction === 'none' ? l : reduction === 'sum' ? sum(l) : mean(l);
  });
}

function classLoss(op: string, fused: boolean, args: readonly unknown[]): Tensor {
  const a = parseArgs(op, args, { input: param(tensorArg, required), target: param(tensorArg, required), ...(fused ? CROSS_ENTROPY_ARGS : NLL_ARGS) }, 3);
  const { input: x, target, weight, reduction, ignoreIndex } = a;
  const eps = 'labelSmoothing' in a ? (a.labelSmoothing as number) : 0;
  return atomic(() => classLossBody(op, fused, x, target, weight, reduction, ignoreIndex, eps));
}

function classLossBody(op: string, fused: boolean, x: Tensor, target: Tensor, weight: Tensor | null, reduction: Reduction, ignoreIndex: number, eps: number): Tensor {
  const soft = fused && x.ndim >= 1 && sameShape(x.shape, target.shape);
  const expected = soft ? true : x.ndim === 1 ? target.ndim === 0 : x.ndim >= 2 && target.ndim === x.ndim - 1 && target.shape[0] === x.shape[0] && sameShape(x.shape.slice(2), target.shape.slice(1));
  if (!expected) {
    throw new RangeError(`${op}: input ${fmtShape(x.shape)} and target ${fmtShape(target.shape)}: expected input (N, C) with target (N), (N, C, d1, ...) with (N, d1, ...), or (C) with a scalar target, of class indices${fused ? ', or class probabilities of the input\'s shape' : ''}`);
  }
  const C = x.shape[x.ndim === 1 ? 0 : 1];
  if (C === 0) throw new RangeError(`${op}: input ${fmtShape(x.shape)} has no classes`);
  if (weight !== null) {
    if (weight.ndim !== 1 || weight.shape[0] !== C) throw new RangeError(`${op}: weight ${fmtShape(weight.shape)} must have one entry per class: expected [${C}] for input ${fmtShape(x.shape)}`);
  }
  if (soft) return softTargetLoss(x, target, weight, reduction, eps);
  if (x.ndim === 2) return rowLoss(op, fused, x, target, weight, reduction, ignoreIndex, eps);
  // (C) or (N, C, d1, ...): positions become rows of a (M, C) problem
  return scope(() => {
    const rows = x.ndim === 1 ? reshape(x, [1, C]) : reshape(permute(x, [0, ...x.shape.slice(2).map((_, i) => i + 2), 1]), [-1, C]);
    const l = rowLoss(op, fused, rows, reshape(target, [-1]), weight, reduction, ignoreIndex, eps);
    return reduction === 'none' ? reshape(l, target.shape) : l;
  });
}

/**
 * Cross-entropy of logits (N, C) against class labels (N) (or class
 * probabilities of the logits' shape), softmax and NLL fused; see the file
 * header for the other shapes. `crossEntropy(input, target, weight?, options?)`
 * as F.cross_entropy.
 * @example F.crossEntropy(logits, labels, { labelSmoothing: 0.1, ignoreIndex: 0 })
 */
export function crossEntropy(logits: Tensor, target: Tensor, weight?: Tensor | null | CrossEntropyOptions, opts?: CrossEntropyOptions): Tensor;
export function crossEntropy(...args: unknown[]): Tensor {
  return classLoss('crossEntropy', true, args);
}

/**
 * Negative log-likelihood of log-probabilities (N, C) at class labels (N).
 * `nllLoss(input, target, weight?, options?)` as F.nll_loss.
 * @example F.nllLoss(F.logSoftmax(logits, 1), labels, { reduction: 'sum' })
 */
export function nllLoss(logProbs: Tensor, target: Tensor, weight?: Tensor | null | NllLossOptions, opts?: NllLossOptions): Tensor;
export function nllLoss(...args: unknown[]): Tensor {
  return classLoss('nllLoss', false, args);
}
