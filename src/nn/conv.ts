/**
 * Conv2d: y = conv2d(x, W, b) with W of shape [out, in / groups, kh, kw]
 * (cross-correlation, NCHW); default init as PyTorch's (kaimingUniform with
 * a = sqrt 5, bias U(-1/sqrt fanIn, 1/sqrt fanIn), fanIn = in / groups kh kw).
 */
import { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { conv2d, type Pair } from '../ops/conv';
import { Module } from './module';
import { defaultInit_ } from './linear';
import { boolean, integer, pair, param, parseArgs, required } from '../validate';

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
}

/** Conv2d's arguments in PyTorch's positional order (torch.nn.Conv2d). */
const CONV2D_ARGS = {
  inChannels: param(integer({ min: 1 }), required),
  outChannels: param(integer({ min: 1 }), required),
  kernelSize: param(pair({ min: 1 }), required),
  stride: param(pair({ min: 1 }), [1, 1]),
  padding: param(pair({ min: 0 }), [0, 0]),
  dilation: param(pair({ min: 1 }), [1, 1]),
  groups: param(integer({ min: 1 }), 1),
  bias: param(boolean, true),
} as const;

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  readonly inChannels: number;
  readonly outChannels: number;

  /**
   * `new Conv2d(inChannels, outChannels, kernelSize, stride?, padding?, dilation?, groups?, bias?)`,
   * PyTorch's positional order, or any of the optional ones as a trailing
   * options object: `new Conv2d(3, 8, 3, { stride: 2, padding: 1 })`.
   */
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts?: Conv2dOptions);
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, stride?: Pair, padding?: Pair, dilation?: Pair, groups?: number, bias?: boolean);
  constructor(...args: unknown[]) {
    const a = parseArgs('Conv2d', args, CONV2D_ARGS);
    if (a.inChannels % a.groups !== 0 || a.outChannels % a.groups !== 0) throw new RangeError(`Conv2d: inChannels (${a.inChannels}) and outChannels (${a.outChannels}) must be divisible by groups (${a.groups})`);
    super();
    this.inChannels = a.inChannels;
    this.outChannels = a.outChannels;
    this.kernelSize = a.kernelSize;
    this.stride = a.stride;
    this.padding = a.padding;
    this.dilation = a.dilation;
    this.groups = a.groups;
    this.weight = this.registerParameter('weight', empty([a.outChannels, a.inChannels / a.groups, ...a.kernelSize]));
    this.bias = this.registerParameter('bias', a.bias ? empty([a.outChannels]) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    defaultInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}]`];
    if (this.padding.some((p) => p !== 0)) parts.push(`padding=[${this.padding}]`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=[${this.dilation}]`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}
