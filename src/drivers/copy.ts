/**
 * Copy and fill drivers: strided copies between tensors' memory (the
 * copy_strided_f32 kernel over blocks of at most four dims, see
 * src/drivers/launch.ts) and constant fills. No autograd, no argument checks:
 * ops and the autograd core call them on tensors they already checked.
 */
import { Tensor } from '../tensor';
import { heapF32, kernels } from '../runtime/engine';
import { broadcastStrides, contiguousStrides } from '../shape';
import { forBlocksSplit } from './launch';
import { forElements } from '../runtime/parallel';

/** Runs `write` on the new tensor `out` and returns it; a throw (a kernel trap, out of memory) disposes out first. */
export function produce(out: Tensor, write: (out: Tensor) => void): Tensor {
  try {
    write(out);
    return out;
  } catch (e) {
    out.dispose();
    throw e;
  }
}

/** Copies src's elements into dst's view, each element once, over the threads for large shapes (same shape; dst must overlap neither itself nor src). */
export function copyInto(dst: Tensor, src: Tensor): void {
  const db = dst.ptr, sb = src.ptr;
  forBlocksSplit(dst.shape, [src.strides, dst.strides], (k, d, off, st) => {
    k.copy_strided_f32(d[0], d[1], d[2], d[3], sb + off[0] * 4, st[0][0], st[0][1], st[0][2], st[0][3], db + off[1] * 4, st[1][0], st[1][1], st[1][2], st[1][3]);
  });
}

/** A new contiguous tensor holding x's elements (no history). */
export function contiguousCopy(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  copyInto(out, x);
  return out;
}

/**
 * x as a contiguous tensor for a kernel: x itself when contiguous, else a
 * contiguous copy; `owned` says whether the caller must dispose it.
 */
export function materialize(x: Tensor): { t: Tensor; owned: boolean } {
  return x.isContiguous() ? { t: x, owned: false } : { t: contiguousCopy(x), owned: true };
}

/**
 * Runs `update` on a contiguous version of t (t itself, or a copy written
 * back into t's view afterwards), for in-place kernels over strided views.
 */
export function updateContiguous(t: Tensor, update: (c: Tensor) => void): void {
  const { t: c, owned } = materialize(t);
  try {
    update(c);
    if (owned) copyInto(t, c);
  } finally {
    if (owned) c.dispose();
  }
}

/** Fills a contiguous tensor (or its first `n` floats) with `value` (rounded to float32). */
export function fill(t: Tensor, value: number, n = t.numel()): void {
  const p = t.ptr;
  forElements(n, (k, start, count) => k.fill_f32(count, p + start * 4, value));
}

/** A new tensor of `shape` filled with `value` (no history). */
export function filled(shape: readonly number[], value: number): Tensor {
  const t = Tensor.empty(shape);
  fill(t, value);
  return t;
}

/** Writes `input` broadcast to out's shape into `out` (contiguous). */
export function broadcastInto(out: Tensor, input: Tensor): void {
  const ip = input.ptr, op = out.ptr;
  forBlocksSplit(out.shape, [broadcastStrides(input.shape, input.strides, out.shape), contiguousStrides(out.shape)], (k, d, o, st) => {
    k.copy_strided_f32(d[0], d[1], d[2], d[3], ip + o[0] * 4, st[0][0], st[0][1], st[0][2], st[0][3], op + o[1] * 4, st[1][0], st[1][1], st[1][2], st[1][3]);
  });
}

/** A new tensor of `shape` holding `values` (as many as the shape has elements), rounded to float32. */
export function fromValues(shape: readonly number[], values: ArrayLike<number>): Tensor {
  const t = Tensor.empty(shape);
  heapF32().set(values, t.ptr >> 2);
  return t;
}

/** A new 1-d tensor of n values start + i step, each computed in float64 and rounded once. */
export function arangeValues(n: number, start: number, step: number): Tensor {
  const t = Tensor.empty([n]);
  kernels().arange_f32(n, t.ptr, start, step);
  return t;
}

/** A new n x m matrix with ones on the diagonal and zeros elsewhere. */
export function identity(n: number, m: number): Tensor {
  const t = filled([n, m], 0);
  const one = filled([], 1);
  // the scalar (stride 0) copied along the diagonal (stride m + 1)
  kernels().copy_strided_f32(1, 1, 1, Math.min(n, m), one.ptr, 0, 0, 0, 0, t.ptr, 0, 0, 0, m + 1);
  one.dispose();
  return t;
}
