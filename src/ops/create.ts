/** Creating tensors: from data, constant fills, ranges, copies. */
import { Tensor } from '../tensor';
import { heapF32, kernels } from '../runtime/engine';
import { checkShape, contiguousStrides, fmtShape, numel, type Shape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { forBlocks } from './launch';

export interface CreateOptions {
  requiresGrad?: boolean;
}

export type NestedArray = number | readonly NestedArray[];

function finish(t: Tensor, opts?: CreateOptions): Tensor {
  if (opts?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Shape of a rectangular nested array, or a named error. */
function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: Float32Array): void {
  let at = 0;
  const walk = (d: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof d !== 'number') throw new TypeError(`tensor: expected a number at depth ${dim}, got ${Array.isArray(d) ? 'an array' : typeof d}`);
      out[at++] = d;
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[dim]) {
      throw new RangeError(`tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim} (shape ${fmtShape(shape)})`);
    }
    for (const x of d) walk(x, dim + 1);
  };
  walk(data, 0);
}

/**
 * A tensor from a number, nested arrays, or a typed/plain flat array (with
 * `shape` to give it one; a flat array is 1-D otherwise).
 */
export function tensor(data: NestedArray | ArrayLike<number>, opts: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  if (typeof data === 'number') {
    const t = Tensor.empty([]);
    heapF32()[t.ptr >> 2] = data;
    return finish(t, opts);
  }
  if (typeof data === 'string') throw new TypeError('tensor: expected a number, an array or a typed array, got a string');
  if (ArrayBuffer.isView(data) || (!Array.isArray(data) && typeof (data as ArrayLike<number>)?.length === 'number')) {
    const flat = data as ArrayLike<number>;
    const shape = opts.shape === undefined ? [flat.length] : checkShape('tensor', opts.shape);
    if (numel(shape) !== flat.length) throw new RangeError(`tensor: ${flat.length} values cannot fill shape ${fmtShape(shape)}`);
    const t = Tensor.empty(shape);
    heapF32().set(flat, t.ptr >> 2);
    return finish(t, opts);
  }
  if (!Array.isArray(data)) throw new TypeError(`tensor: expected a number, an array or a typed array, got ${data === null ? 'null' : typeof data}`);
  const shape = inferShape(data as NestedArray);
  const flat = new Float32Array(numel(shape));
  flatten(data as NestedArray, shape, flat);
  const finalShape = opts.shape === undefined ? shape : checkShape('tensor', opts.shape);
  if (numel(finalShape) !== flat.length) throw new RangeError(`tensor: ${flat.length} values cannot fill shape ${fmtShape(finalShape)}`);
  const t = Tensor.empty(finalShape);
  heapF32().set(flat, t.ptr >> 2);
  return finish(t, opts);
}

/** Internal: a fresh tensor of `shape` (validated) with undefined content. */
export function empty(shape: Shape, op = 'empty'): Tensor {
  return Tensor.empty(checkShape(op, shape as number[]));
}

export function full(shape: Shape, value: number, opts?: CreateOptions): Tensor {
  if (typeof value !== 'number') throw new TypeError(`full: fill value must be a number, got ${typeof value}`);
  const t = empty(shape, 'full');
  kernels().fill_f32(t.numel(), t.ptr, value);
  return finish(t, opts);
}

export const zeros = (shape: Shape, opts?: CreateOptions): Tensor => full(shape, 0, opts);
export const ones = (shape: Shape, opts?: CreateOptions): Tensor => full(shape, 1, opts);
export const zerosLike = (t: Tensor, opts?: CreateOptions): Tensor => full(t.shape, 0, opts);
export const onesLike = (t: Tensor, opts?: CreateOptions): Tensor => full(t.shape, 1, opts);
export const fullLike = (t: Tensor, v: number, opts?: CreateOptions): Tensor => full(t.shape, v, opts);

/** Values start, start + step, ... below end (like torch.arange; arange(n) = 0..n-1). */
export function arange(start: number, end?: number, step = 1, opts?: CreateOptions): Tensor {
  if (end === undefined) [start, end] = [0, start];
  if (![start, end, step].every(Number.isFinite)) throw new RangeError(`arange: start, end and step must be finite, got ${start}, ${end}, ${step}`);
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  if ((end - start) / step < 0) throw new RangeError(`arange: upper bound and larger bound inconsistent with step sign (${start}, ${end}, ${step})`);
  const n = Math.ceil((end - start) / step);
  const t = empty([n], 'arange');
  kernels().arange_f32(n, t.ptr, start, step);
  return finish(t, opts);
}

/** An n x m matrix with ones on the diagonal. */
export function eye(n: number, m = n, opts?: CreateOptions): Tensor {
  const t = zeros(checkShape('eye', [n, m]), opts);
  const one = full([], 1);
  // copy the scalar (stride 0) along the diagonal (stride m + 1)
  kernels().copy_strided_f32(1, 1, 1, Math.min(n, m), one.ptr, 0, 0, 0, 0, t.ptr, 0, 0, 0, m + 1);
  one.dispose();
  return t;
}

/** Internal: copies src's elements into dst's view (same shape; dst must not overlap itself). */
export function copyInto(dst: Tensor, src: Tensor): void {
  const k = kernels();
  const db = dst.ptr, sb = src.ptr;
  forBlocks(dst.shape, [src.strides, dst.strides], (d, off, st) => {
    k.copy_strided_f32(d[0], d[1], d[2], d[3], sb + off[0] * 4, st[0][0], st[0][1], st[0][2], st[0][3], db + off[1] * 4, st[1][0], st[1][1], st[1][2], st[1][3]);
  });
}

/** A contiguous copy with the same history (differentiable: the gradient passes through). */
export function clone(x: Tensor): Tensor {
  x.assertAlive('clone');
  const out = Tensor.empty(x.shape);
  copyInto(out, x);
  if (needsGrad(x)) record(out, 'CloneBackward', [x], [], (g) => [g]);
  return traced(out, 'identity', [x]);
}

/** The tensor itself if contiguous (a new handle on it), else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  x.assertAlive('contiguous');
  if (!x.isContiguous()) return clone(x);
  const out = x.viewOf(x.shape, contiguousStrides(x.shape), x.offset);
  if (needsGrad(x)) record(out, 'ContiguousBackward', [x], [], (g) => [g]);
  return traced(out, 'identity', [x]);
}

/**
 * Internal: x as a contiguous tensor for a kernel, without autograd; `owned`
 * says whether the caller must dispose it.
 */
export function materialize(x: Tensor): { t: Tensor; owned: boolean } {
  if (x.isContiguous()) return { t: x, owned: false };
  const out = Tensor.empty(x.shape);
  copyInto(out, x);
  return { t: out, owned: true };
}

export { contiguousStrides };
