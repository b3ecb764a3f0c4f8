/**
 * Dropout as functions (F.dropout, F.dropout2d) and the scaled keep-mask
 * product that DropConnect applies to weights. Inverted dropout
 * (Srivastava et al. 2014): in training each unit is kept with probability
 * 1 - p and scaled by 1 / (1 - p), so the expected activation is unchanged
 * and evaluation is the identity. The scaled keep-mask comes from one
 * kernel pass (bernoulliMask). In evaluation (or with p = 0) the output is a
 * new handle on the input's data (an alias with its gradient history):
 * disposing it leaves the input alive. The modules are in src/nn/dropout.ts.
 */
import type { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { zeros } from './create';
import { mul } from './binary';
import { bernoulliMask } from './random';
import { view } from './views';
import { boolean, number, param, required, tensor, parseArgs } from '../validate';

/** The dropout probability: a number in [0, 1]. */
export const probability = number({ min: 0, max: 1 });

/**
 * x times a scaled keep-mask of shape maskShape (broadcast against x):
 * x * m with m_i = Bernoulli(1 - p) / (1 - p); p = 1 gives zeros.
 */
export function dropMasked(x: Tensor, p: number, maskShape: readonly number[]): Tensor {
  const mask = p === 1 ? zeros(maskShape) : bernoulliMask(maskShape, 1 - p, 1 / (1 - p));
  try {
    return mul(x, mask);
  } finally {
    mask.dispose();
  }
}

/** The functions' arguments in PyTorch's positional order (torch.nn.functional.dropout). */
const DROPOUT_FN_ARGS = {
  input: param(tensor, required),
  p: param(probability, 0.5),
  training: param(boolean, true),
  inplace: param(boolean, false),
};

/** Options of F.dropout / F.dropout2d after the input. */
export interface DropoutFunctionOptions {
  /** Drop probability in [0, 1] (default 0.5). */
  p?: number;
  /** Drop only when true (default true); pass module.training. */
  training?: boolean;
  /** PyTorch's flag, accepted; the output is always a new tensor. */
  inplace?: boolean;
}

/**
 * Inverted dropout (F.dropout): y = x * m with m_i = Bernoulli(1 - p) / (1 - p),
 * dy/dx = m; with training false or p = 0, a new handle on x's data.
 * Shape: any.
 *
 * @example
 * const h = F.dropout(x, 0.2, model.training);   // or F.dropout(x, { p: 0.2, training: false })
 */
export function dropout(input: Tensor, p?: number, training?: boolean, inplace?: boolean): Tensor;
export function dropout(input: Tensor, opts: DropoutFunctionOptions): Tensor;
export function dropout(input: Tensor, p: number, opts: Omit<DropoutFunctionOptions, 'p'>): Tensor;
export function dropout(...args: unknown[]): Tensor {
  const { input: x, p, training } = parseArgs('dropout', args, DROPOUT_FN_ARGS);
  if (!training || p === 0) return view(x, x.shape);
  return dropMasked(x, p, x.shape);
}

/**
 * Channel dropout (F.dropout2d) for (N, C, H, W) or (C, H, W): whole
 * channels are kept (scaled by 1 / (1 - p)) or zeroed, one draw per (n, c);
 * with training false or p = 0, a new handle on x's data.
 */
export function dropout2d(input: Tensor, p?: number, training?: boolean, inplace?: boolean): Tensor;
export function dropout2d(input: Tensor, opts: DropoutFunctionOptions): Tensor;
export function dropout2d(input: Tensor, p: number, opts: Omit<DropoutFunctionOptions, 'p'>): Tensor;
export function dropout2d(...args: unknown[]): Tensor {
  const { input: x, p, training } = parseArgs('dropout2d', args, DROPOUT_FN_ARGS);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`dropout2d: expected a (N, C, H, W) or (C, H, W) input, got ${fmtShape(x.shape)}`);
  if (!training || p === 0) return view(x, x.shape);
  const maskShape = x.shape.map((d, i) => (i < x.ndim - 2 ? d : 1));
  return dropMasked(x, p, maskShape);
}
