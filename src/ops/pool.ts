/**
 * 2-d pooling with PyTorch's semantics over (N, C, H, W) or (C, H, W) input.
 * A window of output o starts at o s - p and holds k taps d apart (dilation d,
 * max pooling only; 1 for averages), so it spans d (k - 1) + 1 positions.
 * Output size per dim (PyTorch's pooling_output_shape):
 *   out = floor((in + 2p - d (k - 1) - 1) / s) + 1, or with ceilMode the ceil;
 *   with ceilMode, if (out - 1) s >= in + p then out -= 1 (the last window must
 *   start inside the input or the left padding). Windows running past the
 *   padded edge are clipped.
 * Checks: kernelSize, stride, dilation integers >= 1; padding an integer >= 0
 * and at most half the effective kernel, p <= floor((d (k - 1) + 1) / 2);
 * out >= 1; divisorOverride a positive integer.
 *   maxPool2d: y = max over the window's taps inside the input (padding counts
 *     as -inf); dx[argmax] += g, the first maximum on ties. A window with no
 *     tap inside the input (possible only with dilation: kernel 2, dilation 3,
 *     padding 2 over a width of 2 has taps -1 and 2 in its second window)
 *     gives -inf, as PyTorch's CPU kernel does, and passes no gradient.
 *   avgPool2d: y = window sum / divisor, dx[window] += g / divisor, the divisor
 *     per window (PyTorch's AvgPoolKernel: pool_size is taken before clipping
 *     to the input):
 *       divisorOverride if given; else with countIncludePad (the default)
 *       (min(y0 + kh, H + ph) - y0) (min(x0 + kw, W + pw) - x0), the window
 *       clipped to the padded input [-p, in + p) (padding counts, the ceilMode
 *       overhang past in + p does not); else the number of input elements in it.
 *   adaptiveAvgPool2d: windows [floor(o H / OH), ceil((o + 1) H / OH)), an average each.
 */
import { Tensor } from '../tensor';
import { adaptiveAvgPool2d as adaptiveAvgPlanes, adaptiveMaxPool2d as adaptiveMaxPlanes, avgPool2d as avgPlanes, maxPool2dBackward, maxPool2dForward } from '../drivers/pool';
import { fmtShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { materialize } from './create';
import { pairOf, type Pair } from './conv';
import { atomic } from '../autograd/scope';
import { boolean, integer, nullable, pair, param, parseArgs, required, tensor as tensorCheck } from '../validate';

/**
 * The window of the 2-d poolings: kernelSize (required), stride (default kernelSize), padding (default 0), ceilMode (default false).
 * Input (N, C, H, W) or (C, H, W).
 * @example F.maxPool2d(x, { kernelSize: 2 })   // (N, C, 32, 32) -> (N, C, 16, 16)
 */
export interface Pool2dOptions {
  /** Window size: a number or [h, w] (required). */
  kernelSize: Pair;
  /** Defaults to kernelSize. */
  stride?: Pair | null;
  /** Implicit padding on each side, at most half the window (default 0). */
  padding?: Pair;
  /** Output size by ceil instead of floor (see the rule above). */
  ceilMode?: boolean;
}

/**
 * Options of maxPool2d: the window plus dilation (default 1).
 * @example F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 })
 */
export interface MaxPool2dOptions extends Pool2dOptions {
  /** Spacing of the window's taps. */
  dilation?: Pair;
}

/**
 * Options of avgPool2d: the window plus countIncludePad (default true) and divisorOverride (default none).
 * @example F.avgPool2d(x, { kernelSize: 2, countIncludePad: false })
 */
export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count the padded zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divides every window sum by this positive integer instead. */
  divisorOverride?: number | null;
}

/** A checked pooling window, independent of the input. */
export interface PoolWindow {
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  ceilMode: boolean; includePad: boolean; divisorOverride: number;
}

interface PoolGeometry extends PoolWindow { P: number; lead: number[]; H: number; W: number; OH: number; OW: number }

function planes(op: string, x: Tensor): { P: number; lead: number[]; H: number; W: number } {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  x.assertAlive(op);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: expected a 3-d (C,H,W) or 4-d (N,C,H,W) input`);
  const lead = x.shape.slice(0, -2);
  if (x.shape[x.ndim - 1] === 0 || x.shape[x.ndim - 2] === 0) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: empty spatial dims`);
  return { P: lead.reduce((a, b) => a * b, 1), lead, H: x.shape[x.ndim - 2], W: x.shape[x.ndim - 1] };
}

function optionalBool(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Checks the window options of a max (dilation allowed) or average
 * (countIncludePad, divisorOverride allowed) pool, as PyTorch does before
 * looking at the input; the nn modules call it at construction.
 */
export function poolWindow(op: string, opts: MaxPool2dOptions & AvgPool2dOptions, kind: 'max' | 'avg'): PoolWindow {
  if (opts === null || typeof opts !== 'object' || opts.kernelSize === undefined) throw new RangeError(`${op}: kernelSize is required`);
  const [kh, kw] = pairOf(op, 'kernelSize', opts.kernelSize, 1);
  const [sh, sw] = pairOf(op, 'stride', opts.stride ?? opts.kernelSize, 1);
  const [ph, pw] = pairOf(op, 'padding', opts.padding ?? 0, 0);
  if (kind === 'avg' && opts.dilation !== undefined) throw new RangeError(`${op}: dilation is not an option of average pooling (PyTorch's AvgPool2d has none), got ${JSON.stringify(opts.dilation)}`);
  if (kind === 'max' && (opts.countIncludePad !== undefined || opts.divisorOverride != null)) throw new RangeError(`${op}: countIncludePad and divisorOverride are options of average pooling only`);
  const [dh, dw] = pairOf(op, 'dilation', opts.dilation ?? 1, 1);
  const eh = dh * (kh - 1) + 1, ew = dw * (kw - 1) + 1;
  if (ph > Math.floor(eh / 2) || pw > Math.floor(ew / 2)) {
    throw new RangeError(`${op}: padding ${ph}x${pw} should be at most half of the effective kernel size ${eh}x${ew} (kernelSize ${kh}x${kw}, dilation ${dh}x${dw})`);
  }
  const d = opts.divisorOverride;
  if (d != null && !(Number.isInteger(d) && d >= 1)) throw new RangeError(`${op}: divisorOverride must be a positive integer or null, got ${JSON.stringify(d)}`);
  return {
    kh, kw, sh, sw, ph, pw, dh, dw,
    ceilMode: optionalBool(op, 'ceilMode', opts.ceilMode, false),
    includePad: optionalBool(op, 'countIncludePad', opts.countIncludePad, true),
    divisorOverride: d ?? 0,
  };
}

/** PyTorch's output size along one dim (see the doc comment at the top). */
function outputSize(n: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  let o = Math.floor((n + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0)) / s) + 1;
  if (ceilMode && (o - 1) * s >= n + p) o -= 1;
  return o;
}

function poolGeometry(op: string, x: Tensor, opts: MaxPool2dOptions & AvgPool2dOptions, kind: 'max' | 'avg'): PoolGeometry {
  const base = planes(op, x);
  const w = poolWindow(op, opts, kind);
  const OH = outputSize(base.H, w.kh, w.sh, w.ph, w.dh, w.ceilMode), OW = outputSize(base.W, w.kw, w.sw, w.pw, w.dw, w.ceilMode);
  if (OH < 1 || OW < 1) {
    const dil = kind === 'max' ? `, dilation ${w.dh}x${w.dw}` : '';
    throw new RangeError(`${op}: input ${fmtShape(x.shape)} gives output size ${OH}x${OW}, too small (kernelSize ${w.kh}x${w.kw}, stride ${w.sh}x${w.sw}, padding ${w.ph}x${w.pw}${dil}, ceilMode ${w.ceilMode})`);
  }
  return { ...base, ...w, OH, OW };
}

const outShape = (g: { lead: number[]; OH: number; OW: number }): number[] => [...g.lead, g.OH, g.OW];

/** F.max_pool2d's arguments after the input, in its positional order. */
const MAX_POOL2D_ARGS = {
  kernelSize: param(pair({ min: 1 }), required),
  stride: param(nullable(pair({ min: 1 })), null),
  padding: param(pair({ min: 0 }), [0, 0]),
  dilation: param(pair({ min: 1 }), [1, 1]),
  ceilMode: param(boolean, false),
};

/** F.avg_pool2d's arguments after the input, in its positional order. */
const AVG_POOL2D_ARGS = {
  kernelSize: param(pair({ min: 1 }), required),
  stride: param(nullable(pair({ min: 1 })), null),
  padding: param(pair({ min: 0 }), [0, 0]),
  ceilMode: param(boolean, false),
  countIncludePad: param(boolean, true),
  divisorOverride: param(nullable(integer({ min: 1 })), null),
};

/**
 * Max pooling (see the file header): `maxPool2d(x, kernelSize, stride?, padding?, dilation?, ceilMode?)`
 * as F.max_pool2d, or the options form. Shape: (N, C, H, W) or (C, H, W) -> (..., OH, OW).
 * @example F.maxPool2d(x, 2);  F.maxPool2d(x, 3, 2, 1);  F.maxPool2d(x, { kernelSize: 3, stride: 2, ceilMode: true })
 */
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Pair, stride?: Pair | null, padding?: Pair, dilation?: Pair, ceilMode?: boolean, opts?: Omit<MaxPool2dOptions, 'kernelSize'>): Tensor;
export function maxPool2d(x: Tensor, ...args: unknown[]): Tensor {
  const opts = parseArgs('maxPool2d', args, MAX_POOL2D_ARGS);
  return atomic(() => maxPool2dBody(x, opts));
}

function maxPool2dBody(x: Tensor, opts: MaxPool2dOptions): Tensor {
  const g = poolGeometry('maxPool2d', x, opts, 'max');
  const { t: xc, owned } = materialize(x);
  const { out, idx } = maxPool2dForward(xc, g, outShape(g));
  if (owned) xc.dispose();
  if (needsGrad(x)) {
    const ids = idx.keep(), shape = [...x.shape];
    record(out, 'MaxPool2DBackward', [x], [ids], (dy) => {
      const { t: gc } = materialize(dy);
      // the 2x2 stride-2 tiling (no padding, dilation or clipped windows) writes dx directly
      const pairs = g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && g.ph === 0 && g.pw === 0 && g.dh === 1 && g.dw === 1 && g.OH === g.H >> 1 && g.OW === g.W >> 1;
      return [maxPool2dBackward(gc, ids, g, shape, pairs)];
    });
  }
  idx.dispose();
  return traced(out, 'maxPool2d', [x], g);
}

/**
 * Average pooling (see the file header): `avgPool2d(x, kernelSize, stride?, padding?, ceilMode?, countIncludePad?, divisorOverride?)`
 * as F.avg_pool2d, or the options form. Shape: as maxPool2d.
 * @example F.avgPool2d(x, 2);  F.avgPool2d(x, { kernelSize: 3, padding: 1, countIncludePad: false })
 */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor;
export function avgPool2d(x: Tensor, kernelSize: Pair, stride?: Pair | null, padding?: Pair, ceilMode?: boolean, countIncludePad?: boolean, divisorOverride?: number | null, opts?: Omit<AvgPool2dOptions, 'kernelSize'>): Tensor;
export function avgPool2d(x: Tensor, ...args: unknown[]): Tensor {
  const opts = parseArgs('avgPool2d', args, AVG_POOL2D_ARGS);
  return atomic(() => avgPool2dBody(x, opts));
}

function avgPool2dBody(x: Tensor, opts: AvgPool2dOptions): Tensor {
  const g = poolGeometry('avgPool2d', x, opts, 'avg');
  const { t: xc, owned } = materialize(x);
  const out = avgPlanes(xc, g, outShape(g), false);
  if (owned) xc.dispose();
  if (needsGrad(x)) {
    const shape = [...x.shape];
    record(out, 'AvgPool2DBackward', [x], [], (dy) => {
      const { t: gc } = materialize(dy);
      return [avgPlanes(gc, g, shape, true)];
    });
  }
  return traced(out, 'avgPool2d', [x], g);
}

/**
 * Average pooling to a fixed output size (see the file header). Shape: (..., H, W) -> (..., OH, OW).
 * @example F.adaptiveAvgPool2d(x, 1)   // global average pooling
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair | { outputSize: Pair }): Tensor {
  const a = parseArgs('adaptiveAvgPool2d', [outputSize], { outputSize: param(pair({ min: 1 }), required) });
  return atomic(() => adaptiveAvgPool2dBody(x, a.outputSize));
}

function adaptiveAvgPool2dBody(x: Tensor, outputSize: Pair): Tensor {
  const op = 'adaptiveAvgPool2d';
  const base = planes(op, x);
  const [OH, OW] = pairOf(op, 'outputSize', outputSize, 1);
  const g = { ...base, OH, OW };
  const { t: xc, owned } = materialize(x);
  const out = adaptiveAvgPlanes(xc, g, outShape(g), false);
  if (owned) xc.dispose();
  if (needsGrad(x)) {
    const shape = [...x.shape];
    record(out, 'AdaptiveAvgPool2DBackward', [x], [], (dy) => {
      const { t: gc } = materialize(dy);
      return [adaptiveAvgPlanes(gc, g, shape, true)];
    });
  }
  return traced(out, 'adaptiveAvgPool2d', [x], g);
}

const ADAPTIVE_MAX_ARGS = { input: param(tensorCheck, required), outputSize: param(pair({ min: 1 }), required), returnIndices: param(boolean, false) } as const;

/**
 * Adaptive max pooling (torch.nn.functional.adaptive_max_pool2d): output
 * [oy, ox] is the maximum of the window [floor(oy H / OH), ceil((oy + 1) H / OH))
 * x [floor(ox W / OW), ceil((ox + 1) W / OW)); the gradient goes to its first
 * maximum (NaN wins). With returnIndices, also the flat position h W + w of
 * each maximum in its plane (float32), as PyTorch returns it.
 * Shape: [N, C, H, W] -> [N, C, OH, OW] ([C, H, W] -> [C, OH, OW]).
 * @example adaptiveMaxPool2d(x, 1) // global max pooling
 */
export function adaptiveMaxPool2d(input: Tensor, outputSize: Pair, returnIndices?: false): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: Pair, returnIndices: true): [Tensor, Tensor];
export function adaptiveMaxPool2d(...args: unknown[]): Tensor | [Tensor, Tensor] {
  const op = 'adaptiveMaxPool2d';
  const { input: x, outputSize, returnIndices } = parseArgs(op, args, ADAPTIVE_MAX_ARGS);
  const base = planes(op, x);
  const [OH, OW] = outputSize;
  const g = { ...base, OH, OW };
  const { t: xc, owned } = materialize(x);
  const { out, idx } = adaptiveMaxPlanes(xc, g, outShape(g));
  if (owned) xc.dispose();
  if (needsGrad(x)) {
    const shape = [...x.shape], si = idx.keep();
    record(out, 'AdaptiveMaxPool2DBackward', [x], [si], (dy) => {
      const { t: gc, owned: go } = materialize(dy);
      const dx = maxPool2dBackward(gc, si, g, shape, false);
      if (go) gc.dispose();
      return [dx];
    });
  }
  traced(out, 'adaptiveMaxPool2d', [x], g);
  if (returnIndices) return [out, idx];
  idx.dispose();
  return out;
}
