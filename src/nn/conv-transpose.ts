/**
 * ConvTranspose2d: y = convTranspose2d(x, W, b) with W of shape
 * [in, out / groups, kh, kw]; default init as PyTorch's _ConvNd
 * (kaimingUniform with a = sqrt 5, bias U(-1/sqrt fanIn, 1/sqrt fanIn)) where
 * fanIn comes from weight dim 1 as calculate_fan_in_and_fan_out gives it:
 * fanIn = out / groups kh kw.
 */
import { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { pairOf, type Pair } from '../ops/conv';
import { convTranspose2d } from '../ops/conv-transpose';
import { Module } from './module';
import { defaultInit_ } from './linear';

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  bias?: boolean;
  dilation?: Pair;
}

const name = 'ConvTranspose2d';

export class ConvTranspose2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(
    readonly inChannels: number, readonly outChannels: number, kernelSize: Pair,
    { stride = 1, padding = 0, outputPadding = 0, groups = 1, bias = true, dilation = 1 }: ConvTranspose2dOptions = {},
  ) {
    super();
    for (const [n, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${name}: ${n} must be a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new RangeError(`${name}: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`);
    }
    this.kernelSize = pairOf(name, 'kernelSize', kernelSize, 1);
    this.stride = pairOf(name, 'stride', stride, 1);
    this.padding = pairOf(name, 'padding', padding, 0);
    this.outputPadding = pairOf(name, 'outputPadding', outputPadding, 0);
    this.dilation = pairOf(name, 'dilation', dilation, 1);
    for (let i = 0; i < 2; i++) {
      if (this.outputPadding[i] >= this.stride[i] && this.outputPadding[i] >= this.dilation[i]) {
        throw new RangeError(`${name}: output padding must be smaller than either stride or dilation, got outputPadding=[${this.outputPadding}], stride=[${this.stride}], dilation=[${this.dilation}]`);
      }
    }
    this.groups = groups;
    this.weight = this.registerParameter('weight', empty([inChannels, outChannels / groups, ...this.kernelSize]));
    this.bias = this.registerParameter('bias', bias ? empty([outChannels]) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    defaultInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding: this.outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }

  /** PyTorch's _ConvNd.extra_repr fields, in its order. */
  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}]`];
    if (this.padding.some((p) => p !== 0)) parts.push(`padding=[${this.padding}]`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=[${this.dilation}]`);
    if (this.outputPadding.some((p) => p !== 0)) parts.push(`outputPadding=[${this.outputPadding}]`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}
