/**
 * Indexing drivers (assembly/indexing.ts): scatter and gather along one dim
 * over strided operands (the index space walked in blocks of four dims),
 * stable sorting along a dim, and the positions of nonzero elements. No
 * autograd, no argument checks: indices are validated by src/ops/indexing.ts
 * before they reach a kernel.
 */
import { Tensor } from '../tensor';
import { heap, heapF32, kernels } from '../runtime/engine';
import { contiguousStrides, numel } from '../shape';
import { filled, materialize } from './copy';
import { forBlocks } from './launch';

/** Strides of t along the index space, with the indexed dim's stride taken out (returned apart). */
function splitStrides(t: Tensor, d: number): { strides: number[]; dimStride: number } {
  if (t.ndim === 0) return { strides: [], dimStride: 0 };
  const strides = [...t.strides];
  const dimStride = strides[d];
  strides[d] = 0;
  return { strides, dimStride };
}

/** dst (contiguous, modified) [.., idx[p], ..] = (or +=) src[p] over the index space. */
export function scatterInto(dst: Tensor, d: number, idx: Tensor, src: Tensor, add: boolean): void {
  const { strides: ts, dimStride } = splitStrides(dst, d);
  const ss = src.ndim === 0 ? idx.shape.map(() => 0) : src.strides;
  const k = kernels();
  const ip = idx.ptr, sp = src.ptr, tp = dst.ptr;
  forBlocks(idx.shape, [idx.strides, ss, ts], (b, o, s) => {
    k.scatter_strided_f32(b[0], b[1], b[2], b[3], ip + o[0] * 4, s[0][0], s[0][1], s[0][2], s[0][3], sp + o[1] * 4, s[1][0], s[1][1], s[1][2], s[1][3], tp + o[2] * 4, s[2][0], s[2][1], s[2][2], s[2][3], dimStride, add ? 1 : 0);
  });
}

/** out[p] = src[.., idx[p], ..] over the index space (a new tensor of idx's shape). */
export function gatherAt(src: Tensor, d: number, idx: Tensor): Tensor {
  const out = Tensor.empty(idx.shape);
  const { strides: ss, dimStride } = splitStrides(src, d);
  const k = kernels();
  const ip = idx.ptr, sp = src.ptr, op = out.ptr;
  forBlocks(idx.shape, [idx.strides, ss, contiguousStrides(idx.shape)], (b, o, s) => {
    k.gather_strided_f32(b[0], b[1], b[2], b[3], ip + o[0] * 4, s[0][0], s[0][1], s[0][2], s[0][3], sp + o[1] * 4, s[1][0], s[1][1], s[1][2], s[1][3], op + o[2] * 4, s[2][0], s[2][1], s[2][2], s[2][3], dimStride);
  });
  return out;
}

/** The sorting permutation of x along dim d (indices as float32, stable, NaN largest). */
export function sortIndices(x: Tensor, d: number, descending: boolean): Tensor {
  const { t, owned } = materialize(x);
  const out = Tensor.empty(x.shape);
  const r = x.ndim === 0 ? 1 : x.shape[d];
  const outer = numel(x.shape.slice(0, d)), inner = numel(x.shape.slice(d + 1));
  const h = heap();
  const scratch = h.alloc(Math.max(8, 8 * r));
  try {
    if (out.numel() > 0) kernels().sort_axis_f32(outer, r, inner, t.ptr, out.ptr, scratch, descending ? 1 : 0);
  } finally {
    h.release(scratch);
    if (owned) t.dispose();
  }
  return out;
}

/** The multi-indices of x's nonzero elements (NaN counts) in row-major order: a new [count, ndim] tensor (indices as float32). */
export function nonzeroIndices(x: Tensor): Tensor {
  const { t, owned } = materialize(x);
  try {
    const k = kernels();
    const info = Tensor.empty([1]);
    k.count_nonzero_f32(t.numel(), t.ptr, info.ptr);
    const count = heapF32()[info.ptr >> 2];
    info.dispose();
    const rank = x.ndim;
    const out = Tensor.empty([count, rank]);
    if (rank > 0 && count > 0) {
      const sizes = Tensor.empty([rank]);
      heapF32().set(x.shape, sizes.ptr >> 2);
      k.nonzero_f32(t.numel(), t.ptr, rank, sizes.ptr, out.ptr);
      sizes.dispose();
    }
    return out;
  } finally {
    if (owned) t.dispose();
  }
}

/**
 * The first element of the contiguous tensor t that is not an integer in
 * [0, size) (elements equal to `skip` pass; NaN skips nothing), as its flat
 * position and value, or null.
 */
export function firstBadIndex(t: Tensor, size: number, skip = NaN): { at: number; value: number } | null {
  const info = Tensor.empty([2]);
  try {
    kernels().check_indices_f32(t.numel(), size, t.ptr, skip, info.ptr);
    const at = heapF32()[info.ptr >> 2];
    return at < 0 ? null : { at, value: heapF32()[(t.ptr >> 2) + at] };
  } finally {
    info.dispose();
  }
}

/** Sizes around an indexed dim: the product of the dims before it, its length, the product of the dims after it. */
export type IndexLayout = readonly [outer: number, size: number, inner: number];

/** A new tensor of `outShape`: out[o, j, i] = x[o, idx[j], i] for the k indices of a contiguous idx (checked by the caller). */
export function selectRows(x: Tensor, [outer, size, inner]: IndexLayout, idx: Tensor, outShape: readonly number[]): Tensor {
  const { t, owned } = materialize(x);
  try {
    const out = Tensor.empty(outShape);
    kernels().index_select_f32(outer, size, inner, t.ptr, idx.numel(), idx.ptr, out.ptr);
    return out;
  } finally {
    if (owned) t.dispose();
  }
}

/** selectRows' gradient: a new zero tensor of `inShape` with dx[o, idx[j], i] += g[o, j, i]. */
export function selectRowsBackward(g: Tensor, [outer, size, inner]: IndexLayout, idx: Tensor, inShape: readonly number[]): Tensor {
  const { t, owned } = materialize(g);
  try {
    const dx = filled(inShape, 0);
    kernels().index_add_f32(outer, size, inner, dx.ptr, idx.numel(), idx.ptr, t.ptr);
    return dx;
  } finally {
    if (owned) t.dispose();
  }
}

/** A new tensor of idx's shape: out[o, j, i] = x[o, idx[o, j, i], i] along the middle dim (k = idx's length there). */
export function gatherAlong(x: Tensor, [outer, size, inner]: IndexLayout, idx: Tensor, k: number): Tensor {
  const { t, owned } = materialize(x);
  try {
    const out = Tensor.empty(idx.shape);
    kernels().gather_f32(outer, size, inner, t.ptr, k, idx.ptr, out.ptr);
    return out;
  } finally {
    if (owned) t.dispose();
  }
}

/** gatherAlong's gradient: a new zero tensor of `inShape` with dx[o, idx[o, j, i], i] += g[o, j, i]. */
export function gatherAlongBackward(g: Tensor, [outer, size, inner]: IndexLayout, idx: Tensor, k: number, inShape: readonly number[]): Tensor {
  const { t, owned } = materialize(g);
  try {
    const dx = filled(inShape, 0);
    kernels().scatter_add_f32(outer, size, inner, dx.ptr, k, idx.ptr, t.ptr);
    return dx;
  } finally {
    if (owned) t.dispose();
  }
}
