/**
 * Copy and fill drivers: strided copies between tensors' memory (the
 * copy_strided_f32 kernel over blocks of at most four dims, see
 * src/drivers/launch.ts) and constant fills. No autograd, no argument checks:
 * ops and the autograd core call them on tensors they already checked.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { forBlocks } from './launch';

/** Copies src's elements into dst's view, element by element in index order (same shape; dst must not overlap itself). */
export function copyInto(dst: Tensor, src: Tensor): void {
  const k = kernels();
  const db = dst.ptr, sb = src.ptr;
  forBlocks(dst.shape, [src.strides, dst.strides], (d, off, st) => {
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
export function asContiguous(x: Tensor): { t: Tensor; owned: boolean } {
  return x.isContiguous() ? { t: x, owned: false } : { t: contiguousCopy(x), owned: true };
}

/**
 * Runs `update` on a contiguous version of t (t itself, or a copy written
 * back into t's view afterwards), for in-place kernels over strided views.
 */
export function updateContiguous(t: Tensor, update: (c: Tensor) => void): void {
  const { t: c, owned } = asContiguous(t);
  try {
    update(c);
    if (owned) copyInto(t, c);
  } finally {
    if (owned) c.dispose();
  }
}

/** Fills a contiguous tensor (or its first `n` floats) with `value` (rounded to float32). */
export function fill(t: Tensor, value: number, n = t.numel()): void {
  kernels().fill_f32(n, t.ptr, value);
}

/** A new tensor of `shape` filled with `value` (no history). */
export function filled(shape: readonly number[], value: number): Tensor {
  const t = Tensor.empty(shape);
  fill(t, value);
  return t;
}
