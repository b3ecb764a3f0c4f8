/**
 * Classification losses with PyTorch's semantics; logits or log-probabilities
 * x (N, C) and integer class labels t (N) given as a float tensor. Rows whose
 * label is ignoreIndex contribute nothing; 'mean' divides by the number of
 * the other rows.
 *   crossEntropy: fused log-softmax + NLL, with label smoothing eps:
 *     loss_i = (1 - eps) (lse_i - x_it) + eps / C sum_c (lse_i - x_ic),
 *     lse_i = log sum_c exp(x_ic);  dx_ic = g_i (softmax(x_i)_c - (1 - eps) [c = t_i] - eps / C)
 *   nllLoss: loss_i = -x_it;  dx_ic = -g_i [c = t_i]
 */
import { Tensor } from '../tensor';
import { heapF32, kernels } from '../runtime/engine';
import { fmtShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { materialize } from './create';

export type Reduction = 'mean' | 'sum' | 'none';

export interface NllLossOptions {
  reduction?: Reduction;
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  labelSmoothing?: number;
}

function classLoss(op: string, fused: boolean, x: Tensor, target: Tensor, opts: CrossEntropyOptions): Tensor {
  const reduction = opts.reduction ?? 'mean', ignoreIndex = opts.ignoreIndex ?? -100, eps = fused ? opts.labelSmoothing ?? 0 : 0;
  if (!(x instanceof Tensor) || !(target instanceof Tensor)) throw new TypeError(`${op}: input and target must be Tensors`);
  x.assertAlive(op);
  target.assertAlive(op);
  if (x.ndim !== 2 || target.ndim !== 1 || target.shape[0] !== x.shape[0]) {
    throw new RangeError(`${op}: input ${fmtShape(x.shape)} and target ${fmtShape(target.shape)}: expected input (N, C) and target (N) of class indices`);
  }
  if (!['mean', 'sum', 'none'].includes(reduction)) throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`);
  if (!(eps >= 0 && eps <= 1)) throw new RangeError(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  if (!Number.isInteger(ignoreIndex)) throw new RangeError(`${op}: ignoreIndex must be an integer, got ${ignoreIndex}`);
  const [N, C] = x.shape;
  if (C === 0) throw new RangeError(`${op}: input ${fmtShape(x.shape)} has no classes`);
  const k = kernels();
  const { t: tc, owned: to } = materialize(target);
  const info = Tensor.empty([2]);
  k.loss_check_labels_f32(N, C, tc.ptr, ignoreIndex, info.ptr);
  const bad = heapF32()[info.ptr >> 2];
  if (bad >= 0) {
    const label = heapF32()[(tc.ptr >> 2) + bad];
    info.dispose();
    if (to) tc.dispose();
    throw new RangeError(`${op}: target ${label} at row ${bad} is not a class index in [0, ${C}) (C = ${C}) nor ignoreIndex ${ignoreIndex}`);
  }
  const { t: xc, owned: xo } = materialize(x);
  const rows = Tensor.empty([N]), lse = Tensor.empty([N]);
  k.class_loss_fwd_f32(N, C, xc.ptr, tc.ptr, rows.ptr, lse.ptr, ignoreIndex, eps, fused ? 1 : 0);
  let out = rows, count = 1;
  if (reduction !== 'none') {
    k.class_loss_reduce_f32(N, rows.ptr, tc.ptr, ignoreIndex, info.ptr, reduction === 'mean' ? 1 : 0);
    count = heapF32()[(info.ptr >> 2) + 1];
    out = Tensor.empty([]);
    k.copy_strided_f32(1, 1, 1, 1, info.ptr, 0, 0, 0, 0, out.ptr, 0, 0, 0, 0);
    rows.dispose();
  }
  info.dispose();
  if (needsGrad(x)) {
    const xs = xc.keep(), ts = tc.keep(), ls = lse.keep();
    const perRow = reduction === 'none', scale = reduction === 'mean' ? 1 / count : 1;
    record(out, fused ? 'CrossEntropyBackward' : 'NllLossBackward', [x], [xs, ts, ls], (g) => {
      const { t: gc } = materialize(g);
      const dx = Tensor.empty([N, C]);
      k.class_loss_bwd_f32(N, C, xs.ptr, ts.ptr, ls.ptr, gc.ptr, perRow ? 1 : 0, scale, dx.ptr, ignoreIndex, eps, fused ? 1 : 0);
      return [dx];
    });
  }
  lse.dispose();
  if (xo) xc.dispose();
  if (to) tc.dispose();
  return out;
}

/** Cross-entropy of logits (N, C) against class labels (N), softmax and NLL fused. */
export const crossEntropy = (logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor => classLoss('crossEntropy', true, logits, target, opts);

/** Negative log-likelihood of log-probabilities (N, C) at class labels (N). */
export const nllLoss = (logProbs: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor => classLoss('nllLoss', false, logProbs, target, opts);
