/**
 * Reductions over any set of dims, with keepdim. Backward (g broadcast back
 * over the reduced dims):
 *   sum: g              mean: g / N
 *   amax, amin, max(x), min(x): g to the elements equal to the result, split evenly among ties
 *   max(x, dim), min(x, dim): g to the returned index
 *   var: 2 (x - mean) g / (N - correction)
 *   std: (x - mean) g / ((N - correction) std), 0 where std = 0
 *   norm(p): sign(x) |x|^(p-1) g / norm^(p-1), 0 where the norm is 0
 */
import { Tensor } from '../tensor';
import { argExtremeAxis, reduceAxes, reducedShape, type ReduceKind } from '../drivers/reduce';
import { fmtShape, normDim, numel, type Shape } from '../shape';
import { needsGrad, noGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { launchBinary, add, mul, sub, div, eq } from './binary';
import { where } from './where';
import { abs, exp, log, pow, sqrt, sign } from './unary';
import { reshape, expand } from './views';
import { gather } from './gather';
import type { ValuesIndices } from './indexing';
import { atomic, scope } from '../autograd/scope';
import { boolean, integer, intList, invalid, nullable, number, param, parseArgs, tensor as tensorArg, type Check, type Spec, type Parsed } from '../validate';

/** A reduction's dims and keepdim, as PyTorch's `dim=None, keepdim=False` (positionally or as options). */
export interface DimOptions {
  /** A dim, a list of dims, or null / undefined for all (negative counts from the end). */
  dim?: number | number[] | null;
  /** Keep reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

const DIM_ARGS = { dim: param(nullable(intList()), null), keepdim: param(boolean, false) };

/** Checks a reduction's input and binds its remaining arguments through `spec`. */
function reduction<S extends Spec>(op: string, x: unknown, args: readonly unknown[], spec: S, positional?: number): Parsed<S> {
  tensorArg(x, { where: op, name: 'input' });
  return parseArgs(op, args, spec, positional);
}

/** Sorted, unique, non-negative dims; all dims when `dim` is undefined. */
export function reduceDims(op: string, dim: number | readonly number[] | undefined, rank: number): number[] {
  if (dim === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(dim) ? dim : [dim as number];
  const dims = [...new Set(list.map((d) => normDim(op, d, rank)))].sort((a, b) => a - b);
  if (dims.length !== list.length) throw new RangeError(`${op}: dim ${JSON.stringify(dim)} repeats a dim`);
  return rank === 0 ? [] : dims;
}

/**
 * Internal: the reduction driver over `dims` (sorted, unique) without
 * autograd, after the checks an op owes its caller: a live input, and no
 * max or min over an empty dim.
 */
export function reduceRaw(op: string, kind: ReduceKind, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  x.assertAlive(op);
  if (kind !== 'sum' && dims.some((d) => x.shape[d] === 0)) {
    throw new RangeError(`${op}: cannot reduce over a zero-size dim of a tensor of shape ${fmtShape(x.shape)} (no identity)`);
  }
  return reduceAxes(kind, x, dims, keepdim);
}

/** g (reduced shape) viewed with size-1 dims and broadcast to the input's shape. */
function spread(g: Tensor, inShape: Shape, dims: readonly number[]): Tensor {
  return expand(reshape(g, reducedShape(inShape, dims, true)), [...inShape]);
}

/**
 * Sum over dims (all by default). Shape: input with the dims removed (or kept as 1).
 * @example x.sum();  x.sum(1);  x.sum([0, 2], true);  x.sum({ dim: 1, keepdim: true })
 */
export function sum(x: Tensor, dim?: number | number[] | null | DimOptions, keepdim?: boolean): Tensor;
export function sum(x: Tensor, ...args: unknown[]): Tensor {
  const { dim, keepdim } = reduction('sum', x, args, DIM_ARGS);
  const dims = reduceDims('sum', dim ?? undefined, x.ndim);
  const out = reduceRaw('sum', 'sum', x, dims, keepdim);
  if (needsGrad(x)) {
    const inShape = x.shape;
    record(out, 'SumBackward', [x], [], (g) => [spread(g, inShape, dims)]);
  }
  return traced(out, 'sum', [x], { dims, keepdim });
}

/**
 * Mean over dims (all by default). Shape: as sum.
 * @example x.mean(0);  x.mean({ dim: -1, keepdim: true })
 */
export function mean(x: Tensor, dim?: number | number[] | null | DimOptions, keepdim?: boolean): Tensor;
export function mean(x: Tensor, ...args: unknown[]): Tensor {
  const { dim, keepdim } = reduction('mean', x, args, DIM_ARGS);
  const dims = reduceDims('mean', dim ?? undefined, x.ndim);
  const count = dims.reduce((n, d) => n * x.shape[d], 1);
  return scope(() => div(sum(x, dims, keepdim), count));
}

function extreme(kind: 'max' | 'min', op: string, x: Tensor, dim: number | number[] | undefined, keepdim: boolean): Tensor {
  const dims = reduceDims(op, dim, x.ndim);
  const out = reduceRaw(op, kind, x, dims, keepdim);
  if (needsGrad(x)) {
    const sx = x.keep(), sy = out.keep();
    const inShape = x.shape;
    record(out, kind === 'max' ? 'AmaxBackward' : 'AminBackward', [x], [sx, sy], (g) => {
      const hit = launchBinary(op, 'eq_f32', sx, spread(sy, inShape, dims));
      const count = reduceRaw(op, 'sum', hit, dims, true);
      return [mul(hit, div(spread(g, inShape, dims), expand(count, [...inShape])))];
    });
  }
  return traced(out, kind, [x], { dims, keepdim });
}

/**
 * Largest value over dims (all by default), as torch.amax: the gradient goes
 * to every element equal to the maximum, split evenly among ties. Shape: as sum.
 * @example x.amax();  x.amax([1, 2], true);  x.amax({ dim: -1 })
 */
export function amax(x: Tensor, dim?: number | number[] | null | DimOptions, keepdim?: boolean): Tensor;
export function amax(x: Tensor, ...args: unknown[]): Tensor {
  const { dim, keepdim } = reduction('amax', x, args, DIM_ARGS);
  return extreme('max', 'amax', x, dim ?? undefined, keepdim);
}

/** Smallest value over dims (all by default), as torch.amin: the gradient split evenly among ties. */
export function amin(x: Tensor, dim?: number | number[] | null | DimOptions, keepdim?: boolean): Tensor;
export function amin(x: Tensor, ...args: unknown[]): Tensor {
  const { dim, keepdim } = reduction('amin', x, args, DIM_ARGS);
  return extreme('min', 'amin', x, dim ?? undefined, keepdim);
}

/** One dim (max(x, dim) and min(x, dim) reduce over one); a list is pointed to amax / amin. */
function oneDim(op: 'max' | 'min'): Check<number> {
  const check = integer();
  return (v, at) => {
    if (Array.isArray(v)) throw invalid(at, 'one integer', v, `a${op}(x, dims) reduces over several dims`);
    return check(v, at);
  };
}

function valuesIndices(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  return atomic(() => valuesIndicesBody(op, x, dim, keepdim));
}

function valuesIndicesBody(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const idx = argExtreme(op, op === 'max' ? 1 : -1, x, dim, true);
  let values = gather(x, dim, idx), indices = idx;
  if (!keepdim && x.ndim > 0) {
    const shape = reducedShape(x.shape, [normDim(op, dim, x.ndim)], false);
    const v = reshape(values, shape), i = reshape(indices, shape);
    values.dispose();
    indices.dispose();
    values = v;
    indices = i;
  }
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

/**
 * max(x): the largest element (the gradient split evenly among ties, as
 * PyTorch's full reduction). max(x, dim, keepdim?): `[values, indices]`
 * (also named `.values`, `.indices`; indices the first extreme, NaN winning)
 * along one dim, as torch.max(x, dim): the gradient goes to the returned
 * index only. For several dims with an even split, use amax.
 *   const { values, indices } = max(x, 1);   const [v, i] = max(x, 1);
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return extremeAlong('max', x, args);
}

/** min(x): the smallest element; min(x, dim, keepdim?): `{ values, indices }` with the gradient to the index (see max). */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return extremeAlong('min', x, args);
}

/** max / min: the full reduction without a dim, values and indices along one dim with it. */
function extremeAlong(op: 'max' | 'min', x: Tensor, args: readonly unknown[]): Tensor | ValuesIndices {
  const { dim, keepdim } = reduction(op, x, args, { dim: param(nullable(oneDim(op)), null), keepdim: param(boolean, false) });
  if (dim === null) {
    if (keepdim) throw new TypeError(`${op}: keepdim needs a dim (${op}(x, dim, true)); a${op}(x, null, true) keeps every dim`);
    return extreme(op, op, x, undefined, false);
  }
  return valuesIndices(op, x, dim, keepdim);
}

function argExtreme(op: string, sign: number, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  return atomic(() => argExtremeBody(op, sign, x, dim, keepdim));
}

function argExtremeBody(op: string, sign: number, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  x.assertAlive(op);
  if (dim === undefined && x.numel() === 0) throw new RangeError(`${op}: empty tensor of shape ${fmtShape(x.shape)} has no ${sign > 0 ? 'maximum' : 'minimum'}`);
  if (dim !== undefined && x.ndim > 0 && x.shape[normDim(op, dim, x.ndim)] === 0) {
    throw new RangeError(`${op}: cannot reduce over a zero-size dim (dim ${dim} of a tensor of shape ${fmtShape(x.shape)}); there is no ${sign > 0 ? 'maximum' : 'minimum'}`);
  }
  let out: Tensor;
  if (dim === undefined) {
    out = argExtremeAxis(x, [1, x.numel(), 1], sign, keepdim ? x.shape.map(() => 1) : []);
  } else {
    const d = normDim(op, dim, x.ndim);
    const r = x.ndim === 0 ? 1 : x.shape[d];
    out = argExtremeAxis(x, [numel(x.shape.slice(0, d)), r, numel(x.shape.slice(d + 1))], sign, reducedShape(x.shape, x.ndim === 0 ? [] : [d], keepdim));
  }
  return traced(out, sign > 0 ? 'argmax' : 'argmin', [x], { dim: dim === undefined || x.ndim === 0 ? null : normDim(op, dim, x.ndim), keepdim });
}

const ARG_DIM_ARGS = { dim: param(nullable(integer()), null), keepdim: param(boolean, false) };

/**
 * Index of the first maximum along dim (over the flattened tensor by default), as float32.
 * @example logits.argmax(1);  x.argmax({ dim: -1, keepdim: true })
 */
export function argmax(x: Tensor, dim?: number | null | { dim?: number | null; keepdim?: boolean }, keepdim?: boolean): Tensor;
export function argmax(x: Tensor, ...args: unknown[]): Tensor {
  const { dim, keepdim } = reduction('argmax', x, args, ARG_DIM_ARGS);
  return argExtreme('argmax', 1, x, dim ?? undefined, keepdim);
}

/** Index of the first minimum along dim (over the flattened tensor by default), as float32. */
export function argmin(x: Tensor, dim?: number | null | { dim?: number | null; keepdim?: boolean }, keepdim?: boolean): Tensor;
export function argmin(x: Tensor, ...args: unknown[]): Tensor {
  const { dim, keepdim } = reduction('argmin', x, args, ARG_DIM_ARGS);
  return argExtreme('argmin', -1, x, dim ?? undefined, keepdim);
}

/**
 * Options of var and std: dim (default all), correction (default 1; or unbiased), keepdim (default false).
 * @example std(x, { dim: 1, correction: 0, keepdim: true })   // (N, C) -> (N, 1)
 */
export interface VarOptions {
  /** The dims (default all). */
  dim?: number | number[] | null;
  /** Bessel's correction (divide by N - 1); PyTorch's default true. */
  unbiased?: boolean | null;
  /** Subtracted from N in the divisor (overrides unbiased): 1 unbiased, 0 biased. */
  correction?: number | null;
  /** Keep reduced dims as size 1 (default false). */
  keepdim?: boolean;
}

/** var's and std's arguments: dim positionally (torch.var(input, dim, *, correction, keepdim)), the rest as options. */
const VAR_ARGS = {
  dim: param(nullable(intList()), null),
  correction: param(nullable(number({ min: 0 })), null),
  keepdim: param(boolean, false),
  unbiased: param(nullable(boolean), null),
};

/**
 * The shared forward of var and std, without autograd: the keepdim mean m,
 * the variance sum (x - m)^2 / max(0, N - correction) and the divisor N - correction.
 */
function moments(op: 'var' | 'std', x: Tensor, args: readonly unknown[]) {
  const opts = reduction(op, x, args, VAR_ARGS, 1);
  const dims = reduceDims(op, opts.dim ?? undefined, x.ndim);
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  const divisor = dims.reduce((acc, d) => acc * x.shape[d], 1) - correction;
  const { m, v } = noGrad(() => scope(() => {
    const m = mean(x, dims, true);
    const d = sub(x, m);
    return { m, v: div(sum(mul(d, d), dims, opts.keepdim), Math.max(0, divisor)) };
  }));
  return { dims, divisor, m, v };
}

/**
 * Variance over dims: sum (x - mean)^2 / max(0, N - correction).
 * Backward as PyTorch's: dx = 2 (x - mean) g / (N - correction), so N equal
 * to the correction gives ±inf and N below it a finite value of flipped sign.
 * Correction 1 by default; dim positionally, the rest as options.
 * @example x.var(0);  x.var(1, { correction: 0, keepdim: true })
 */
export function variance(x: Tensor, dim?: number | number[] | null | VarOptions, opts?: VarOptions): Tensor;
export function variance(x: Tensor, ...args: unknown[]): Tensor {
  return atomic(() => {
    const { dims, divisor, m, v } = moments('var', x, args);
    if (!needsGrad(x)) {
      m.dispose();
      return v;
    }
    const sx = x.keep(), sm = m.keep(), inShape = x.shape;
    m.dispose();
    return record(v, 'VarBackward', [x], [sx, sm], (g) => [mul(sub(sx, sm), spread(mul(g, 2 / divisor), inShape, dims))]);
  });
}

/**
 * Standard deviation over dims: sqrt(var). Backward as PyTorch's:
 * dx = (x - mean) g / ((N - correction) std), and 0 where std = 0 (a
 * constant slice has zero gradient, not NaN). Arguments as var.
 * @example x.std();  x.std(0, { correction: 0 })
 */
export function std(x: Tensor, dim?: number | number[] | null | VarOptions, opts?: VarOptions): Tensor;
export function std(x: Tensor, ...args: unknown[]): Tensor {
  return atomic(() => {
    const { dims, divisor, m, v } = moments('std', x, args);
    const out = noGrad(() => sqrt(v));
    v.dispose();
    if (!needsGrad(x)) {
      m.dispose();
      return out;
    }
    const sx = x.keep(), sm = m.keep(), sy = out.keep(), inShape = x.shape;
    m.dispose();
    return record(out, 'StdBackward', [x], [sx, sm, sy], (g) => {
      const scale = where(eq(sy, 0), 0, div(g, sy));
      return [mul(sub(sx, sm), spread(mul(scale, 1 / divisor), inShape, dims))];
    });
  });
}

/**
 * p-norm over dims: (sum |x|^p)^(1/p); p = Infinity gives max |x|.
 * Backward as PyTorch's: dx = sign(x) |x|^(p-1) g / norm^(p-1), with
 * |x|^(p-1) read as 0 at x = 0 (p < 1) and 0 where the norm is 0 (the
 * gradient of the norm of a zero vector is 0 for every p). Default p 2, all dims.
 * @example x.norm();  x.norm(1, 1);  x.norm({ p: 2, dim: -1, keepdim: true })
 */
export function norm(x: Tensor, p?: number | { p?: number; dim?: number | number[] | null; keepdim?: boolean }, dim?: number | number[] | null, keepdim?: boolean): Tensor;
export function norm(x: Tensor, ...args: unknown[]): Tensor {
  const { p, dim: d, keepdim } = reduction('norm', x, args, { p: param(number({ gt: 0, infinite: true }), 2), ...DIM_ARGS });
  const dim = d ?? undefined;
  if (p === Infinity || p === 1) {
    // max |x| (the gradient split among ties) and sum |x| (sign(x) g, 0 at 0) differentiate as composed
    return scope(() => {
      const a = abs(x);
      return p === 1 ? sum(a, dim, keepdim) : amax(a, dim, keepdim);
    });
  }
  const dims = reduceDims('norm', dim, x.ndim);
  const out = noGrad(() => scope(() => {
    const a = abs(x);
    const s = sum(p === 2 ? mul(a, a) : pow(a, p), dims, keepdim);
    return p === 2 ? sqrt(s) : pow(s, 1 / p);
  }));
  if (!needsGrad(x)) return out;
  const sx = x.keep(), sy = out.keep(), inShape = x.shape;
  return record(out, 'NormBackward', [x], [sx, sy], (g) => {
    const scale = where(eq(sy, 0), 0, p === 2 ? div(g, sy) : div(g, pow(sy, p - 1)));
    const term = p === 2 ? sx : where(eq(sx, 0), 0, mul(sign(sx), pow(abs(sx), p - 1)));
    return [mul(term, spread(scale, inShape, dims))];
  });
}

/**
 * log sum_k exp(x_k) over dims (all by default), as torch.logsumexp:
 * computed as m + log sum exp(x - m) with m the maximum (0 where it is
 * infinite), so it neither overflows nor underflows. Backward: g softmax(x)
 * over the dims.
 *   logsumexp(tensor([[0, 0], [1, 2]]), 1)   // [log 2, 2 + log(1 + e^-1)]
 */
export function logsumexp(x: Tensor, dim?: number | number[] | null | DimOptions, keepdim?: boolean): Tensor;
export function logsumexp(x: Tensor, ...args: unknown[]): Tensor {
  const { dim, keepdim } = reduction('logsumexp', x, args, DIM_ARGS);
  const dims = reduceDims('logsumexp', dim ?? undefined, x.ndim);
  return scope(() => {
    const top = noGrad(() => amax(x, dims, true));
    const m = where(eq(abs(top), Infinity), 0, top);
    const l = log(sum(exp(sub(x, m)), dims, keepdim));
    return add(l, keepdim ? m : reshape(m, reducedShape(x.shape, dims, false)));
  });
}
