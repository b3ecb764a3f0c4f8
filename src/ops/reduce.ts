/**
 * Reductions over any set of dims, with keepdim. Backward (g broadcast back
 * over the reduced dims):
 *   sum: g              mean: g / N
 *   max, min: g to the elements equal to the result, split evenly among ties
 *   var: 2 (x - mean) g / (N - correction)  (composed, so autograd derives it)
 *   std = sqrt(var), norm(p) = (sum |x|^p)^(1/p): composed likewise.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { fmtShape, normDim, numel, type Shape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { materialize } from './create';
import { launchBinary, mul, sub, div } from './binary';
import { abs, pow, sqrt } from './unary';
import { reshape, expand } from './views';

type ReduceKind = 'sum' | 'max' | 'min';

/** Sorted, unique, non-negative dims; all dims when `dim` is undefined. */
export function reduceDims(op: string, dim: number | readonly number[] | undefined, rank: number): number[] {
  if (dim === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = Array.isArray(dim) ? dim : [dim as number];
  const dims = [...new Set(list.map((d) => normDim(op, d, rank)))].sort((a, b) => a - b);
  if (dims.length !== list.length) throw new RangeError(`${op}: dim ${JSON.stringify(dim)} repeats a dim`);
  return rank === 0 ? [] : dims;
}

/** The result shape: reduced dims removed, or kept as 1. */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/**
 * Internal: reduction kernel over `dims` without autograd. Each maximal run
 * of adjacent reduced dims is one (outer, r, inner) kernel call, from the
 * last run to the first.
 */
export function reduceRaw(op: string, kind: ReduceKind, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  x.assertAlive(op);
  if (kind !== 'sum' && dims.some((d) => x.shape[d] === 0)) {
    throw new RangeError(`${op}: cannot reduce over a zero-size dim of a tensor of shape ${fmtShape(x.shape)} (no identity)`);
  }
  const k = kernels();
  const fn = kind === 'sum' ? k.sum_axis_f32 : kind === 'max' ? k.max_axis_f32 : k.min_axis_f32;
  const { t, owned } = materialize(x);
  let cur = t, curOwned = owned;
  let shape = [...x.shape];
  // runs of adjacent dims, last first
  const runs: [number, number][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }
  for (let r = runs.length - 1; r >= 0; r--) {
    const [a, b] = runs[r];
    const outer = numel(shape.slice(0, a)), len = numel(shape.slice(a, b + 1)), inner = numel(shape.slice(b + 1));
    shape = [...shape.slice(0, a), ...new Array<number>(b - a + 1).fill(1), ...shape.slice(b + 1)];
    const next = Tensor.empty(shape);
    if (len === 0) k.fill_f32(next.numel(), next.ptr, 0);
    else fn(outer, len, inner, cur.ptr, next.ptr);
    if (curOwned) cur.dispose();
    cur = next;
    curOwned = true;
  }
  const finalShape = reducedShape(x.shape, dims, keepdim);
  if (!curOwned) {
    // nothing reduced: a copy, so the result never aliases the input
    const c = Tensor.empty(finalShape);
    k.copy_strided_f32(1, 1, 1, c.numel(), cur.ptr, 0, 0, 0, 1, c.ptr, 0, 0, 0, 1);
    return c;
  }
  const out = cur.viewOf(finalShape, contiguous(finalShape), 0);
  cur.dispose();
  return out;
}

function contiguous(shape: number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { st[i] = acc; acc *= shape[i]; }
  return st;
}

/** g (reduced shape) viewed with size-1 dims and broadcast to the input's shape. */
function spread(g: Tensor, inShape: Shape, dims: readonly number[]): Tensor {
  return expand(reshape(g, reducedShape(inShape, dims, true)), [...inShape]);
}

export function sum(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  const dims = reduceDims('sum', dim, x.ndim);
  const out = reduceRaw('sum', 'sum', x, dims, keepdim);
  if (needsGrad(x)) {
    const inShape = x.shape;
    record(out, 'SumBackward', [x], [], (g) => [spread(g, inShape, dims)]);
  }
  return traced(out, 'sum', [x], { dims, keepdim });
}

export function mean(x: Tensor, dim?: number | number[], keepdim = false): Tensor {
  const dims = reduceDims('mean', dim, x.ndim);
  const count = dims.reduce((n, d) => n * x.shape[d], 1);
  const s = sum(x, dims, keepdim);
  const out = div(s, count);
  s.dispose();
  return out;
}

function extreme(kind: 'max' | 'min', x: Tensor, dim: number | number[] | undefined, keepdim: boolean): Tensor {
  const dims = reduceDims(kind, dim, x.ndim);
  const out = reduceRaw(kind, kind, x, dims, keepdim);
  if (needsGrad(x)) {
    const sx = x.keep(), sy = out.keep();
    const inShape = x.shape;
    record(out, kind === 'max' ? 'MaxBackward' : 'MinBackward', [x], [sx, sy], (g) => {
      const hit = launchBinary(kind, 'eq_f32', sx, spread(sy, inShape, dims));
      const count = reduceRaw(kind, 'sum', hit, dims, true);
      return [mul(hit, div(spread(g, inShape, dims), expand(count, [...inShape])))];
    });
  }
  return traced(out, kind, [x], { dims, keepdim });
}

/** Largest value over dims (all by default); the gradient goes to the maxima, split among ties. */
export const max = (x: Tensor, dim?: number | number[], keepdim = false): Tensor => extreme('max', x, dim, keepdim);
export const min = (x: Tensor, dim?: number | number[], keepdim = false): Tensor => extreme('min', x, dim, keepdim);

function argExtreme(op: string, sign: number, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  x.assertAlive(op);
  if (x.numel() === 0) throw new RangeError(`${op}: empty tensor of shape ${fmtShape(x.shape)} has no ${op === 'argmax' ? 'maximum' : 'minimum'}`);
  const { t, owned } = materialize(x);
  let out: Tensor;
  if (dim === undefined) {
    out = Tensor.empty(keepdim ? x.shape.map(() => 1) : []);
    kernels().argmax_axis_f32(1, t.numel(), 1, t.ptr, out.ptr, sign);
  } else {
    const d = normDim(op, dim, x.ndim);
    const r = x.ndim === 0 ? 1 : x.shape[d];
    out = Tensor.empty(reducedShape(x.shape, x.ndim === 0 ? [] : [d], keepdim));
    kernels().argmax_axis_f32(numel(x.shape.slice(0, d)), r, numel(x.shape.slice(d + 1)), t.ptr, out.ptr, sign);
  }
  if (owned) t.dispose();
  return traced(out, op, [x], { dim: dim === undefined || x.ndim === 0 ? null : normDim(op, dim, x.ndim), keepdim });
}

/** Index of the first maximum along dim (over the flattened tensor by default), as float32. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme('argmax', 1, x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtreme('argmin', -1, x, dim, keepdim);

export interface VarOptions {
  /** Bessel's correction (divide by N - 1); PyTorch's default true. */
  unbiased?: boolean;
  /** Subtracted from N in the divisor (overrides unbiased): 1 unbiased, 0 biased. */
  correction?: number;
  keepdim?: boolean;
}

/** Variance over dims: sum (x - mean)^2 / (N - correction). */
export function variance(x: Tensor, dim?: number | number[], opts: VarOptions = {}): Tensor {
  const dims = reduceDims('var', dim, x.ndim);
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  const n = dims.reduce((acc, d) => acc * x.shape[d], 1);
  const m = mean(x, dims, true);
  const d = sub(x, m);
  const sq = mul(d, d);
  const s = sum(sq, dims, opts.keepdim ?? false);
  const out = div(s, Math.max(0, n - correction));
  for (const t of [m, d, sq, s]) t.dispose();
  return out;
}

export function std(x: Tensor, dim?: number | number[], opts: VarOptions = {}): Tensor {
  const v = variance(x, dim, opts);
  const out = sqrt(v);
  v.dispose();
  return out;
}

/** p-norm over dims: (sum |x|^p)^(1/p); p = Infinity gives max |x|. */
export function norm(x: Tensor, p = 2, dim?: number | number[], keepdim = false): Tensor {
  if (typeof p !== 'number' || Number.isNaN(p) || p <= 0) throw new RangeError(`norm: p must be a positive number or Infinity, got ${p}`);
  const a = abs(x);
  let out: Tensor;
  if (p === Infinity) {
    out = max(a, dim, keepdim);
  } else if (p === 1) {
    out = sum(a, dim, keepdim);
  } else {
    const ap = p === 2 ? mul(a, a) : pow(a, p);
    const s = sum(ap, dim, keepdim);
    out = p === 2 ? sqrt(s) : pow(s, 1 / p);
    ap.dispose();
    s.dispose();
  }
  a.dispose();
  return out;
}

/** Internal: t summed down to `shape` (the reverse of broadcasting), for gradients. */
export function sumTo(t: Tensor, shape: Shape): Tensor {
  const lead = t.ndim - shape.length;
  if (lead < 0) throw new RangeError(`sumTo: ${fmtShape(t.shape)} cannot be reduced to ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < t.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && t.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== t.shape[i]) throw new RangeError(`sumTo: ${fmtShape(t.shape)} cannot be reduced to ${fmtShape(shape)}`);
  }
  const r = reduceRaw('sumTo', 'sum', t, dims, true);
  const out = r.viewOf([...shape], contiguous([...shape]), r.offset);
  r.dispose();
  return out;
}
