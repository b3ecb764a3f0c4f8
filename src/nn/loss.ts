/**
 * Losses (functional and as modules). With reduction 'mean' (default), 'sum' or 'none':
 *   mseLoss: (x - y)^2
 *   binaryCrossEntropyWithLogits, in the stable log-sum-exp form
 *     l = (1 - y) x + (1 + (w_pos - 1) y) (log(1 + exp(-|x|)) + max(-x, 0))
 *   which equals -w_pos y log sigmoid(x) - (1 - y) log(1 - sigmoid(x)) without overflow.
 */
import { Tensor } from '../tensor';
import { fmtShape, sameShape } from '../shape';
import { scope } from '../autograd/scope';
import { sub, mul, add } from '../ops/binary';
import { abs, neg, exp, log, relu, affine } from '../ops/unary';
import { sum, mean } from '../ops/reduce';
import { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions, type Reduction } from '../ops/loss';
import { Module } from './module';

export type { Reduction };

function reduce(op: string, l: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return l;
  if (reduction === 'sum') return sum(l);
  if (reduction === 'mean') return mean(l);
  throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
}

function checkSame(op: string, input: Tensor, target: Tensor): void {
  input.assertAlive(op);
  target.assertAlive(op);
  if (!sameShape(input.shape, target.shape)) throw new RangeError(`${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
}

export function mseLoss(input: Tensor, target: Tensor, { reduction = 'mean' }: { reduction?: Reduction } = {}): Tensor {
  checkSame('mseLoss', input, target);
  return scope(() => {
    const d = sub(input, target);
    return reduce('mseLoss', mul(d, d), reduction);
  });
}

export interface BCEOptions {
  reduction?: Reduction;
  /** Weight of positive examples, broadcast against the last dim (one per class). */
  posWeight?: Tensor | null;
}

export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, { reduction = 'mean', posWeight = null }: BCEOptions = {}): Tensor {
  checkSame('binaryCrossEntropyWithLogits', input, target);
  return scope(() => {
    // softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0)
    const softplusNeg = add(log(affine(exp(neg(abs(input))), 1, 1)), relu(neg(input)));
    const linearPart = mul(affine(target, -1, 1), input);
    const logWeight = posWeight === null ? null : affine(mul(target, sub(posWeight, 1)), 1, 1);
    const l = add(linearPart, logWeight === null ? softplusNeg : mul(logWeight, softplusNeg));
    return reduce('binaryCrossEntropyWithLogits', l, reduction);
  });
}

export class MSELoss extends Module {
  constructor(readonly opts: { reduction?: Reduction } = {}) {
    super();
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.opts);
  }
}

export class BCEWithLogitsLoss extends Module {
  constructor(readonly opts: BCEOptions = {}) {
    super();
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.opts);
  }
}

/**
 * Cross entropy of logits (N, C), (N, C, d1, ...) or (C) against class indices,
 * or against class probabilities of the logits' shape; weight (a tensor of C
 * class weights, owned by the caller), labelSmoothing and ignoreIndex as PyTorch.
 */
export class CrossEntropyLoss extends Module {
  constructor(readonly opts: CrossEntropyOptions = {}) {
    super();
  }

  forward(logits: Tensor, target: Tensor): Tensor {
    return crossEntropy(logits, target, this.opts);
  }
}

/** Negative log likelihood of log-probabilities (N, C), (N, C, d1, ...) or (C) against class indices; weight and ignoreIndex as PyTorch. */
export class NLLLoss extends Module {
  constructor(readonly opts: NllLossOptions = {}) {
    super();
  }

  forward(logProbs: Tensor, target: Tensor): Tensor {
    return nllLoss(logProbs, target, this.opts);
  }
}
