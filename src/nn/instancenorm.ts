/**
 * InstanceNorm1d / InstanceNorm2d: instanceNorm (src/ops/instancenorm.ts) with
 * PyTorch's defaults (affine false, trackRunningStats false). With affine, a
 * per-channel weight (ones) and bias (zeros); with trackRunningStats, the
 * buffers running_mean, running_var and num_batches_tracked (state-dict
 * keys as PyTorch's), used in eval mode instead of each input's statistics.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { boolean, integer, number, param, parseArgs, required } from '../validate';
import { full, ones, zeros } from '../ops/create';
import { fill_ } from '../ops/inplace';
import { instanceNorm } from '../ops/instancenorm';
import { Module } from './module';

/**
 * Options of InstanceNorm1d/2d after numFeatures (defaults eps 1e-5, momentum 0.1, affine false, trackRunningStats false).
 * @example new nn.InstanceNorm2d(16, { affine: true })
 */
export interface InstanceNormOptions {
  /** Added to the variance; default 1e-5. */
  eps?: number;
  /** Weight of the new statistics in the running averages; default 0.1. */
  momentum?: number;
  /** Learnable per-channel weight and bias; default false. */
  affine?: boolean;
  /** Keep running statistics and use them in eval mode; default false. */
  trackRunningStats?: boolean;
}

const INSTANCE_NORM_ARGS = {
  numFeatures: param(integer({ min: 1 }), required),
  eps: param(number({ gt: 0 }), 1e-5),
  momentum: param(number({ min: 0, max: 1 }), 0.1),
  affine: param(boolean, false),
  trackRunningStats: param(boolean, false),
} as const;

abstract class InstanceNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly numBatchesTracked: Tensor | null;

  protected constructor(name: string, args: unknown[], private readonly rank: number) {
    const a = parseArgs(name, args, INSTANCE_NORM_ARGS);
    super();
    this.numFeatures = a.numFeatures;
    this.eps = a.eps;
    this.momentum = a.momentum;
    this.affine = a.affine;
    this.trackRunningStats = a.trackRunningStats;
    this.weight = this.registerParameter('weight', a.affine ? ones([a.numFeatures]) : null);
    this.bias = this.registerParameter('bias', a.affine ? zeros([a.numFeatures]) : null);
    this.runningMean = this.registerBuffer('runningMean', a.trackRunningStats ? zeros([a.numFeatures]) : null);
    this.runningVar = this.registerBuffer('runningVar', a.trackRunningStats ? ones([a.numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('numBatchesTracked', a.trackRunningStats ? full([], 0) : null);
  }

  forward(x: Tensor): Tensor {
    const name = this.constructor.name;
    x.assertAlive(name);
    if (x.ndim !== this.rank && x.ndim !== this.rank - 1) throw new RangeError(`${name}: expected a ${this.rank}-d (batched) or ${this.rank - 1}-d (unbatched) input, got ${fmtShape(x.shape)}`);
    const batched = x.ndim === this.rank ? x : x.unsqueeze(0);
    try {
      if (batched.shape[1] !== this.numFeatures) throw new RangeError(`${name}: input ${fmtShape(x.shape)}: expected ${this.numFeatures} channels, got ${batched.shape[1]}`);
      const useInput = this.training || this.runningMean === null;
      if (this.training && this.numBatchesTracked !== null) {
        const n = this.numBatchesTracked.item() + 1;
        noGrad(() => fill_(this.numBatchesTracked as Tensor, n));
      }
      const out = instanceNorm(batched, this.runningMean, this.runningVar, this.weight, this.bias, useInput, this.momentum, this.eps);
      if (batched === x) return out;
      const r = out.squeeze(0);
      out.dispose();
      return r;
    } finally {
      if (batched !== x) batched.dispose();
    }
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/**
 * Instance normalisation of [N, C, H, W] (or [C, H, W]): each plane to mean
 * 0 and variance 1, then the optional affine map.
 * `new InstanceNorm2d(numFeatures, eps?, momentum?, affine?, trackRunningStats?)` or options.
 * @example new nn.InstanceNorm2d(16, { affine: true })
 */
export class InstanceNorm2d extends InstanceNormBase {
  constructor(numFeatures: number, opts?: InstanceNormOptions);
  constructor(numFeatures: number, eps?: number, momentum?: number, affine?: boolean, trackRunningStats?: boolean);
  constructor(...args: unknown[]) {
    super('InstanceNorm2d', args, 4);
  }
}

/**
 * Instance normalisation of [N, C, L] (or [C, L]).
 * @example new nn.InstanceNorm1d(8)
 */
export class InstanceNorm1d extends InstanceNormBase {
  constructor(numFeatures: number, opts?: InstanceNormOptions);
  constructor(numFeatures: number, eps?: number, momentum?: number, affine?: boolean, trackRunningStats?: boolean);
  constructor(...args: unknown[]) {
    super('InstanceNorm1d', args, 3);
  }
}
