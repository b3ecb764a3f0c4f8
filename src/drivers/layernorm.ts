/**
 * Row-normalisation drivers (assembly/layernorm.ts), behind layer norm and
 * group norm: rows of K S elements normalised by their own mean and
 * variance, then scaled and shifted by weight block r mod G (K elements,
 * each shared by S consecutive elements). Threads split rows (forward,
 * input gradient) or weight elements (parameter gradients), never a sum, so
 * results are bit-identical for any thread count. No autograd, no argument
 * checks (src/ops/layernorm.ts).
 */
import { Tensor } from '../tensor';
import { ELEMENT_WORK, parallelFor } from '../runtime/parallel';

/** The row layout: G weight blocks of K elements, each weight shared by S consecutive elements of a row (rows of K S). */
export interface RowLayout {
  G: number;
  K: number;
  S: number;
}

/** Rows of a contiguous x under the layout. */
const rowsOf = (x: Tensor, { K, S }: RowLayout): number => (K * S === 0 ? 0 : x.numel() / (K * S));

/** y (x's shape) and the per-row mean and invstd (float32), for contiguous x, weight and bias (either may be null). */
export function rowNormForward(x: Tensor, lay: RowLayout, weight: Tensor | null, bias: Tensor | null, eps: number): { out: Tensor; mean: Tensor; invstd: Tensor } {
  const { G, K, S } = lay;
  const R = rowsOf(x, lay), L = K * S;
  const out = Tensor.empty(x.shape), mean = Tensor.empty([R]), invstd = Tensor.empty([R]);
  const xp = x.ptr, wp = weight?.ptr ?? 0, bp = bias?.ptr ?? 0, op = out.ptr, mp = mean.ptr, ip = invstd.ptr;
  parallelFor(R, 3 * R * L * ELEMENT_WORK, (k, lo, hi) => k.rownorm_forward_f32(G, K, S, lo, hi, xp, wp, bp, op, mp, ip, eps));
  return { out, mean, invstd };
}

/**
 * The gradients asked for (else null) of rowNormForward given contiguous x
 * and g, the mean and invstd it used, the weight (or null) and the shapes
 * of the weight and bias.
 */
export function rowNormBackward(
  x: Tensor, g: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor | null, lay: RowLayout,
  want: { x: boolean; weight: readonly number[] | null; bias: readonly number[] | null },
): { dx: Tensor | null; dw: Tensor | null; db: Tensor | null } {
  const { G, K, S } = lay;
  const R = rowsOf(x, lay), L = K * S, W = G * K, gp = g.ptr;
  const dx = want.x ? Tensor.empty(x.shape) : null;
  const dw = want.weight === null ? null : Tensor.empty(want.weight);
  const db = want.bias === null ? null : Tensor.empty(want.bias);
  if (dx !== null) {
    const dxp = dx.ptr;
    parallelFor(R, 3 * R * L * ELEMENT_WORK, (k, lo, hi) => k.rownorm_backward_f32(G, K, S, lo, hi, x.ptr, gp, mean.ptr, invstd.ptr, weight?.ptr ?? 0, dxp));
  }
  if (dw !== null || db !== null) {
    const dwp = dw?.ptr ?? 0, dbp = db?.ptr ?? 0;
    parallelFor(W, R * L * ELEMENT_WORK, (k, lo, hi) => k.rownorm_param_grad_f32(R, G, K, S, lo, hi, x.ptr, gp, mean.ptr, invstd.ptr, dwp, dbp));
  }
  return { dx, dw, db };
}
