/** The 2-d transposed convolution layer (torch.nn.ConvTranspose2d). */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { empty } from '../ops/create';
import type { Pair } from '../ops/conv';
import { convTranspose2d } from '../ops/conv-transpose';
import { Module } from './module';
import { defaultInit_ } from './linear';
import { boolean, integer, intList, invalid, pair, param, parseArgs, required, tensor as tensorCheck } from '../validate';

/** Options of ConvTranspose2d after its sizes (PyTorch's names in camelCase). */
export interface ConvTranspose2dOptions {
  /** Upsampling factor: the step of the kernel over the output (default 1). */
  stride?: Pair;
  /** The padding of the Conv2d this layer inverts: dilation (k - 1) - padding zeros pad the input (default 0). */
  padding?: Pair;
  /** Extra rows/columns added on one side of the output, smaller than stride or dilation (default 0). */
  outputPadding?: Pair;
  /** Split channels into groups (default 1). */
  groups?: number;
  /** Learn an additive bias per output channel (default true). */
  bias?: boolean;
  /** Spacing of the kernel taps (default 1). */
  dilation?: Pair;
}

/** ConvTranspose2d's arguments in PyTorch's positional order (torch.nn.ConvTranspose2d). */
const CONV_TRANSPOSE2D_ARGS = {
  inChannels: param(integer({ min: 1 }), required),
  outChannels: param(integer({ min: 1 }), required),
  kernelSize: param(pair({ min: 1 }), required),
  stride: param(pair({ min: 1 }), [1, 1]),
  padding: param(pair({ min: 0 }), [0, 0]),
  outputPadding: param(pair({ min: 0 }), [0, 0]),
  groups: param(integer({ min: 1 }), 1),
  bias: param(boolean, true),
  dilation: param(pair({ min: 1 }), [1, 1]),
};

/**
 * 2-d transposed convolution (the gradient of Conv2d with respect to its
 * input; "deconvolution"): y = convTranspose2d(x, W, b) with W of shape
 * [inChannels, outChannels / groups, kh, kw].
 * Shape: [N, inChannels, H, W] -> [N, outChannels, OH, OW],
 * OH = (H - 1) sh - 2 ph + dh (kh - 1) + outputPadding_h + 1 (OW alike).
 * Default init as PyTorch's _ConvNd: W ~ kaimingUniform(a = sqrt 5),
 * b ~ U(-1/sqrt fanIn, 1/sqrt fanIn), where fanIn comes from weight dim 1
 * (as calculate_fan_in_and_fan_out gives it): fanIn = outChannels / groups kh kw.
 *
 * @example
 * // a DCGAN generator's first layer: [N, 100, 1, 1] -> [N, 64, 4, 4]
 * new nn.ConvTranspose2d(100, 64, 4, 1, 0, 0, 1, false);
 * new nn.ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1, bias: false });   // doubles H and W
 */
export class ConvTranspose2d extends Module {
  /** [inChannels, outChannels / groups, kh, kw]. */
  readonly weight: Tensor;
  /** [outChannels], or null with bias false. */
  readonly bias: Tensor | null;
  /** [kh, kw]; stride, padding, outputPadding and dilation are expanded to pairs too. */
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  readonly inChannels: number;
  readonly outChannels: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, opts?: ConvTranspose2dOptions);
  constructor(inChannels: number, outChannels: number, kernelSize: Pair, stride?: Pair, padding?: Pair, outputPadding?: Pair, groups?: number, bias?: boolean, dilation?: Pair);
  constructor(...args: unknown[]) {
    const name = 'ConvTranspose2d';
    const a = parseArgs(name, args, CONV_TRANSPOSE2D_ARGS);
    if (a.inChannels % a.groups !== 0 || a.outChannels % a.groups !== 0) {
      throw new RangeError(`${name}: inChannels (${a.inChannels}) and outChannels (${a.outChannels}) must be divisible by groups (${a.groups})`);
    }
    for (let i = 0; i < 2; i++) {
      if (a.outputPadding[i] >= a.stride[i] && a.outputPadding[i] >= a.dilation[i]) {
        throw new RangeError(`${name}: output padding must be smaller than either stride or dilation, got outputPadding=[${a.outputPadding}], stride=[${a.stride}], dilation=[${a.dilation}]`);
      }
    }
    super();
    this.inChannels = a.inChannels;
    this.outChannels = a.outChannels;
    this.kernelSize = a.kernelSize;
    this.stride = a.stride;
    this.padding = a.padding;
    this.outputPadding = a.outputPadding;
    this.dilation = a.dilation;
    this.groups = a.groups;
    this.weight = this.registerParameter('weight', empty([a.inChannels, a.outChannels / a.groups, ...a.kernelSize]));
    this.bias = this.registerParameter('bias', a.bias ? empty([a.outChannels]) : null);
    this.resetParameters();
  }

  /** Re-draws weight and bias from the default init. */
  resetParameters(): void {
    defaultInit_(this.weight, this.bias);
  }

  /**
   * y = convTranspose2d(x, W, b). `outputSize` ([H_out, W_out], or the whole
   * output shape whose last two entries are used), as PyTorch's forward
   * argument, picks among the output sizes a strided transposed convolution
   * can give: each must lie in [s, s + stride - 1] with
   * s = (H - 1) stride - 2 padding + dilation (k - 1) + 1, and sets the
   * output padding to size - s (the constructor's outputPadding is then unused).
   *   new ConvTranspose2d(8, 4, 3, { stride: 2, padding: 1 }).forward(x, [14, 14])  // x (N, 8, 7, 7)
   */
  forward(x: Tensor): Tensor;
  forward(x: Tensor, outputSize: readonly number[] | null): Tensor;
  forward(x: Tensor, outputSize?: unknown): Tensor {
    const outputPadding = outputSize === undefined || outputSize === null ? this.outputPadding : this.outputPaddingFor(x, outputSize);
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride, padding: this.padding, outputPadding, groups: this.groups, dilation: this.dilation,
    });
  }

  /** The output padding that makes the output's spatial size `outputSize` (checked as PyTorch's _output_padding). */
  private outputPaddingFor(x: Tensor, outputSize: unknown): [number, number] {
    const at = { where: 'ConvTranspose2d.forward', name: 'outputSize' };
    tensorCheck(x, { where: at.where, name: 'input' });
    const sizes = intList({ min: 1 }, { single: false })(outputSize, at);
    if (sizes.length !== 2 && sizes.length !== x.ndim) throw invalid(at, `[H_out, W_out] or ${x.ndim} sizes (the whole output shape)`, outputSize, '', 'range');
    const spatial = sizes.slice(-2);
    const input = x.shape.slice(-2);
    return [0, 1].map((i) => {
      const smallest = (input[i] - 1) * this.stride[i] - 2 * this.padding[i] + this.dilation[i] * (this.kernelSize[i] - 1) + 1;
      const largest = smallest + this.stride[i] - 1;
      if (spatial[i] < smallest || spatial[i] > largest) {
        throw invalid(at, `in [${smallest}, ${largest}] in dim ${i} for input ${fmtShape(x.shape)} (stride ${this.stride[i]}, padding ${this.padding[i]})`, outputSize, '', 'range');
      }
      return spatial[i] - smallest;
    }) as [number, number];
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
