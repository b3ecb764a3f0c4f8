/**
 * Norm drivers (assembly/norm.ts): the p-norm of all the elements of several
 * tensors taken together, accumulated in float64 in a fixed order (tensors
 * in the order given, elements in index order), so the result is the same
 * for any thread count. No autograd, no argument checks.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { materialize, fill } from './copy';

/**
 * (sum over every element x of every tensor of |x|^p)^(1/p) as a float32 0-d
 * tensor (p = Infinity: max |x|). Sums are exact float64 sums for p = 1 and
 * 2; other p evaluate |x|^p and the root to a few 1e-7 relative.
 */
export function totalNorm(ts: readonly Tensor[], p: number): Tensor {
  const k = kernels();
  // the float64 accumulator: the 8 bytes of a two-element tensor, zeroed
  const acc = Tensor.empty([2]);
  try {
    fill(acc, 0);
    for (const x of ts) {
      const { t, owned } = materialize(x);
      k.norm_accumulate_f64(t.numel(), t.ptr, acc.ptr, p);
      if (owned) t.dispose();
    }
    const total = Tensor.empty([]);
    k.norm_finish_f64(acc.ptr, total.ptr, p);
    return total;
  } finally {
    acc.dispose();
  }
}

/**
 * PyTorch's embedding_renorm_, in place on a contiguous 2-d weight: each row
 * at the contiguous indices idx (checked by the caller) whose p-norm exceeds
 * maxNorm is scaled by maxNorm / (norm + 1e-7); a repeated index finds its
 * row already within maxNorm.
 */
export function renormRows_(weight: Tensor, idx: Tensor, maxNorm: number, p: number): void {
  kernels().embedding_renorm_f32(idx.numel(), idx.ptr, weight.shape[1], weight.ptr, maxNorm, p);
}
