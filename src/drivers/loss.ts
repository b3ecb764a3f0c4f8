/**
 * Classification-loss drivers (assembly/loss.ts): per-row cross entropy of
 * logits (fused log-softmax, label smoothing) or NLL of log-probabilities,
 * against class indices, with class weights and an ignored index; the
 * weighted reduction; the backward. No autograd; labels are checked by
 * src/ops/loss.ts (firstBadIndex) before they reach these kernels.
 */
import { Tensor } from '../tensor';
import { heapF32, kernels } from '../runtime/engine';

/** The loss's settings: fused (cross entropy on logits) or NLL, the ignored label, label smoothing. */
export interface ClassLoss {
  fused: boolean;
  ignoreIndex: number;
  eps: number;
}

/**
 * Per-row losses of contiguous x (N, C) at contiguous labels t (N), class
 * weights w (C) or null: `rows` (N), and `lse` (N), the log-sum-exp of each
 * row, which the backward needs (fused only).
 */
export function classLossRows(x: Tensor, t: Tensor, w: Tensor | null, { fused, ignoreIndex, eps }: ClassLoss): { rows: Tensor; lse: Tensor } {
  const [N, C] = x.shape;
  const rows = Tensor.empty([N]), lse = Tensor.empty([N]);
  kernels().class_loss_fwd_f32(N, C, x.ptr, t.ptr, w === null ? 0 : w.ptr, rows.ptr, lse.ptr, ignoreIndex, eps, fused ? 1 : 0);
  return { rows, lse };
}

/**
 * The rows' losses summed (mean: divided by the total weight of the rows not
 * ignored) into a new 0-d tensor; `count` is that total weight.
 */
export function classLossReduce(rows: Tensor, t: Tensor, w: Tensor | null, ignoreIndex: number, mean: boolean): { out: Tensor; count: number } {
  const info = Tensor.empty([2]);
  try {
    const k = kernels();
    k.class_loss_reduce_f32(rows.numel(), rows.ptr, t.ptr, w === null ? 0 : w.ptr, ignoreIndex, info.ptr, mean ? 1 : 0);
    const count = heapF32()[(info.ptr >> 2) + 1];
    const out = Tensor.empty([]);
    k.copy_strided_f32(1, 1, 1, 1, info.ptr, 0, 0, 0, 0, out.ptr, 0, 0, 0, 0);
    return { out, count };
  } finally {
    info.dispose();
  }
}

/**
 * dx (N, C) given the output's gradient g: per row (perRow, reduction
 * 'none') or one value for all rows, times `scale` (1 / count for 'mean').
 */
export function classLossBackward(
  x: Tensor, t: Tensor, w: Tensor | null, lse: Tensor, g: Tensor, perRow: boolean, scale: number, { fused, ignoreIndex, eps }: ClassLoss,
): Tensor {
  const [N, C] = x.shape;
  const dx = Tensor.empty([N, C]);
  kernels().class_loss_bwd_f32(N, C, x.ptr, t.ptr, w === null ? 0 : w.ptr, lse.ptr, g.ptr, perRow ? 1 : 0, scale, dx.ptr, ignoreIndex, eps, fused ? 1 : 0);
  return dx;
}
