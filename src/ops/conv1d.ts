/**
 * 1-d convolution and pooling with PyTorch's semantics (F.conv1d, F.max_pool1d,
 * F.avg_pool1d, F.adaptive_avg_pool1d) over x (N, C, L) or (C, L), computed as
 * the 2-d op on a height-1 view: x -> (N, C, 1, L), kernel 1 x k, stride
 * 1 x s, padding 0 x p, dilation 1 x d, output (N, C', 1, L') -> (N, C', L').
 * With a height of 1 the 2-d formulas reduce to the 1-d ones, e.g. for conv1d
 *   y[n, o, t] = b[o] + sum_{c, j} w[o, c, j] x[n, c, t s - p + j d]
 *   L' = floor((L + 2p - d (k - 1) - 1) / s) + 1,
 * and the gradients flow through the views and the 2-d op.
 * Padding is an integer or 'same' | 'valid' (the height of 1 needs none).
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { conv2d } from './conv';
import { checkSameStride, isPaddingMode, paddingMode, type PaddingMode } from './conv-padding';
import { maxPool2d, avgPool2d, adaptiveAvgPool2d, poolWindow, type MaxPool2dOptions, type AvgPool2dOptions } from './pool';
import { unsqueeze, squeeze } from './views';
import { boolean, either, integer, nullable, param, parseArgs, required, single, tensor as tensorArg } from '../validate';

/**
 * Options of conv1d after input, weight and bias (defaults stride 1, padding 0, dilation 1, groups 1).
 * Input (N, C, L) or (C, L); weight (O, C / groups, k); output (N, O, L').
 * @example F.conv1d(x, w, b, { padding: 'same' })
 */
export interface Conv1dOptions {
  /** Step of the window (default 1). */
  stride?: number;
  /** An integer, or 'same' | 'valid' as PyTorch's ('same' needs stride 1). */
  padding?: number | PaddingMode;
  /** Spacing of the kernel taps (default 1). */
  dilation?: number;
  /** Channel groups: C and O must be divisible by it (default 1). */
  groups?: number;
}

/**
 * The window of the 1-d poolings: kernelSize (required), stride (default kernelSize), padding (default 0), ceilMode (default false).
 * Input (N, C, L) or (C, L).
 * @example F.maxPool1d(x, { kernelSize: 2 })   // (N, C, 10) -> (N, C, 5)
 */
export interface Pool1dOptions {
  /** Window length (required). */
  kernelSize: number;
  /** Defaults to kernelSize. */
  stride?: number | null;
  /** Implicit padding on each side, at most half the window (default 0). */
  padding?: number;
  /** Output length by ceil instead of floor (default false). */
  ceilMode?: boolean;
}

/**
 * Options of maxPool1d: the window plus dilation (default 1).
 * @example F.maxPool1d(x, { kernelSize: 3, stride: 1, dilation: 2 })
 */
export interface MaxPool1dOptions extends Pool1dOptions {
  /** Spacing of the window's taps (default 1). */
  dilation?: number;
}

/**
 * Options of avgPool1d: the window plus countIncludePad (default true) and divisorOverride (default none).
 * @example F.avgPool1d(x, { kernelSize: 3, padding: 1, countIncludePad: false })
 */
export interface AvgPool1dOptions extends Pool1dOptions {
  /** Count the padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divides every window sum by this positive integer instead (default none). */
  divisorOverride?: number | null;
}

/** A single integer >= min (1-d ops take no pairs). */
export function intOf(op: string, name: string, v: unknown, min: number): number {
  const n = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    const hint = typeof v === 'string' ? ` (string paddings such as '${v}' are not supported; pass an integer)` : '';
    throw new RangeError(`${op}: ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}${hint}`);
  }
  return n;
}

/** Runs a 2-d op on x (N, C, L) or (C, L) viewed with a height of 1; the result loses that height again. */
function viaHeightOne(op: string, x: Tensor, run: (x4: Tensor) => Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  x.assertAlive(op);
  if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: expected a 2-d (C,L) or 3-d (N,C,L) input`);
  const h = unsqueeze(x, x.ndim - 1);
  let y: Tensor;
  try {
    y = run(h);
  } finally {
    h.dispose();
  }
  const out = squeeze(y, y.ndim - 2);
  y.dispose();
  return out;
}

/**
 * Runs f; an error of the 2-d op (which names itself and the height-1 shapes)
 * is prefixed with the 1-d op and its shapes, so the caller sees which call failed.
 */
function as1d<T>(op: string, shapes: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RangeError && /^(conv2d|maxPool2d|avgPool2d|adaptiveAvgPool2d):/.test(e.message)) {
      throw new RangeError(`${op}: ${shapes}: ${e.message}`);
    }
    throw e;
  }
}

/** F.conv1d's arguments after input and weight, in its positional order. */
const CONV1D_ARGS = {
  bias: param(nullable(tensorArg), null),
  stride: param(single({ min: 1 }), 1),
  padding: param<number | PaddingMode>(either(single({ min: 0 }), paddingMode, "an integer >= 0, or 'same' or 'valid'"), 0),
  dilation: param(single({ min: 1 }), 1),
  groups: param(integer({ min: 1 }), 1),
};

/**
 * 1-d convolution: x (N, C, L) or (C, L), weight (O, C / groups, k), bias (O) or null;
 * padding a number, 'same' (output of the input's length, stride 1) or 'valid'.
 * `conv1d(x, weight, bias?, stride?, padding?, dilation?, groups?)` as F.conv1d, or options after weight or bias.
 * @example F.conv1d(x, w, null, 2);  F.conv1d(x, w, { padding: 1 })
 */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null | Conv1dOptions, opts?: Conv1dOptions): Tensor;
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null, stride?: number, padding?: number | PaddingMode, dilation?: number, groups?: number): Tensor;
export function conv1d(x: Tensor, weight: Tensor, ...rest: unknown[]): Tensor {
  const op = 'conv1d';
  const { bias, ...opts } = parseArgs(op, rest, CONV1D_ARGS);
  if (!(weight instanceof Tensor)) throw new TypeError(`${op}: weight must be a Tensor`);
  weight.assertAlive(op);
  if (weight.ndim !== 3) throw new RangeError(`${op}: weight ${fmtShape(weight.shape)} must be 3-d (O, C/groups, k)`);
  const { stride, padding, dilation } = opts;
  if (isPaddingMode(op, padding)) checkSameStride(op, padding, [stride]);
  const w4 = unsqueeze(weight, 2);
  try {
    const shapes = x instanceof Tensor ? `input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)}` : '';
    return as1d(op, shapes, () => viaHeightOne(op, x, (x4) => conv2d(x4, w4, bias, { stride: [1, stride], padding: typeof padding === 'string' ? padding : [0, padding], dilation: [1, dilation], groups: opts.groups })));
  } finally {
    w4.dispose();
  }
}

/**
 * The 1-d window options as 2-d ones with a 1 x k window, checked with 1-d
 * messages (padding at most half the effective kernel d (k - 1) + 1).
 */
function window2d(op: string, o: MaxPool1dOptions & AvgPool1dOptions, kind: 'max' | 'avg'): MaxPool2dOptions & AvgPool2dOptions {
  if (o === null || typeof o !== 'object' || o.kernelSize === undefined) throw new RangeError(`${op}: kernelSize is required`);
  if (kind === 'max' && (o.countIncludePad !== undefined || o.divisorOverride != null)) throw new RangeError(`${op}: countIncludePad and divisorOverride are options of average pooling only`);
  if (kind === 'avg' && o.dilation !== undefined) throw new RangeError(`${op}: dilation is not an option of average pooling (PyTorch's AvgPool1d has none), got ${JSON.stringify(o.dilation)}`);
  const k = intOf(op, 'kernelSize', o.kernelSize, 1);
  const s = o.stride == null ? k : intOf(op, 'stride', o.stride, 1);
  const p = intOf(op, 'padding', o.padding ?? 0, 0);
  const d = intOf(op, 'dilation', o.dilation ?? 1, 1);
  const span = d * (k - 1) + 1;
  if (p > Math.floor(span / 2)) {
    throw new RangeError(`${op}: padding ${p} should be at most half of the effective kernel size ${span} (kernelSize ${k}, dilation ${d})`);
  }
  const out: MaxPool2dOptions & AvgPool2dOptions = { kernelSize: [1, k], stride: [1, s], padding: [0, p], ceilMode: o.ceilMode };
  if (kind === 'max') out.dilation = [1, d];
  else Object.assign(out, { countIncludePad: o.countIncludePad, divisorOverride: o.divisorOverride });
  return out;
}


const inputShape = (x: Tensor): string => (x instanceof Tensor ? `input ${fmtShape(x.shape)}` : 'input');

/** Checks 1-d pooling options as the modules do at construction. */
export function poolWindow1d(op: string, opts: MaxPool1dOptions & AvgPool1dOptions, kind: 'max' | 'avg'): void {
  as1d(op, 'window', () => poolWindow(op, window2d(op, opts, kind), kind));
}

/** F.max_pool1d's and F.avg_pool1d's arguments after the input, in their positional order. */
const MAX_POOL1D_ARGS = {
  kernelSize: param(single({ min: 1 }), required),
  stride: param(nullable(single({ min: 1 })), null),
  padding: param(single({ min: 0 }), 0),
  dilation: param(single({ min: 1 }), 1),
  ceilMode: param(boolean, false),
};
/** Also nn.AvgPool1d's constructor arguments (the same order and defaults). */
export const AVG_POOL1D_ARGS = {
  kernelSize: param(single({ min: 1 }), required),
  stride: param(nullable(single({ min: 1 })), null),
  padding: param(single({ min: 0 }), 0),
  ceilMode: param(boolean, false),
  countIncludePad: param(boolean, true),
  divisorOverride: param(nullable(integer({ min: 1 })), null),
};

/**
 * 1-d max pooling over (N, C, L) or (C, L): `maxPool1d(x, kernelSize, stride?, padding?, dilation?, ceilMode?)`
 * as F.max_pool1d, or the options form.
 * @example F.maxPool1d(x, 3, 2);  F.maxPool1d(x, { kernelSize: 2 })
 */
export function maxPool1d(x: Tensor, opts: MaxPool1dOptions): Tensor;
export function maxPool1d(x: Tensor, kernelSize: number, stride?: number | null, padding?: number, dilation?: number, ceilMode?: boolean, opts?: Omit<MaxPool1dOptions, 'kernelSize'>): Tensor;
export function maxPool1d(x: Tensor, ...args: unknown[]): Tensor {
  const op = 'maxPool1d';
  const w = window2d(op, parseArgs(op, args, MAX_POOL1D_ARGS) as MaxPool1dOptions & AvgPool1dOptions, 'max');
  return as1d(op, inputShape(x), () => viaHeightOne(op, x, (x4) => maxPool2d(x4, w)));
}

/**
 * 1-d average pooling over (N, C, L) or (C, L): `avgPool1d(x, kernelSize, stride?, padding?, ceilMode?, countIncludePad?)`
 * as F.avg_pool1d, or the options form.
 * @example F.avgPool1d(x, 2)
 */
export function avgPool1d(x: Tensor, opts: AvgPool1dOptions): Tensor;
export function avgPool1d(x: Tensor, kernelSize: number, stride?: number | null, padding?: number, ceilMode?: boolean, countIncludePad?: boolean, opts?: Omit<AvgPool1dOptions, 'kernelSize'>): Tensor;
export function avgPool1d(x: Tensor, ...args: unknown[]): Tensor {
  const op = 'avgPool1d';
  const w = window2d(op, parseArgs(op, args, AVG_POOL1D_ARGS) as MaxPool1dOptions & AvgPool1dOptions, 'avg');
  return as1d(op, inputShape(x), () => viaHeightOne(op, x, (x4) => avgPool2d(x4, w)));
}

/**
 * Average pooling to a fixed length: output position i averages input positions
 * [floor(i L / outputSize), ceil((i + 1) L / outputSize)). (N, C, L) or (C, L) -> (..., outputSize).
 * @example F.adaptiveAvgPool1d(x, 1)   // (N, C, L) -> (N, C, 1)
 */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  const op = 'adaptiveAvgPool1d';
  tensorArg(x, { where: op, name: 'input' });
  const L = intOf(op, 'outputSize', outputSize, 1);
  return as1d(op, inputShape(x), () => viaHeightOne(op, x, (x4) => adaptiveAvgPool2d(x4, [1, L])));
}
