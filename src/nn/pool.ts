/**
 * Pooling layers over (N, C, H, W) or (C, H, W), wrapping the functional ops:
 *   MaxPool2d: max over each window;  AvgPool2d: mean over each window
 *   (padding counted unless countIncludePad is false);
 *   AdaptiveAvgPool2d: windows chosen so the output is outputSize.
 * stride defaults to kernelSize, as in PyTorch.
 */
import type { Tensor } from '../tensor';
import { pairOf, type Pair } from '../ops/conv';
import { maxPool2d, avgPool2d, adaptiveAvgPool2d } from '../ops/pool';
import { Module } from './module';

/** Refuses bad window settings at construction, as PyTorch's layers do at their first call. */
function checkWindow(op: string, kernelSize: Pair, opts: Pool2dOptions): void {
  pairOf(op, 'kernelSize', kernelSize, 1);
  if (opts.stride != null) pairOf(op, 'stride', opts.stride, 1);
  if (opts.padding !== undefined) pairOf(op, 'padding', opts.padding, 0);
}

export interface Pool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
}

const show = (p: Pair | null | undefined) => (p == null ? 'null' : typeof p === 'number' ? String(p) : `[${p}]`);

export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly opts: Pool2dOptions = {}) {
    super();
    checkWindow('MaxPool2d', kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernelSize: this.kernelSize, stride: this.opts.stride ?? null, padding: this.opts.padding ?? 0 });
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.opts.stride ?? this.kernelSize)}, padding=${show(this.opts.padding ?? 0)}`;
  }
}

export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Pair, readonly opts: Pool2dOptions & { countIncludePad?: boolean } = {}) {
    super();
    checkWindow('AvgPool2d', kernelSize, opts);
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernelSize: this.kernelSize, stride: this.opts.stride ?? null, padding: this.opts.padding ?? 0, countIncludePad: this.opts.countIncludePad ?? true });
  }

  override extraRepr(): string {
    return `kernelSize=${show(this.kernelSize)}, stride=${show(this.opts.stride ?? this.kernelSize)}, padding=${show(this.opts.padding ?? 0)}`;
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
