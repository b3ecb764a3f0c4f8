/**
 * 1-d pooling layers over (N, C, L) or (C, L), wrapping the functional ops of
 * src/ops/conv1d.ts (which run the 2-d pools on a height-1 view):
 *   MaxPool1d (stride, padding, dilation, ceilMode), AvgPool1d (stride,
 *   padding, ceilMode, countIncludePad, divisorOverride), AdaptiveAvgPool1d.
 * stride defaults to kernelSize; the windowed layers take (kernelSize,
 * options) or one options object with kernelSize in it, like the 2-d layers.
 */
import type { Tensor } from '../tensor';
import { maxPool1d, avgPool1d, adaptiveAvgPool1d, intOf, poolWindow1d, type MaxPool1dOptions, type AvgPool1dOptions } from '../ops/conv1d';
import { Module } from './module';

/** (kernelSize, options) or (options with kernelSize) as one options object. */
function optionsOf<T extends { kernelSize: number }>(op: string, first: number | T, rest: Omit<T, 'kernelSize'> | undefined): T {
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (rest !== undefined) throw new TypeError(`${op}: pass (kernelSize, options) or one options object, not both`);
    return { ...first };
  }
  return { ...(rest ?? {}), kernelSize: first } as T;
}

export class MaxPool1d extends Module {
  readonly opts: MaxPool1dOptions;

  constructor(kernelSize: number | MaxPool1dOptions, opts?: Omit<MaxPool1dOptions, 'kernelSize'>) {
    super();
    this.opts = optionsOf<MaxPool1dOptions>('MaxPool1d', kernelSize, opts);
    poolWindow1d('MaxPool1d', this.opts, 'max');
  }

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

export class AvgPool1d extends Module {
  readonly opts: AvgPool1dOptions;

  constructor(kernelSize: number | AvgPool1dOptions, opts?: Omit<AvgPool1dOptions, 'kernelSize'>) {
    super();
    this.opts = optionsOf<AvgPool1dOptions>('AvgPool1d', kernelSize, opts);
    poolWindow1d('AvgPool1d', this.opts, 'avg');
  }

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

export class AdaptiveAvgPool1d extends Module {
  readonly outputSize: number;

  constructor(outputSize: number) {
    super();
    this.outputSize = intOf('AdaptiveAvgPool1d', 'outputSize', outputSize, 1);
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${this.outputSize}`;
  }
}
