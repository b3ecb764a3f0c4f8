/** The 1-d convolution layer (torch.nn.Conv1d). */
import type { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { conv1d } from '../ops/conv1d';
import { Module } from './module';
import { defaultInit_ } from './linear';
import { boolean, either, integer, param, parseArgs, required, single } from '../validate';
import { checkSameStride, paddingMode, type PaddingMode } from '../ops/conv-padding';

/** Options of Conv1d after its sizes (PyTorch's names in camelCase). */
export interface Conv1dOptions {
  /** Step of the window (default 1). */
  stride?: number;
  /** Zeros added on each side (default 0), or 'same' | 'valid' ('same' needs stride 1, as PyTorch's). */
  padding?: number | PaddingMode;
  /** Spacing of the kernel taps (default 1). */
  dilation?: number;
  /** Split channels into groups convolved separately (default 1). */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

/** Conv1d's arguments in PyTorch's positional order (torch.nn.Conv1d). */
const CONV1D_ARGS = {
  inChannels: param(integer({ min: 1 }), required),
  outChannels: param(integer({ min: 1 }), required),
  kernelSize: param(single({ min: 1 }), required),
  stride: param(single({ min: 1 }), 1),
  padding: param(either(single({ min: 0 }), paddingMode, "an integer >= 0, or 'same' or 'valid'"), 0),
  dilation: param(single({ min: 1 }), 1),
  groups: param(integer({ min: 1 }), 1),
  bias: param(boolean, true),
};

/**
 * 1-d convolution (cross-correlation) over (N, C, L) or (C, L):
 * y = conv1d(x, W, b) with W of shape [outChannels, inChannels / groups, k].
 * Shape: [N, inChannels, L] -> [N, outChannels, OL], OL = floor((L + 2p - d (k - 1) - 1) / s) + 1.
 * Default init as Conv2d's: W ~ kaimingUniform(a = sqrt 5),
 * b ~ U(-1/sqrt fanIn, 1/sqrt fanIn), fanIn = inChannels / groups k.
 *
 * @example
 * new nn.Conv1d(16, 32, 5, 1, 2);                 // PyTorch's order: stride 1, padding 2
 * new nn.Conv1d(16, 32, 5, { padding: 2, bias: false });
 */
export class Conv1d extends Module {
  /** [outChannels, inChannels / groups, kernelSize]. */
  readonly weight: Tensor;
  /** [outChannels], or null with bias false. */
  readonly bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number | PaddingMode;
  readonly dilation: number;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts?: Conv1dOptions);
  constructor(inChannels: number, outChannels: number, kernelSize: number, stride?: number, padding?: number | PaddingMode, dilation?: number, groups?: number, bias?: boolean);
  constructor(...args: unknown[]) {
    const a = parseArgs('Conv1d', args, CONV1D_ARGS);
    if (typeof a.padding === 'string') checkSameStride('Conv1d', a.padding, [a.stride]);
    if (a.inChannels % a.groups !== 0 || a.outChannels % a.groups !== 0) throw new RangeError(`Conv1d: inChannels (${a.inChannels}) and outChannels (${a.outChannels}) must be divisible by groups (${a.groups})`);
    super();
    this.inChannels = a.inChannels;
    this.outChannels = a.outChannels;
    this.kernelSize = a.kernelSize;
    this.stride = a.stride;
    this.padding = a.padding;
    this.dilation = a.dilation;
    this.groups = a.groups;
    this.weight = this.registerParameter('weight', empty([a.outChannels, a.inChannels / a.groups, a.kernelSize]));
    this.bias = this.registerParameter('bias', a.bias ? empty([a.outChannels]) : null);
    this.resetParameters();
  }

  /** Re-draws weight and bias from the default init. */
  resetParameters(): void {
    defaultInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, stride=${this.stride}`];
    if (this.padding !== 0) parts.push(typeof this.padding === 'string' ? `padding='${this.padding}'` : `padding=${this.padding}`);
    if (this.dilation !== 1) parts.push(`dilation=${this.dilation}`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}
