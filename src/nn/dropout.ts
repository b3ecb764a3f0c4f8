/**
 * Dropout (Srivastava et al. 2014), inverted: in training each unit is kept
 * with probability 1 - p and scaled by 1 / (1 - p), so the expected
 * activation is unchanged and evaluation is the identity.
 *   y = x * m,  m_i = Bernoulli(1 - p) / (1 - p)      dy/dx = m
 * The scaled keep-mask comes from one kernel pass (bernoulliMask).
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { zeros, empty } from '../ops/create';
import { mul } from '../ops/binary';
import { bernoulliMask } from '../ops/random';
import { Module } from './module';
import { linear } from '../ops/matmul';
import { defaultInit_ } from './linear';

function checkP(op: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
  return p;
}

/** x times a scaled keep-mask of shape maskShape (broadcast against x). p = 1 gives zeros. */
function masked(x: Tensor, p: number, maskShape: readonly number[]): Tensor {
  const mask = p === 1 ? zeros(maskShape) : bernoulliMask(maskShape, 1 - p, 1 / (1 - p));
  const out = mul(x, mask);
  mask.dispose();
  return out;
}

/** Functional dropout: identity when not training or p = 0. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkP('dropout', p);
  x.assertAlive('dropout');
  if (!training || p === 0) return x;
  return masked(x, p, x.shape);
}

/** Functional channel dropout for (N, C, H, W) or (C, H, W): whole channels are kept or zeroed. */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  checkP('dropout2d', p);
  x.assertAlive('dropout2d');
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`dropout2d: expected a (N, C, H, W) or (C, H, W) input, got ${fmtShape(x.shape)}`);
  if (!training || p === 0) return x;
  const maskShape = x.shape.map((d, i) => (i < x.ndim - 2 ? d : 1));
  return masked(x, p, maskShape);
}

/** Shared by the dropout modules (like PyTorch's _DropoutNd): the probability and its repr. */
abstract class DropoutBase extends Module {
  readonly p: number;

  constructor(p: number) {
    super();
    this.p = checkP(new.target.name, p);
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes each element with probability p in training (kept ones scaled by 1/(1-p)); identity in eval. */
export class Dropout extends DropoutBase {
  constructor(p = 0.5) {
    super(p);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}

/** Zeroes whole channels (dim 1 of (N, C, H, W), dim 0 of (C, H, W)) with probability p in training. */
export class Dropout2d extends DropoutBase {
  constructor(p = 0.5) {
    super(p);
  }

  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
}

/**
 * DropConnect (Wan et al. 2013): a Linear whose weights (not activations)
 * are dropped in training, y = x (W * M)^T + b with M = Bernoulli(1 - p) / (1 - p)
 * (inverted scaling, so evaluation uses the full weights: the mean-network
 * approximation instead of the paper's Gaussian moment matching).
 *
 * One mask per mini-batch: the paper samples a mask per example, which needs
 * a masked weight tensor per sample (B times the memory of W) and a batched
 * matmul; per-batch masks keep one plain matmul and are the common efficient
 * implementation. The bias is not masked.
 */
export class DropConnect extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly p: number;

  constructor(readonly inFeatures: number, readonly outFeatures: number, { p = 0.5, bias = true }: { p?: number; bias?: boolean } = {}) {
    super();
    this.p = checkP('DropConnect', p);
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.bias = this.registerParameter('bias', bias ? empty([outFeatures]) : null);
    defaultInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return linear(x, this.weight, this.bias);
    const w = masked(this.weight, this.p, this.weight.shape);
    const out = linear(x, w, this.bias);
    w.dispose();
    return out;
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, p=${this.p}, bias=${this.bias !== null}`;
  }
}
