/**
 * Pooling layers over (N, C, H, W) or (C, H, W), wrapping the functional ops
 * (src/ops/pool.ts has the window, output-size and divisor rules):
 *   MaxPool2d: max over each window (stride, padding, dilation, ceilMode);
 *   AvgPool2d: mean over each window (stride, padding, ceilMode,
 *   countIncludePad, divisorOverride);
 *   AdaptiveAvgPool2d: windows chosen so the output is outputSize.
 * stride defaults to kernelSize, as in PyTorch. Both windowed layers take
 * (kernelSize, options) or one options object with kernelSize in it, e.g.
 * new MaxPool2d({ kernelSize: 3, stride: 2, dilation: 2, ceilMode: true }).
 */
import type { Tensor } from '../tensor';
import type { Pair } from '../ops/conv';
import { maxPool2d, avgPool2d, adaptiveAvgPool2d, poolWindow, type MaxPool2dOptions, type AvgPool2dOptions } from '../ops/pool';
import { Module } from './module';

/** Options without kernelSize, the second constructor argument. */
type MaxOptions = Omit<MaxPool2dOptions, 'kernelSize'>;
type AvgOptions = Omit<AvgPool2dOptions, 'kernelSize'>;

const show = (p: Pair | null | undefined) => (p == null ? 'null' : typeof p === 'number' ? String(p) : `[${p}]`);

/** (kernelSize, options) or (options with kernelSize) as one options object. */
function optionsOf<T extends { kernelSize: Pair }>(op: string, first: Pair | T, rest: Omit<T, 'kernelSize'> | undefined): T {
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (rest !== undefined) throw new TypeError(`${op}: pass (kernelSize, options) or one options object, not both`);
    return { ...(first as T) };
  }
  return { ...(rest ?? {}), kernelSize: first as Pair } as T;
}

export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly opts: MaxOptions;

  constructor(kernelSize: Pair | MaxPool2dOptions, opts?: MaxOptions) {
    super();
    const o = optionsOf<MaxPool2dOptions>('MaxPool2d', kernelSize, opts);
    // refuses bad window settings at construction, as PyTorch's layers do at their first call
    poolWindow('MaxPool2d', o, 'max');
    const { kernelSize: k, ...rest } = o;
    this.kernelSize = k;
    this.opts = rest;
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, { ...this.opts, kernelSize: this.kernelSize });
  }

  /** PyTorch's fields: kernelSize, stride, padding, dilation, ceilMode. */
  override extraRepr(): string {
    const o = this.opts;
    return `kernelSize=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}, dilation=${show(o.dilation ?? 1)}, ceilMode=${o.ceilMode ?? false}`;
  }
}

export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  readonly opts: AvgOptions;

  constructor(kernelSize: Pair | AvgPool2dOptions, opts?: AvgOptions) {
    super();
    const o = optionsOf<AvgPool2dOptions>('AvgPool2d', kernelSize, opts);
    poolWindow('AvgPool2d', o, 'avg');
    const { kernelSize: k, ...rest } = o;
    this.kernelSize = k;
    this.opts = rest;
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, { ...this.opts, kernelSize: this.kernelSize });
  }

  /** kernelSize, stride, padding (PyTorch's fields), then the other options where they differ from the defaults. */
  override extraRepr(): string {
    const o = this.opts;
    const extra = [
      o.ceilMode ? ', ceilMode=true' : '',
      o.countIncludePad === false ? ', countIncludePad=false' : '',
      o.divisorOverride != null ? `, divisorOverride=${o.divisorOverride}` : '',
    ].join('');
    return `kernelSize=${show(this.kernelSize)}, stride=${show(o.stride ?? this.kernelSize)}, padding=${show(o.padding ?? 0)}${extra}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}
