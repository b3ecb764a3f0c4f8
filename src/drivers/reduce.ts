/**
 * Reduction drivers (assembly/reduce.ts): sums, maxima and minima over any
 * set of dims. Each maximal run of adjacent reduced dims is one
 * (outer, r, inner) kernel call, from the last run to the first; sums are
 * accurate for any length (float32 lanes flushed into float64) and their
 * order depends only on the shape. No autograd, no argument checks.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { contiguousStrides, fmtShape, numel, type Shape } from '../shape';
import { materialize, contiguousCopy, fill } from './copy';

/** What a reduction computes: the sum, the maximum or the minimum. */
export type ReduceKind = 'sum' | 'max' | 'min';

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
 * A new contiguous tensor: x reduced over `dims` (sorted, unique; a max or
 * min needs every reduced dim non-empty, a sum over nothing is 0). The
 * result never aliases x, even when nothing is reduced.
 */
export function reduceAxes(kind: ReduceKind, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const k = kernels();
  const fn = kind === 'sum' ? k.sum_axis_f32 : kind === 'max' ? k.max_axis_f32 : k.min_axis_f32;
  const finalShape = reducedShape(x.shape, dims, keepdim);
  // nothing reduced: a copy, so the result never aliases the input
  if (dims.length === 0) return contiguousCopy(x);
  const { t, owned } = materialize(x);
  let cur = t, curOwned = owned;
  try {
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
      if (len === 0) fill(next, 0);
      else fn(outer, len, inner, cur.ptr, next.ptr);
      if (curOwned) cur.dispose();
      cur = next;
      curOwned = true;
    }
    return cur.viewOf(finalShape, contiguousStrides(finalShape), 0);
  } finally {
    if (curOwned) cur.dispose();
  }
}

/**
 * t summed down to `shape` (the reverse of broadcasting: leading dims
 * summed away, dims of size 1 in `shape` summed with keepdim), as a new
 * contiguous tensor; autograd uses it to bring a gradient to its input's shape.
 */
export function sumTo(t: Tensor, shape: Shape): Tensor {
  const lead = t.ndim - shape.length;
  if (lead < 0) throw new RangeError(`sumTo: ${fmtShape(t.shape)} cannot be reduced to ${fmtShape(shape)}`);
  const dims: number[] = [];
  for (let i = 0; i < t.ndim; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && t.shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== t.shape[i]) throw new RangeError(`sumTo: ${fmtShape(t.shape)} cannot be reduced to ${fmtShape(shape)}`);
  }
  const r = reduceAxes('sum', t, dims, true);
  const out = r.viewOf([...shape], contiguousStrides([...shape]), r.offset);
  r.dispose();
  return out;
}

/**
 * A new tensor of `outShape` (outer x inner elements): the position (as a
 * float) of the first maximum of sign * x along the middle axis of an
 * (outer, r, inner) layout (sign -1: the first minimum); NaN wins, as PyTorch.
 */
export function argExtremeAxis(x: Tensor, [outer, r, inner]: readonly [number, number, number], sign: number, outShape: readonly number[]): Tensor {
  const { t, owned } = materialize(x);
  try {
    const out = Tensor.empty(outShape);
    kernels().argmax_axis_f32(outer, r, inner, t.ptr, out.ptr, sign);
    return out;
  } finally {
    if (owned) t.dispose();
  }
}
