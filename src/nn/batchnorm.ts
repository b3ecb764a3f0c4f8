/**
 * Batch normalisation layers (Ioffe & Szegedy 2015). One base class holds
 * the logic (like PyTorch's _BatchNorm); BatchNorm1d and BatchNorm2d only
 * check ranks. Per channel c (dim 1):
 *   training: y = (x - mean_B) / sqrt(var_B + eps) weight + bias (biased batch variance),
 *             runningMean/runningVar <- (1 - m) running + m stat (unbiased variance),
 *             numBatchesTracked += 1, where m = momentum, or 1 / numBatchesTracked
 *             when momentum is null (a cumulative moving average).
 *   eval:     the running statistics (batch statistics if trackRunningStats is false).
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { ones, zeros, full } from '../ops/create';
import { fill_ } from '../ops/inplace';
import { batchNorm } from '../ops/batchnorm';
import { Module } from './module';

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch in the running averages; null for a cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel weight and bias. */
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  constructor(readonly numFeatures: number, { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true }: BatchNormOptions = {}) {
    super();
    const name = new.target.name;
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) throw new RangeError(`${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new RangeError(`${name}: momentum must be in [0, 1] or null, got ${momentum}`);
    if (!(eps > 0) || !Number.isFinite(eps)) throw new RangeError(`${name}: eps must be a positive number, got ${eps}`);
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
    x.assertAlive(this.constructor.name);
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.constructor.name}: input ${fmtShape(x.shape)}: expected ${this.numFeatures} channels in dim 1, got ${x.shape[1]}`);
    }
    let momentum = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked !== null) {
      const n = this.numBatchesTracked.item() + 1;
      noGrad(() => fill_(this.numBatchesTracked as Tensor, n));
      if (this.momentum === null) momentum = 1 / n;
    }
    // batch statistics in training, or in eval without running statistics
    const useBatch = this.training || this.runningMean === null;
    const updating = this.training && this.runningMean !== null;
    return batchNorm(x, updating || !useBatch ? this.runningMean : null, updating || !useBatch ? this.runningVar : null, this.weight, this.bias, {
      training: useBatch,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Over (N, C) or (N, C, L). */
export class BatchNorm1d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d: expected 2D or 3D input (N, C) or (N, C, L), got ${fmtShape(x.shape)}`);
  }
}

/** Over (N, C, H, W). */
export class BatchNorm2d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected 4D input (N, C, H, W), got ${fmtShape(x.shape)}`);
  }
}
