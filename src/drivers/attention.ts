/**
 * Attention drivers: the fused scaled dot-product attention kernels
 * (assembly/attention.ts) over contiguous (batch..., L, E), (batch..., S, E),
 * (batch..., S, Ev) tensors, a float mask viewed as (batch..., L, S) through
 * any strides (0 where it broadcasts) and a contiguous scaled keep-mask.
 * Threads split the forward over blocks of query rows and the backward over
 * (batch, head) slices, whose dK and dV sum that slice's query rows in order:
 * the same bits for any thread count. No autograd, no argument checks.
 */
import { Tensor } from '../tensor';
import { parallelFor } from '../runtime/parallel';

/** Query rows per forward work item. */
const ROW_BLOCK = 16;

/** Sizes and settings of one attention call: batch dims, L queries, S keys, widths E and Ev. */
export interface AttentionShape {
  batch: readonly number[]; L: number; S: number; E: number; Ev: number;
  causal: boolean; scale: number;
}

/** The inputs both passes read: contiguous q, k, v, the mask view (batch..., L, S) or null, the keep-mask (batch..., L, S) or null. */
export interface AttentionInputs {
  q: Tensor; k: Tensor; v: Tensor; mask: Tensor | null; drop: Tensor | null;
}

/** Per slice: byte offsets of q, k, v and the keep-mask, and the kernel's mask arguments [pointer, row stride, column stride]. */
function slices(s: AttentionShape, x: AttentionInputs) {
  const { batch, L, S, E, Ev } = s;
  const nb = batch.length;
  const ms = x.mask?.strides ?? [];
  const maskAt = (bh: number): [number, number, number] => {
    if (x.mask === null) return [0, 0, 0];
    let off = 0, rest = bh;
    for (let d = nb - 1; d >= 0; d--) {
      off += (rest % batch[d]!) * ms[d]!;
      rest = Math.floor(rest / batch[d]!);
    }
    return [x.mask.ptr + off * 4, ms[nb]!, ms[nb + 1]!];
  };
  return {
    qkv: (bh: number) => [x.q.ptr + bh * L * E * 4, x.k.ptr + bh * S * E * 4, x.v.ptr + bh * S * Ev * 4] as const,
    mask: maskAt,
    drop: (bh: number): number => (x.drop === null ? 0 : x.drop.ptr + bh * L * S * 4),
    work: L * Math.max(S, 1) * (E + Ev + 8),
  };
}

const count = (batch: readonly number[]): number => batch.reduce((a, b) => a * b, 1);

/** out (batch..., L, Ev) and lse (batch..., L): the attention and each query row's log-sum-exp of its scores. */
export function attentionForward(s: AttentionShape, x: AttentionInputs, out: Tensor, lse: Tensor): void {
  const { L, S, E, Ev } = s;
  const BH = count(s.batch), nb = Math.ceil(L / ROW_BLOCK);
  const at = slices(s, x);
  const lanes: Tensor[] = [];
  try {
    parallelFor(BH * nb, BH * at.work, (k, lo, hi) => {
      const scratch = Tensor.empty([S + 4]);
      lanes.push(scratch);
      for (let item = lo; item < hi; item++) {
        const bh = Math.floor(item / nb), r0 = (item % nb) * ROW_BLOCK;
        k.attention_fwd_f32(L, S, E, Ev, r0, Math.min(L, r0 + ROW_BLOCK), ...at.qkv(bh), ...at.mask(bh), at.drop(bh), s.causal ? 1 : 0, s.scale,
          out.ptr + bh * L * Ev * 4, lse.ptr + bh * L * 4, scratch.ptr);
      }
    });
  } finally {
    for (const t of lanes) t.dispose();
  }
}

/**
 * The gradients dq, dk, dv (shaped as q, k, v; overwritten) and, when dmask
 * is given, the gradient of the scores (batch..., L, S), from the forward's
 * out and lse and out's gradient g (contiguous).
 */
export function attentionBackward(
  s: AttentionShape, x: AttentionInputs, out: Tensor, lse: Tensor, g: Tensor, dq: Tensor, dk: Tensor, dv: Tensor, dmask: Tensor | null,
): void {
  const { L, S, E, Ev } = s;
  const BH = count(s.batch);
  const at = slices(s, x);
  const lanes: Tensor[] = [];
  try {
    parallelFor(BH, 2 * BH * at.work, (k, lo, hi) => {
      const scratch = Tensor.empty([S + 4]);
      lanes.push(scratch);
      for (let bh = lo; bh < hi; bh++) {
        k.attention_bwd_f32(L, S, E, Ev, ...at.qkv(bh), ...at.mask(bh), at.drop(bh), s.causal ? 1 : 0, s.scale,
          out.ptr + bh * L * Ev * 4, g.ptr + bh * L * Ev * 4, lse.ptr + bh * L * 4,
          dq.ptr + bh * L * E * 4, dk.ptr + bh * S * E * 4, dv.ptr + bh * S * Ev * 4, dmask === null ? 0 : dmask.ptr + bh * L * S * 4, scratch.ptr);
      }
    });
  } finally {
    for (const t of lanes) t.dispose();
  }
}
