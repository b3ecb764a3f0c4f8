/**
 * 1-d pooling layers over (N, C, L) or (C, L), wrapping the functional ops of
 * src/ops/conv1d.ts (which run the 2-d pools on a height-1 view). Constructors
 * take PyTorch's positional order or a trailing options object; stride
 * defaults to kernelSize. The window settings are checked at construction.
 */
import type { Tensor } from '../tensor';
import { maxPool1d, avgPool1d, adaptiveAvgPool1d, poolWindow1d, AVG_POOL1D_ARGS, type MaxPool1dOptions, type AvgPool1dOptions } from '../ops/conv1d';
import { Module } from './module';
import { NO_INDICES } from './pool';
import { boolean, nullable, param, parseArgs, required, single } from '../validate';

/** MaxPool1d's arguments in PyTorch's positional order (torch.nn.MaxPool1d). */
const MAX_POOL1D_ARGS = {
  kernelSize: param(single({ min: 1 }), required),
  stride: param(nullable(single({ min: 1 })), null),
  padding: param(single({ min: 0 }), 0),
  dilation: param(single({ min: 1 }), 1),
  returnIndices: param(NO_INDICES, false),
  ceilMode: param(boolean, false),
};

/**
 * 1-d max pooling: the maximum over each window of kernelSize taps `dilation`
 * apart, windows `stride` apart (default kernelSize), `padding` on each side.
 * Shape: [N, C, L] -> [N, C, OL], OL = floor((L + 2p - d (k - 1) - 1) / s) + 1
 * (ceil with ceilMode).
 * @example new nn.MaxPool1d(3, 2)   // kernel 3, stride 2; or (3, { stride: 2 })
 */
export class MaxPool1d extends Module {
  /** All window options, kernelSize included. */
  readonly opts: MaxPool1dOptions;

  constructor(kernelSize: number, stride?: number | null, padding?: number, dilation?: number, returnIndices?: false, ceilMode?: boolean);
  constructor(kernelSize: number, opts: Omit<MaxPool1dOptions, 'kernelSize'>);
  constructor(opts: MaxPool1dOptions);
  constructor(...args: unknown[]) {
    const { returnIndices: _, ...opts } = parseArgs('MaxPool1d', args, MAX_POOL1D_ARGS);
    poolWindow1d('MaxPool1d', opts, 'max');
    super();
    this.opts = opts;
  }

  /** The window length (the constructor's kernelSize). */
  get kernelSize(): number {
    return this.opts.kernelSize;
  }

  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.opts);
  }

  override extraRepr(): string {
    const o = this.opts;
    return `kernelSize=${o.kernelSize}, stride=${o.stride ?? o.kernelSize}, padding=${o.padding ?? 0}, dilation=${o.dilation ?? 1}, ceilMode=${o.ceilMode ?? false}`;
  }
}

/**
 * 1-d average pooling: the mean over each window (padding counted in the
 * divisor unless countIncludePad is false; divisorOverride replaces the divisor).
 * Shape: [N, C, L] -> [N, C, OL] as MaxPool1d's.
 * @example new nn.AvgPool1d(4, { ceilMode: true, countIncludePad: false })
 */
export class AvgPool1d extends Module {
  /** All window options, kernelSize included. */
  readonly opts: AvgPool1dOptions;

  constructor(kernelSize: number, stride?: number | null, padding?: number, ceilMode?: boolean, countIncludePad?: boolean);
  constructor(kernelSize: number, opts: Omit<AvgPool1dOptions, 'kernelSize'>);
  constructor(opts: AvgPool1dOptions);
  constructor(...args: unknown[]) {
    const opts = parseArgs('AvgPool1d', args, AVG_POOL1D_ARGS, 5);
    poolWindow1d('AvgPool1d', opts, 'avg');
    super();
    this.opts = opts;
  }

  /** The window length (the constructor's kernelSize). */
  get kernelSize(): number {
    return this.opts.kernelSize;
  }

  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.opts);
  }

  override extraRepr(): string {
    const o = this.opts;
    const extra = [
      o.ceilMode ? ', ceilMode=true' : '',
      o.countIncludePad === false ? ', countIncludePad=false' : '',
      o.divisorOverride != null ? `, divisorOverride=${o.divisorOverride}` : '',
    ].join('');
    return `kernelSize=${o.kernelSize}, stride=${o.stride ?? o.kernelSize}, padding=${o.padding ?? 0}${extra}`;
  }
}

/**
 * Adaptive 1-d average pooling to outputSize positions: output i averages
 * [floor(i L / OL), ceil((i + 1) L / OL)). Shape: [N, C, L] -> [N, C, outputSize].
 * @example new nn.AdaptiveAvgPool1d(1)
 */
export class AdaptiveAvgPool1d extends Module {
  readonly outputSize: number;

  constructor(outputSize: number);
  constructor(opts: { outputSize: number });
  constructor(...args: unknown[]) {
    const a = parseArgs('AdaptiveAvgPool1d', args, { outputSize: param(single({ min: 1 }), required) });
    super();
    this.outputSize = a.outputSize;
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${this.outputSize}`;
  }
}
