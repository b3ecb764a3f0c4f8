/**
 * Layer and group normalisation layers (Ba et al. 2016; Wu & He 2018), as
 * torch.nn.LayerNorm and torch.nn.GroupNorm: statistics of each sample (or
 * each sample's channel group) alone, so training and evaluation give the
 * same result and there are no running statistics.
 */
import { Tensor } from '../tensor';
import { ones, zeros } from '../ops/create';
import { groupNorm, layerNorm } from '../ops/layernorm';
import { Module } from './module';
import { boolean, integer, intList, number, param, parseArgs, required, tensor } from '../validate';

/** Options of LayerNorm after normalizedShape (PyTorch's names in camelCase). */
export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable weight (ones) and bias (zeros) of shape normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine: whether to learn the bias too (default true). */
  bias?: boolean;
}

/** A positive number, the variance's offset. */
const eps = number({ gt: 0 });

/** LayerNorm's arguments in PyTorch's positional order (torch.nn.LayerNorm). */
const LAYER_NORM_ARGS = {
  normalizedShape: param(intList({ min: 1 }), required),
  eps: param(eps, 1e-5),
  elementwiseAffine: param(boolean, true),
  bias: param(boolean, true),
};

/**
 * Layer normalisation over the last normalizedShape.length dims D of x:
 *   y = (x - mean_D) / sqrt(var_D + eps) weight + bias (biased variance),
 * weight (ones) and bias (zeros) of shape normalizedShape.
 * Shape: [*, ...normalizedShape] -> the same.
 *
 * @example
 * new nn.LayerNorm(512);              // over the last dim of size 512
 * new nn.LayerNorm([8], 1e-6);        // PyTorch's positional eps
 * new nn.LayerNorm([4, 4], { elementwiseAffine: false });
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  /** normalizedShape ones (learned), or null without elementwiseAffine. */
  readonly weight: Tensor | null;
  /** normalizedShape zeros (learned), or null without elementwiseAffine or bias. */
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], eps?: number, elementwiseAffine?: boolean, bias?: boolean);
  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions);
  constructor(...args: unknown[]) {
    const a = parseArgs('LayerNorm', args, LAYER_NORM_ARGS);
    if (a.normalizedShape.length === 0) throw new RangeError('LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got [] (an array)');
    super();
    const ns = a.normalizedShape;
    this.normalizedShape = ns;
    this.eps = a.eps;
    this.elementwiseAffine = a.elementwiseAffine;
    this.weight = this.registerParameter('weight', a.elementwiseAffine ? ones(ns) : null);
    this.bias = this.registerParameter('bias', a.elementwiseAffine && a.bias ? zeros(ns) : null);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/** Options of GroupNorm after its sizes. */
export interface GroupNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable per-channel weight (ones) and bias (zeros) (default true). */
  affine?: boolean;
}

/** GroupNorm's arguments in PyTorch's positional order (torch.nn.GroupNorm). */
const GROUP_NORM_ARGS = {
  numGroups: param(integer({ min: 1 }), required),
  numChannels: param(integer({ min: 1 }), required),
  eps: param(eps, 1e-5),
  affine: param(boolean, true),
};

/**
 * Group normalisation over (N, C, *): statistics per sample and group of
 * C / numGroups consecutive channels,
 *   y = (x - mean_g) / sqrt(var_g + eps) weight_c + bias_c,
 * weight (ones) and bias (zeros) of shape [C]. numGroups 1 normalises each
 * sample over all its channels, numGroups C each channel alone.
 * @example new nn.GroupNorm(4, 32)   // 4 groups of 8 channels; (4, 32, 1e-6) for eps 1e-6
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  /** [numChannels] ones (learned), or null without affine. */
  readonly weight: Tensor | null;
  /** [numChannels] zeros (learned), or null without affine. */
  readonly bias: Tensor | null;

  constructor(numGroups: number, numChannels: number, eps?: number, affine?: boolean);
  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions);
  constructor(...args: unknown[]) {
    const a = parseArgs('GroupNorm', args, GROUP_NORM_ARGS);
    if (a.numChannels % a.numGroups !== 0) throw new RangeError(`GroupNorm: numChannels must be a positive multiple of numGroups (${a.numGroups}), got ${a.numChannels}`);
    super();
    this.numGroups = a.numGroups;
    this.numChannels = a.numChannels;
    this.eps = a.eps;
    this.affine = a.affine;
    this.weight = this.registerParameter('weight', a.affine ? ones([a.numChannels]) : null);
    this.bias = this.registerParameter('bias', a.affine ? zeros([a.numChannels]) : null);
  }

  forward(x: Tensor): Tensor {
    tensor(x, { where: 'GroupNorm', name: 'input' });
    if (x.ndim < 2 || x.shape[1] !== this.numChannels) {
      throw new RangeError(`GroupNorm: input [${x.shape.join(',')}]: expected (N, ${this.numChannels}, *)`);
    }
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
