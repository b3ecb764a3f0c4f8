/**
 * Losses as modules (MSELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss)
 * over the functions of src/ops/loss-pointwise.ts and src/ops/loss.ts, each
 * with PyTorch's positional order and a trailing options object.
 */
import type { Tensor } from '../tensor';
import { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions, type Reduction } from '../ops/loss';
import { BCE_WEIGHT, binaryCrossEntropyWithLogits, mseLoss, reduction, type BCEOptions } from '../ops/loss-pointwise';
import { Module } from './module';
import { integer, nullable, number, param, parseArgs, tensor } from '../validate';

export type { Reduction, BCEOptions };

/**
 * The mean squared error as a module: forward(input, target) = F.mseLoss.
 * @example const loss = new nn.MSELoss().call(pred, target);   // new nn.MSELoss({ reduction: 'sum' })
 */
export class MSELoss extends Module {
  readonly reduction: Reduction;

  constructor(opts?: { reduction?: Reduction });
  constructor(...args: unknown[]) {
    const a = parseArgs('MSELoss', args, { reduction }, 0);
    super();
    this.reduction = a.reduction;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, { reduction: this.reduction });
  }
}

/**
 * Binary cross entropy of logits as a module: forward(input, target) =
 * F.binaryCrossEntropyWithLogits with the options given here. weight and
 * posWeight are the caller's tensors (not registered; dispose them yourself).
 * @example new nn.BCEWithLogitsLoss({ posWeight: sg.tensor([2, 1, 1]) })
 */
export class BCEWithLogitsLoss extends Module {
  readonly reduction: Reduction;
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;

  constructor(weight?: Tensor | null, opts?: Omit<BCEOptions, 'weight'>);
  constructor(opts: BCEOptions);
  constructor(...args: unknown[]) {
    const a = parseArgs('BCEWithLogitsLoss', args, { weight: BCE_WEIGHT, reduction, posWeight: param(nullable(tensor), null) }, 1);
    super();
    this.reduction = a.reduction;
    this.weight = a.weight;
    this.posWeight = a.posWeight;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, { weight: this.weight, reduction: this.reduction, posWeight: this.posWeight });
  }
}

/** NLLLoss's arguments: weight positionally (PyTorch's first), the others by name. */
const NLL_ARGS = {
  weight: param(nullable(tensor), null),
  ignoreIndex: param(integer(), -100),
  reduction,
};

/**
 * Cross entropy of logits (N, C), (N, C, d1, ...) or (C) against class
 * indices (N), (N, d1, ...) or () (integers in a float tensor), or against
 * class probabilities of the logits' shape (F.crossEntropy: fused
 * log-softmax and NLL). weight: a tensor of C class weights (the caller's,
 * not registered); ignoreIndex (default -100) rows contribute nothing;
 * labelSmoothing in [0, 1] mixes the target with the uniform distribution.
 *
 * @example
 * new nn.CrossEntropyLoss();
 * new nn.CrossEntropyLoss(classWeights);             // PyTorch's positional weight
 * new nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 */
export class CrossEntropyLoss extends Module {
  readonly opts: Required<Pick<CrossEntropyOptions, 'ignoreIndex' | 'reduction' | 'labelSmoothing'>> & { weight: Tensor | null };

  constructor(weight?: Tensor | null, opts?: Omit<CrossEntropyOptions, 'weight'>);
  constructor(opts: CrossEntropyOptions);
  constructor(...args: unknown[]) {
    const a = parseArgs('CrossEntropyLoss', args, { ...NLL_ARGS, labelSmoothing: param(number({ min: 0, max: 1 }), 0) }, 1);
    super();
    this.opts = a;
  }

  forward(logits: Tensor, target: Tensor): Tensor {
    return crossEntropy(logits, target, this.opts);
  }
}

/**
 * Negative log likelihood of log-probabilities (N, C), (N, C, d1, ...) or
 * (C) against class indices: l_i = -w_{t_i} x_{i, t_i}; weight (C class
 * weights, the caller's) and ignoreIndex (default -100) as PyTorch.
 * @example new nn.NLLLoss().call(F.logSoftmax(logits, 1), labels)
 */
export class NLLLoss extends Module {
  readonly opts: Required<Pick<NllLossOptions, 'ignoreIndex' | 'reduction'>> & { weight: Tensor | null };

  constructor(weight?: Tensor | null, opts?: Omit<NllLossOptions, 'weight'>);
  constructor(opts: NllLossOptions);
  constructor(...args: unknown[]) {
    const a = parseArgs('NLLLoss', args, NLL_ARGS, 1);
    super();
    this.opts = a;
  }

  forward(logProbs: Tensor, target: Tensor): Tensor {
    return nllLoss(logProbs, target, this.opts);
  }
}
