/**
 * 2-d pooling layers over (N, C, H, W) or (C, H, W), wrapping the functional
 * ops of src/ops/pool.ts (which has the window, output-size and divisor
 * rules). Constructors take PyTorch's positional order or a trailing options
 * object; stride defaults to kernelSize, as in PyTorch. The window settings
 * are checked at construction.
 */
import type { Tensor } from '../tensor';
import type { Pair } from '../ops/conv';
import { maxPool2d, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, poolWindow, type MaxPool2dOptions, type AvgPool2dOptions } from '../ops/pool';
import { Module } from './module';
import { boolean, integer, nullable, onlyDefault, pair, param, parseArgs, required, type Check } from '../validate';

const show = (p: Pair | null | undefined) => (p == null ? 'null' : typeof p === 'number' ? String(p) : `[${p}]`);

/** An integer or a pair of them within the range, kept as given (PyTorch's repr shows it so). */
function asGiven(range: { min: number }): Check<Pair> {
  const check = pair(range);
  return (v, at) => (check(v, at), Array.isArray(v) ? ([v[0], v[1]] as [number, number]) : (v as number));
}

/** `returnIndices`: kept so PyTorch's positional order lines up; only false is implemented. */
export const NO_INDICES = onlyDefault(false, 'pooling here returns the values only (no argmax indices)');

/** MaxPool2d's arguments in PyTorch's positional order (torch.nn.MaxPool2d). */
const MAX_POOL2D_ARGS = {
  kernelSize: param(asGiven({ min: 1 }), required),
  stride: param(nullable(asGiven({ min: 1 })), null),
  padding: param(asGiven({ min: 0 }), 0),
  dilation: param(asGiven({ min: 1 }), 1),
  returnIndices: param(NO_INDICES, false),
  ceilMode: param(boolean, false),
};

/** MaxPool2d's options after kernelSize. */
export type MaxPool2dModuleOptions = Omit<MaxPool2dOptions, 'kernelSize'> & { returnIndices?: false };

/**
 * Max pooling: the maximum over each kernelSize window, windows `stride`
 * apart (default kernelSize), `padding` (at most half the window, counts as
 * -inf) on each side, taps `dilation` apart; ceilMode rounds the output size up.
 * Shape: [N, C, H, W] -> [N, C, OH, OW], OH = floor((H + 2p - d (k - 1) - 1) / s) + 1.
 *
 * @example
 * new nn.MaxPool2d(2);            // 2x2 windows, stride 2
 * new nn.MaxPool2d(3, 2);         // PyTorch's order: kernel 3, stride 2
 * new nn.MaxPool2d(3, 2, 1, { ceilMode: true });
 */
export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  /** The window options (stride, padding, dilation, ceilMode) as given. */
  readonly opts: Omit<MaxPool2dOptions, 'kernelSize'>;

  constructor(kernelSize: Pair, stride?: Pair | null, padding?: Pair, dilation?: Pair, returnIndices?: false, ceilMode?: boolean);
  constructor(kernelSize: Pair, opts: MaxPool2dModuleOptions);
  constructor(opts: MaxPool2dModuleOptions & { kernelSize: Pair });
  constructor(...args: unknown[]) {
    const { kernelSize, stride, padding, dilation, ceilMode } = parseArgs('MaxPool2d', args, MAX_POOL2D_ARGS);
    const opts = { stride, padding, dilation, ceilMode };
    poolWindow('MaxPool2d', { kernelSize, ...opts }, 'max');
    super();
    this.kernelSize = kernelSize;
    this.opts = opts;
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

/** AvgPool2d's arguments in PyTorch's positional order (torch.nn.AvgPool2d). */
const AVG_POOL2D_ARGS = {
  kernelSize: param(asGiven({ min: 1 }), required),
  stride: param(nullable(asGiven({ min: 1 })), null),
  padding: param(asGiven({ min: 0 }), 0),
  ceilMode: param(boolean, false),
  countIncludePad: param(boolean, true),
  divisorOverride: param(nullable(integer({ min: 1 })), null),
};

/**
 * Average pooling: the mean over each kernelSize window, windows `stride`
 * apart (default kernelSize), `padding` zeros on each side (counted in the
 * divisor unless countIncludePad is false), or every window sum divided by
 * divisorOverride. Shape: [N, C, H, W] -> [N, C, OH, OW] as MaxPool2d's.
 *
 * @example
 * new nn.AvgPool2d(2);
 * new nn.AvgPool2d(3, 1, 1, false, false);   // PyTorch's order: countIncludePad false
 * new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false });
 */
export class AvgPool2d extends Module {
  readonly kernelSize: Pair;
  /** The window options (stride, padding, ceilMode, countIncludePad, divisorOverride) as given. */
  readonly opts: Omit<AvgPool2dOptions, 'kernelSize'>;

  constructor(kernelSize: Pair, stride?: Pair | null, padding?: Pair, ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: number | null);
  constructor(kernelSize: Pair, opts: Omit<AvgPool2dOptions, 'kernelSize'>);
  constructor(opts: AvgPool2dOptions);
  constructor(...args: unknown[]) {
    const { kernelSize, ...opts } = parseArgs('AvgPool2d', args, AVG_POOL2D_ARGS);
    poolWindow('AvgPool2d', { kernelSize, ...opts }, 'avg');
    super();
    this.kernelSize = kernelSize;
    this.opts = opts;
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

/**
 * Adaptive average pooling to a fixed outputSize (an integer or [OH, OW]):
 * output (i, j) averages rows [floor(i H / OH), ceil((i + 1) H / OH)) and the
 * matching columns. Shape: [N, C, H, W] -> [N, C, OH, OW].
 * @example new nn.AdaptiveAvgPool2d(1)   // global average pooling to [N, C, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: Pair;

  constructor(outputSize: Pair);
  constructor(opts: { outputSize: Pair });
  constructor(...args: unknown[]) {
    const a = parseArgs('AdaptiveAvgPool2d', args, { outputSize: param(asGiven({ min: 1 }), required) });
    super();
    this.outputSize = a.outputSize;
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}

/**
 * Adaptive max pooling to a fixed output size (adaptiveMaxPool2d of
 * src/ops/pool.ts): [N, C, H, W] -> [N, C, OH, OW], the gradient to each
 * window's first maximum. (F.adaptiveMaxPool2d also returns the indices.)
 * @example new nn.AdaptiveMaxPool2d(1) // global max pooling
 */
export class AdaptiveMaxPool2d extends Module {
  readonly outputSize: Pair;
  constructor(outputSize: Pair);
  constructor(opts: { outputSize: Pair });
  constructor(...args: unknown[]) {
    const { outputSize } = parseArgs('AdaptiveMaxPool2d', args, { outputSize: param(asGiven({ min: 1 }), required) });
    super();
    this.outputSize = outputSize;
  }

  forward(x: Tensor): Tensor {
    return adaptiveMaxPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}
