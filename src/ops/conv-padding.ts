/**
 * PyTorch's string paddings for convolutions (conv1d, conv2d and their modules):
 *   'valid': no padding (padding 0).
 *   'same':  the output has the input's size (stride 1 only, as PyTorch:
 *            strided convolutions are refused). Each spatial dim is padded by
 *            total = d (k - 1): floor(total / 2) before and the rest after.
 * An odd total (an even kernel) pads unevenly; it is computed as the
 * symmetric padding ceil(total / 2) with the first output row (column)
 * dropped, which reads exactly the same input positions.
 */
import { Tensor } from '../tensor';
import { invalid, oneOf } from '../validate';
import { narrow } from './views';

export type PaddingMode = 'same' | 'valid';

export const paddingMode = oneOf(['same', 'valid'] as const);

/** Whether `padding` is a string mode (checked to be 'same' or 'valid'), not a number or pair. */
export function isPaddingMode(op: string, padding: unknown): padding is PaddingMode {
  if (typeof padding !== 'string') return false;
  paddingMode(padding, { where: op, name: 'padding' });
  return true;
}

/** Refuses 'same' with a stride other than 1, as PyTorch does. */
export function checkSameStride(op: string, mode: PaddingMode, stride: readonly number[]): void {
  if (mode === 'same' && stride.some((s) => s !== 1)) {
    throw invalid({ where: op, name: 'stride' }, "1 with padding 'same' (PyTorch does not support 'same' for strided convolutions)", stride.length === 1 ? stride[0] : [...stride], "use stride 1 or a numeric padding", 'range');
  }
}

/**
 * Runs a convolution with the string padding `mode` over the trailing
 * spatial dims (kernel sizes `kernel`, dilations `dilation`): `run(padding)`
 * computes it with symmetric numeric paddings, and the extra leading output
 * row of each dim with an odd total is dropped (a view).
 */
export function withPaddingMode(mode: PaddingMode, kernel: readonly number[], dilation: readonly number[], run: (padding: number[]) => Tensor): Tensor {
  if (mode === 'valid') return run(kernel.map(() => 0));
  const total = kernel.map((k, i) => dilation[i] * (k - 1));
  let out = run(total.map((t) => Math.ceil(t / 2)));
  total.forEach((t, i) => {
    if (t % 2 === 0) return;
    const d = out.ndim - kernel.length + i;
    const next = narrow(out, d, 1, out.shape[d] - 1);
    out.dispose();
    out = next;
  });
  return out;
}
