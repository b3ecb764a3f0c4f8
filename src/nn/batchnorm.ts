/**
 * Batch normalisation layers (Ioffe & Szegedy 2015). One base class holds
 * the logic (like PyTorch's _BatchNorm); BatchNorm1d and BatchNorm2d only
 * check ranks. The math is on BatchNorm1d.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { ones, zeros, full } from '../ops/create';
import { fill_ } from '../ops/inplace';
import { batchNormInternal } from '../ops/batchnorm';
import { fill } from '../drivers/copy';
import { Module } from './module';
import { boolean, integer, nullable, number, param, parseArgs, required, tensor } from '../validate';

/** Options of BatchNorm1d / BatchNorm2d after numFeatures (PyTorch's names in camelCase). */
export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running averages, in [0, 1] (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel weight (ones) and bias (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for eval() (default true); without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/** The arguments in PyTorch's positional order (torch.nn.BatchNorm1d). */
const BATCH_NORM_ARGS = {
  numFeatures: param(integer({ min: 1 }), required),
  eps: param(number({ gt: 0 }), 1e-5),
  momentum: param(nullable(number({ min: 0, max: 1 })), 0.1),
  affine: param(boolean, true),
  trackRunningStats: param(boolean, true),
};

abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  /** [C] ones (learned), or null without affine. */
  readonly weight: Tensor | null;
  /** [C] zeros (learned), or null without affine. */
  readonly bias: Tensor | null;
  /** [C] buffer starting at 0, or null without trackRunningStats. */
  readonly runningMean: Tensor | null;
  /** [C] buffer starting at 1 (unbiased variances), or null without trackRunningStats. */
  readonly runningVar: Tensor | null;
  /** A 0-d buffer counting training batches, or null without trackRunningStats. */
  readonly numBatchesTracked: Tensor | null;

  constructor(args: readonly unknown[]) {
    const { numFeatures, eps, momentum, affine, trackRunningStats } = parseArgs(new.target.name, args, BATCH_NORM_ARGS);
    super();
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = this.registerParameter('weight', affine ? ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numFeatures]) : null);
    this.runningMean = this.registerBuffer('runningMean', trackRunningStats ? zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer('runningVar', trackRunningStats ? ones([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('numBatchesTracked', trackRunningStats ? full([], 0) : null);
  }

  /** Throws unless x has a rank this layer accepts. */
  protected abstract checkInput(x: Tensor): void;

  /** Resets the running statistics (mean 0, variance 1, no batches). */
  resetRunningStats(): void {
    noGrad(() => {
      if (this.runningMean !== null) fill_(this.runningMean, 0);
      if (this.runningVar !== null) fill_(this.runningVar, 1);
      if (this.numBatchesTracked !== null) fill_(this.numBatchesTracked, 0);
    });
  }

  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }

  /**
   * @internal relu(this.forward(x)) as one fused op (batchNormRelu): the same
   * values, gradients and buffer updates in fewer passes over memory. For a
   * block that owns this layer (BasicBlock); forward hooks do not run.
   */
  forwardRelu(x: Tensor): Tensor {
    return this.normalize(x, true);
  }

  /**
   * @internal relu(this.forward(x) + residual) as one fused op
   * (batchNormAddRelu; residual of x's shape): as forwardRelu, for the end
   * of a residual block.
   */
  forwardAddRelu(x: Tensor, residual: Tensor): Tensor {
    return this.normalize(x, true, residual);
  }

  private normalize(x: Tensor, withRelu: boolean, residual: Tensor | null = null): Tensor {
    tensor(x, { where: this.constructor.name, name: 'input' });
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.constructor.name}: input ${fmtShape(x.shape)}: expected ${this.numFeatures} channels in dim 1, got ${x.shape[1]}`);
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked !== null) {
      // numBatchesTracked += 1, written in place by one kernel call (fill_ would make a tensor and copy it)
      const count = this.numBatchesTracked, n = count.item() + 1;
      fill(count, n, 1);
      if (this.momentum === null) momentum = 1 / n;
    }
    // batch statistics in training, or in eval without running statistics
    const useBatch = this.training || this.runningMean === null;
    const updating = this.training && this.runningMean !== null;
    const rm = updating || !useBatch ? this.runningMean : null, rv = updating || !useBatch ? this.runningVar : null;
    return batchNormInternal(x, rm, rv, this.weight, this.bias, useBatch, momentum, this.eps, withRelu, residual);
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Batch normalisation over (N, C) or (N, C, L), per channel c (dim 1):
 *   training: y = (x - mean_B) / sqrt(var_B + eps) weight + bias (biased batch variance),
 *             runningMean/runningVar <- (1 - m) running + m stat (unbiased variance),
 *             numBatchesTracked += 1, where m = momentum, or 1 / numBatchesTracked
 *             when momentum is null (a cumulative moving average);
 *   eval:     the same with the running statistics (batch statistics if trackRunningStats is false).
 * Parameters weight (ones) and bias (zeros) of shape [C] when affine;
 * buffers runningMean, runningVar, numBatchesTracked.
 *
 * @example
 * new nn.BatchNorm1d(8);                 // eps 1e-5, momentum 0.1
 * new nn.BatchNorm1d(8, 1e-3);           // PyTorch's positional eps
 * new nn.BatchNorm1d(8, { momentum: 0.01, affine: false });
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, eps?: number, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean);
  constructor(numFeatures: number, opts: BatchNormOptions);
  constructor(...args: unknown[]) {
    super(args);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (N, C) or (N, C, L), got ${fmtShape(x.shape)}`);
  }
}

/**
 * Batch normalisation over (N, C, H, W): BatchNorm1d's rule with statistics
 * per channel over N, H and W.
 * @example new nn.BatchNorm2d(16)   // new nn.BatchNorm2d(16, 1e-5, 0.01) for momentum 0.01
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, eps?: number, momentum?: number | null, affine?: boolean, trackRunningStats?: boolean);
  constructor(numFeatures: number, opts: BatchNormOptions);
  constructor(...args: unknown[]) {
    super(args);
  }

  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (N, C, H, W), got ${fmtShape(x.shape)}`);
  }
}
