/**
 * Softmax drivers (assembly/softmax.ts): softmax or log-softmax along the
 * last dim, row by row, and its backward. No autograd, no argument checks
 * (src/ops/softmax.ts brings other dims to the last by transposing).
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { materialize } from './copy';

/** Length of x's rows: its last dim (1 for a 0-d tensor). */
const rowLength = (x: Tensor): number => (x.ndim === 0 ? 1 : x.shape[x.ndim - 1]);

/** A new tensor of x's shape: softmax (or log-softmax) of each row along the last dim. */
export function softmaxRows(x: Tensor, log: boolean): Tensor {
  const { t, owned } = materialize(x);
  try {
    const n = rowLength(x);
    const out = Tensor.empty(x.shape);
    const k = kernels();
    if (n > 0) (log ? k.log_softmax_rows_f32 : k.softmax_rows_f32)(out.numel() / n, n, t.ptr, out.ptr);
    return out;
  } finally {
    if (owned) t.dispose();
  }
}

/**
 * dx of y = softmax(x) (or log-softmax) along the last dim given y and the
 * output's gradient g (both of y's shape): y (g - sum(g y)), or g - e^y sum(g).
 */
export function softmaxRowsBackward(y: Tensor, g: Tensor, log: boolean): Tensor {
  const yc = materialize(y), gc = materialize(g);
  try {
    const n = rowLength(y);
    const dx = Tensor.empty(y.shape);
    if (n > 0) kernels().softmax_rows_bwd_f32(dx.numel() / n, n, yc.t.ptr, gc.t.ptr, dx.ptr, log ? 1 : 0);
    return dx;
  } finally {
    if (yc.owned) yc.t.dispose();
    if (gc.owned) gc.t.dispose();
  }
}
