/**
 * Dropout layers and their functions (F.dropout, F.dropout2d), and DropConnect.
 * All use inverted dropout (Srivastava et al. 2014): in training each unit is
 * kept with probability 1 - p and scaled by 1 / (1 - p), so the expected
 * activation is unchanged and evaluation is the identity. The scaled
 * keep-mask comes from one kernel pass (bernoulliMask). In evaluation (or
 * with p = 0) the output is a new handle on the input's data (an alias with
 * its gradient history): disposing it leaves the input alive.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { zeros, empty } from '../ops/create';
import { mul } from '../ops/binary';
import { bernoulliMask } from '../ops/random';
import { Module } from './module';
import { linear } from '../ops/matmul';
import { defaultInit_, passThrough } from './linear';
import { boolean, integer, number, param, parseArgs, required, tensor } from '../validate';

/** The dropout probability: a number in [0, 1]. */
const probability = number({ min: 0, max: 1 });

/** x times a scaled keep-mask of shape maskShape (broadcast against x). p = 1 gives zeros. */
function masked(x: Tensor, p: number, maskShape: readonly number[]): Tensor {
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
  if (!training || p === 0) return passThrough('dropout', x);
  return masked(x, p, x.shape);
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
  if (!training || p === 0) return passThrough('dropout2d', x);
  const maskShape = x.shape.map((d, i) => (i < x.ndim - 2 ? d : 1));
  return masked(x, p, maskShape);
}

/** The modules' arguments in PyTorch's positional order (torch.nn.Dropout). */
const DROPOUT_ARGS = { p: param(probability, 0.5), inplace: param(boolean, false) };

/** Options of the Dropout modules. */
export interface DropoutOptions {
  /** Drop probability in [0, 1] (default 0.5). */
  p?: number;
  /** PyTorch's flag, accepted; the output is always a new tensor. */
  inplace?: boolean;
}

/** Shared by the dropout modules (like PyTorch's _DropoutNd): the probability and its repr. */
abstract class DropoutBase extends Module {
  /** Drop probability in training. */
  readonly p: number;

  constructor(args: readonly unknown[]) {
    const a = parseArgs(new.target.name, args, DROPOUT_ARGS);
    super();
    this.p = a.p;
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Zeroes each element with probability p (default 0.5) in training, the
 * kept ones scaled by 1 / (1 - p); in eval() a new handle on the input's
 * data. Shape: any.
 * @example new nn.Dropout(0.2)   // or new nn.Dropout({ p: 0.2 })
 */
export class Dropout extends DropoutBase {
  constructor(p?: number, inplace?: boolean);
  constructor(opts: DropoutOptions);
  constructor(...args: unknown[]) {
    super(args);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/**
 * Zeroes whole channels (dim 1 of (N, C, H, W), dim 0 of (C, H, W)) with
 * probability p (default 0.5) in training, the kept ones scaled by
 * 1 / (1 - p); in eval() a new handle on the input's data.
 * @example new nn.Dropout2d(0.1)
 */
export class Dropout2d extends DropoutBase {
  constructor(p?: number, inplace?: boolean);
  constructor(opts: DropoutOptions);
  constructor(...args: unknown[]) {
    super(args);
  }

  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
}

/** DropConnect's arguments: the Linear's sizes, then p and bias. */
const DROP_CONNECT_ARGS = {
  inFeatures: param(integer({ min: 1 }), required),
  outFeatures: param(integer({ min: 1 }), required),
  p: param(probability, 0.5),
  bias: param(boolean, true),
};

/**
 * DropConnect (Wan et al. 2013): a Linear whose weights (not activations)
 * are dropped in training, y = x (W * M)^T + b with M = Bernoulli(1 - p) / (1 - p)
 * (inverted scaling, so evaluation uses the full weights: the mean-network
 * approximation instead of the paper's Gaussian moment matching).
 * Shape: [..., inFeatures] -> [..., outFeatures]; init as Linear's.
 *
 * One mask per mini-batch: the paper samples a mask per example, which needs
 * a masked weight tensor per sample (B times the memory of W) and a batched
 * matmul; per-batch masks keep one plain matmul and are the common efficient
 * implementation. The bias is not masked.
 *
 * @example new nn.DropConnect(784, 256, 0.5)   // or (784, 256, { p: 0.5, bias: false })
 */
export class DropConnect extends Module {
  /** [outFeatures, inFeatures]. */
  readonly weight: Tensor;
  /** [outFeatures], or null with bias false. */
  readonly bias: Tensor | null;
  /** Probability of dropping each weight in training. */
  readonly p: number;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, p?: number, bias?: boolean);
  constructor(inFeatures: number, outFeatures: number, opts: { p?: number; bias?: boolean });
  constructor(...args: unknown[]) {
    const a = parseArgs('DropConnect', args, DROP_CONNECT_ARGS);
    super();
    this.inFeatures = a.inFeatures;
    this.outFeatures = a.outFeatures;
    this.p = a.p;
    this.weight = this.registerParameter('weight', empty([a.outFeatures, a.inFeatures]));
    this.bias = this.registerParameter('bias', a.bias ? empty([a.outFeatures]) : null);
    defaultInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return linear(x, this.weight, this.bias);
    const w = masked(this.weight, this.p, this.weight.shape);
    try {
      return linear(x, w, this.bias);
    } finally {
      w.dispose();
    }
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, p=${this.p}, bias=${this.bias !== null}`;
  }
}
