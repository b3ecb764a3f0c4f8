/** The 2-d convolution layer (torch.nn.Conv2d). */
import { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { conv2d, type Pair } from '../ops/conv';
import { Module } from './module';
import { defaultInit_ } from './linear';
import { boolean, either, integer, pair, param, parseArgs, required } from '../validate';
import { checkSameStride, paddingMode, type PaddingMode } from '../ops/conv-padding';

/** Options of Conv2d after its sizes (PyTorch's names in camelCase). */
export interface Conv2dOptions {
  /** Step of the window, an integer or [sh, sw] (default 1). */
  stride?: Pair;
  /** Zeros added on each side: an integer or [ph, pw] (default 0), or 'same' | 'valid' ('same' needs stride 1, as PyTorch's). */
  padding?: Pair | PaddingMode;
  /** Spacing of the kernel taps (default 1). */
  dilation?: Pair;
  /** Split channels into groups convolved separately; in and out channels divisible by it (default 1). */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
}

/** Conv2d's arguments in PyTorch's positional order (torch.nn.Conv2d). */
const CONV2D_ARGS = {
  inChannels: param(integer({ min: 1 }), required),
  outChannels: param(integer({ min: 1 }), required),
  kernelSize: param(pair({ min: 1 }), required),
  stride: param(pair({ min: 1 }), [1, 1]),
  padding: param(either(pair({ min: 0 }), paddingMode, "an integer >= 0, a pair of them, or 'same' or 'valid'"), [0, 0]),
  dilation: param(pair({ min: 1 }), [1, 1]),
  groups: param(integer({ min: 1 }), 1),
  bias: param(boolean, true),
} as const;

/**
 * 2-d convolution (cross-correlation) over NCHW: y = conv2d(x, W, b) with W
 * of shape [outChannels, inChannels / groups, kh, kw] and b of shape [outChannels].
 * Shape: [N, inChannels, H, W] (or unbatched [inChannels, H, W]) ->
 * [N, outChannels, OH, OW], OH = floor((H + 2 ph - dh (kh - 1) - 1) / sh) + 1 (OW alike).
 * Default init as PyTorch's: W ~ kaimingUniform(a = sqrt 5), b ~ U(-1/sqrt fanIn, 1/sqrt fanIn),
 * fanIn = inChannels / groups kh kw.
 *
 * @example
 * new nn.Conv2d(3, 8, 3, 2, 1);                         // stride 2, padding 1 (PyTorch's order)
 * new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 });   // the same layer
 * new nn.Conv2d(64, 64, 3, 1, 1, 1, 1, false);          // no bias
 */
export class Conv2d extends Module {
  /** [outChannels, inChannels / groups, kh, kw]. */
  readonly weight: Tensor;
  /** [outChannels], or null with bias false. */
  readonly bias: Tensor | null;
  /** [kh, kw]; stride, padding and dilation are expanded to pairs too. */
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | PaddingMode;
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
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, stride?: Pair, padding?: Pair | PaddingMode, dilation?: Pair, groups?: number, bias?: boolean);
  constructor(...args: unknown[]) {
    const a = parseArgs('Conv2d', args, CONV2D_ARGS);
    if (typeof a.padding === 'string') checkSameStride('Conv2d', a.padding, a.stride);
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

  /** Re-draws weight and bias from the default init. */
  resetParameters(): void {
    defaultInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }

  override extraRepr(): string {
    const parts = [`${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}]`];
    if (typeof this.padding === 'string') parts.push(`padding='${this.padding}'`);
    else if (this.padding.some((p) => p !== 0)) parts.push(`padding=[${this.padding}]`);
    if (this.dilation.some((d) => d !== 1)) parts.push(`dilation=[${this.dilation}]`);
    if (this.groups !== 1) parts.push(`groups=${this.groups}`);
    if (this.bias === null) parts.push('bias=false');
    return parts.join(', ');
  }
}
