/** Dense linear-algebra drivers (assembly/qr.ts). No autograd, no argument checks. */
import type { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';

/**
 * Makes the rows of a contiguous k x n matrix (k <= n) orthonormal in place:
 * the Q factor of the QR decomposition of its transpose with a positive
 * diagonal of R (modified Gram-Schmidt twice, float64 dot products in index
 * order; a row that becomes zero stays zero).
 */
export function orthonormalizeRows_(m: Tensor): void {
  const [k, n] = m.shape;
  kernels().orthonormalize_rows_f32(k, n, m.ptr);
}
