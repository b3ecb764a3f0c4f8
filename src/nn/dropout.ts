/**
 * Dropout layers (Dropout, Dropout2d) and DropConnect, over the functions of
 * src/ops/dropout.ts (inverted dropout: kept units scaled by 1 / (1 - p),
 * evaluation the identity).
 */
import type { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { linear } from '../ops/matmul';
import { dropMasked, dropout, dropout2d, probability } from '../ops/dropout';
import { Module } from './module';
import { defaultInit_ } from './linear';
import { boolean, integer, param, parseArgs, required } from '../validate';

export type { DropoutFunctionOptions } from '../ops/dropout';

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
    const w = dropMasked(this.weight, this.p, this.weight.shape);
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
