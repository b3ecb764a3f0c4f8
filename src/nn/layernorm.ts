/**
 * Layer and group normalisation layers (Ba et al. 2016; Wu & He 2018), as
 * torch.nn.LayerNorm and torch.nn.GroupNorm: statistics of each sample (or
 * each sample's channel group) alone, so training and evaluation give the
 * same result and there are no running statistics. The math is in
 * src/ops/layernorm.ts.
 */
import { Tensor } from '../tensor';
import { ones, zeros } from '../ops/create';
import { groupNorm, layerNorm } from '../ops/layernorm';
import { Module } from './module';

export interface LayerNormOptions {
  eps?: number;
  /** Learnable weight (ones) and bias (zeros) of shape normalizedShape. */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine: whether to learn the bias too. */
  bias?: boolean;
}

function checkEps(name: string, eps: number): void {
  if (!(eps > 0) || !Number.isFinite(eps)) throw new RangeError(`${name}: eps must be a positive number, got ${eps}`);
}

/** y = (x - mean) / sqrt(var + eps) weight + bias over the last normalizedShape.length dims. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], { eps = 1e-5, elementwiseAffine = true, bias = true }: LayerNormOptions = {}) {
    super();
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (ns.length === 0 || ns.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got [${ns.join(',')}]`);
    }
    checkEps('LayerNorm', eps);
    this.normalizedShape = ns;
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    this.weight = this.registerParameter('weight', elementwiseAffine ? ones(ns) : null);
    this.bias = this.registerParameter('bias', elementwiseAffine && bias ? zeros(ns) : null);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

export interface GroupNormOptions {
  eps?: number;
  /** Learnable per-channel weight (ones) and bias (zeros). */
  affine?: boolean;
}

/** Over (N, C, *): statistics per sample and group of numChannels / numGroups channels. */
export class GroupNorm extends Module {
  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(readonly numGroups: number, readonly numChannels: number, { eps = 1e-5, affine = true }: GroupNormOptions = {}) {
    super();
    if (!Number.isInteger(numGroups) || numGroups <= 0) throw new RangeError(`GroupNorm: numGroups must be a positive integer, got ${numGroups}`);
    if (!Number.isInteger(numChannels) || numChannels <= 0 || numChannels % numGroups !== 0) {
      throw new RangeError(`GroupNorm: numChannels must be a positive multiple of numGroups (${numGroups}), got ${numChannels}`);
    }
    checkEps('GroupNorm', eps);
    this.eps = eps;
    this.affine = affine;
    this.weight = this.registerParameter('weight', affine ? ones([numChannels]) : null);
    this.bias = this.registerParameter('bias', affine ? zeros([numChannels]) : null);
  }

  forward(x: Tensor): Tensor {
    x.assertAlive('GroupNorm');
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new RangeError(`GroupNorm: input [${x.shape.join(',')}]: expected (N, ${this.numChannels}, *)`);
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
