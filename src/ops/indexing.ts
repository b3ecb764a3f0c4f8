/**
 * Indexing with PyTorch's semantics (indices are float32 tensors holding
 * integers, checked in wasm before use; g: the output's gradient):
 *   maskedFill(x, mask, v) = where(mask, v, x): g where the mask is 0 to x, the rest to v
 *   scatter(x, dim, index, src): x with x[.., index[p], ..] = src[p]
 *     dx = g with the written positions zeroed, dsrc[p] = g[.., index[p], ..]
 *   scatterAdd(x, dim, index, src): += instead of =;  dx = g, dsrc as scatter's
 *   sort, topk: values = gather(x, dim, indices), so g goes back to the
 *     positions each value came from (argsort, nonzero, oneHot: no gradient)
 * Positions of an index are visited in row-major order: repeated indices in
 * scatter resolve the same way every run (the last write wins).
 */
import { Tensor } from '../tensor';
import { gatherAt, nonzeroIndices, scatterInto, sortIndices } from '../drivers/indexing';
import { broadcastShapes, fmtShape, normDim, sameShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { atomic } from '../autograd/scope';
import { traced } from '../autograd/trace';
import { boolean, integer, param, parseArgs, required, tensor, tensorOrNumber } from '../validate';
import { arange, clone, copyInto, full, materialize, zeros } from './create';
import { launchBinary } from './binary';
import { badIndex, gather } from './gather';
import { narrow, unsqueeze } from './views';
import { reduceRaw } from './reduce';
import { where } from './where';

/**
 * x with `value` where mask is nonzero (mask broadcast to x's shape; value a
 * number or a 0-d tensor, which then receives the sum of g over the filled
 * positions). Gradient to x: g where the mask is 0.
 * @example maskedFill(tensor([1, 2, 3]), tensor([0, 1, 0]), -1) // [1, -1, 3]
 */
export function maskedFill(input: Tensor, mask: Tensor, value: number | Tensor): Tensor;
export function maskedFill(...args: unknown[]): Tensor {
  const { input: x, mask, value } = parseArgs('maskedFill', args, { input: param(tensor, required), mask: param(tensor, required), value: param(tensorOrNumber, required) });
  if (!sameShape(broadcastShapes('maskedFill', mask.shape, x.shape), x.shape)) {
    throw new RangeError(`maskedFill: mask ${fmtShape(mask.shape)} must broadcast to the input's shape ${fmtShape(x.shape)}`);
  }
  if (value instanceof Tensor && value.ndim !== 0) throw new RangeError(`maskedFill: value must be a number or a 0-d tensor, got shape ${fmtShape(value.shape)}`);
  return where(mask, value, x);
}

// ---------------------------------------------------------------------------
// scatter, scatterAdd

/** The index checked against the input (ranks, sizes) and its values (integers in [0, size)), as a contiguous tensor. */
function checkedIndex(op: string, x: Tensor, d: number, index: Tensor, src: Tensor | null): { t: Tensor; owned: boolean } {
  const shapes = `input ${fmtShape(x.shape)}, index ${fmtShape(index.shape)}${src ? `, src ${fmtShape(src.shape)}` : ''}`;
  if (index.ndim !== x.ndim || (src !== null && src.ndim !== x.ndim)) throw new RangeError(`${op}: ${shapes}: index${src ? ' and src' : ''} must have as many dims as the input`);
  for (let i = 0; i < x.ndim; i++) {
    if ((i !== d && index.shape[i] > x.shape[i]) || (src !== null && index.shape[i] > src.shape[i])) {
      throw new RangeError(`${op}: ${shapes}: index may not be larger than ${src ? 'src in any dim or ' : ''}the input outside dim ${d} (dim ${i})`);
    }
  }
  const m = materialize(index);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  const bad = badIndex(m.t, size);
  if (bad !== null) {
    if (m.owned) m.t.dispose();
    throw new RangeError(`${op}: index ${bad.value} (at flat position ${bad.at} of index ${fmtShape(index.shape)}) is not an integer in [0, ${size}) for dim ${d} of the input ${fmtShape(x.shape)}`);
  }
  return m;
}

/** src's gradient: g gathered at the index, in the leading corner of zeros of src's shape (src may be larger than the index). */
function sourceGrad(g: Tensor, d: number, idx: Tensor, srcShape: readonly number[]): Tensor {
  const got = gatherAt(g, d, idx);
  if (sameShape(got.shape, srcShape)) return got;
  const out = zeros(srcShape);
  let corner = out.alias();
  got.shape.forEach((n, i) => {
    const next = narrow(corner, i, 0, n);
    corner.dispose();
    corner = next;
  });
  copyInto(corner, got);
  corner.dispose();
  got.dispose();
  return out;
}

const SCATTER_ARGS = { input: param(tensor, required), dim: param(integer(), required), index: param(tensor, required), src: param(tensorOrNumber, required) } as const;

function scatterOp(op: 'scatter' | 'scatterAdd', args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, dim, index, src: given } = parseArgs(op, args, SCATTER_ARGS);
    const d = normDim(op, dim, x.ndim);
    const src = typeof given === 'number' ? full([], given) : given;
    try {
      const idx = checkedIndex(op, x, d, index, typeof given === 'number' ? null : src);
      const result = Tensor.empty(x.shape);
      copyInto(result, x);
      scatterInto(result, d, idx.t, src, op === 'scatterAdd');
      const srcGrad = typeof given !== 'number' && given.requiresGrad;
      if (needsGrad(x, srcGrad ? given : null)) {
        const si = idx.t.keep();
        const srcShape = [...src.shape];
        record(result, op === 'scatter' ? 'ScatterBackward' : 'ScatterAddBackward', srcGrad ? [x, given as Tensor] : [x], [si], (g) => {
          let dx: Tensor | null = null;
          if (x.requiresGrad) {
            dx = clone(g);
            if (op === 'scatter') {
              const zero = full([], 0);
              scatterInto(dx, d, si, zero, false);
              zero.dispose();
            }
          }
          return srcGrad ? [dx, sourceGrad(g, d, si, srcShape)] : [dx];
        });
      }
      if (idx.owned) idx.t.dispose();
      return traced(result, op, [x, index, src], { dim: d });
    } finally {
      if (src !== given) src.dispose();
    }
  });
}

/**
 * A copy of input with src's values written where index points along dim:
 * for dim 1 of a 3-d input, out[i][index[i][j][k]][k] = src[i][j][k] (a
 * number src writes that value). index has the input's rank and is no
 * larger than src, and than the input outside dim. Repeated indices: the
 * last position in row-major order wins. Gradients: g with the written
 * positions zeroed to input; g gathered at index to src.
 * @example scatter(zeros([2, 3]), 1, tensor([[2], [0]]), tensor([[5], [7]])) // [[0, 0, 5], [7, 0, 0]]
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor;
export function scatter(...args: unknown[]): Tensor {
  return scatterOp('scatter', args);
}

/**
 * scatter with accumulation: out[..][index[p]][..] += src[p], repeated
 * indices adding up (in row-major order of the index, deterministic).
 * Gradients: g to input, g gathered at index to src.
 * @example scatterAdd(zeros([3]), 0, tensor([0, 2, 0]), tensor([1, 2, 3])) // [4, 0, 2]
 */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor;
export function scatterAdd(...args: unknown[]): Tensor {
  return scatterOp('scatterAdd', args);
}

// ---------------------------------------------------------------------------
// oneHot

/**
 * One-hot rows: out[..., c] = 1 where c = input[...], else 0, for integer
 * class indices in [0, numClasses); numClasses -1 (the default) takes the
 * largest index + 1. Float32 0/1 (simdgrad has one dtype); no gradient.
 * Shape: [...] -> [..., numClasses].
 * @example oneHot(tensor([0, 2]), 3) // [[1, 0, 0], [0, 0, 1]]
 */
export function oneHot(tensor: Tensor, numClasses?: number): Tensor;
export function oneHot(...args: unknown[]): Tensor {
  return atomic(() => {
    const { tensor: x, numClasses } = parseArgs('oneHot', args, { tensor: param(tensor, required), numClasses: param(integer({ min: -1 }), -1) });
    let classes = numClasses;
    if (classes === -1) {
      if (x.numel() === 0) throw new RangeError('oneHot: cannot infer numClasses from an empty tensor; pass numClasses');
      const m = reduceRaw('oneHot', 'max', x, x.shape.map((_, i) => i), false);
      classes = m.item() + 1;
      m.dispose();
    }
    const m = materialize(x);
    const bad = badIndex(m.t, Number.isFinite(classes) && classes > 0 ? classes : 0);
    if (m.owned) m.t.dispose();
    if (bad !== null) throw new RangeError(`oneHot: class index ${bad.value} (at flat position ${bad.at}) must be an integer in [0, numClasses = ${classes})`);
    const column = unsqueeze(x, -1);
    const range = arange(classes);
    const out = traced(launchBinary('oneHot', 'eq_f32', column, range), 'eq', [column, range]);
    column.dispose();
    range.dispose();
    return out;
  });
}

// ---------------------------------------------------------------------------
// sort, argsort, topk, nonzero

/** Values and indices, as a pair (`const [values, indices] = sort(x)`) that also names them (`.values`, `.indices`). */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

const valuesIndices = (values: Tensor, indices: Tensor): ValuesIndices => Object.assign([values, indices] as [Tensor, Tensor], { values, indices });

/** The sorting permutation of x along dim d (indices as float32, stable, NaN largest), traced as a TopK over the whole dim. */
function sortPermutation(x: Tensor, d: number, descending: boolean): Tensor {
  const out = sortIndices(x, d, descending);
  // the order of the whole dim: ONNX's TopK with k the dim's size (ties keep the lower index first there too)
  return traced(out, 'topk', [x], { dim: x.ndim === 0 ? 0 : d, k: x.ndim === 0 ? 1 : x.shape[d], largest: descending });
}

const SORT_ARGS = { input: param(tensor, required), dim: param(integer(), -1), descending: param(boolean, false), stable: param(boolean, false) } as const;

/**
 * Sorts along dim (the last by default), ascending unless descending; NaN
 * counts as the largest value. The sort is always stable (equal values keep
 * their order), so `stable` is accepted for PyTorch's signature and changes
 * nothing. Returns [values, indices] (indices as float32). Gradient: g back
 * to the positions the values came from.
 * @example const [values, indices] = sort(tensor([3, 1, 2])) // [1, 2, 3], [1, 2, 0]
 */
export function sort(input: Tensor, dim?: number, descending?: boolean, opts?: { stable?: boolean }): ValuesIndices;
export function sort(input: Tensor, opts: { dim?: number; descending?: boolean; stable?: boolean }): ValuesIndices;
export function sort(...args: unknown[]): ValuesIndices {
  return atomic(() => {
    const { input: x, dim, descending } = parseArgs('sort', args, SORT_ARGS, 3);
    const d = normDim('sort', dim, x.ndim);
    const indices = sortPermutation(x, d, descending);
    return valuesIndices(gather(x, d, indices), indices);
  });
}

/**
 * The indices that sort input along dim (sort's second result).
 * @example argsort(tensor([3, 1, 2]), { descending: true }) // [0, 2, 1]
 */
export function argsort(input: Tensor, dim?: number, descending?: boolean, opts?: { stable?: boolean }): Tensor;
export function argsort(input: Tensor, opts: { dim?: number; descending?: boolean; stable?: boolean }): Tensor;
export function argsort(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, dim, descending } = parseArgs('argsort', args, SORT_ARGS, 3);
    return sortPermutation(x, normDim('argsort', dim, x.ndim), descending);
  });
}

const TOPK_ARGS = { input: param(tensor, required), k: param(integer({ min: 0 }), required), dim: param(integer(), -1), largest: param(boolean, true), sorted: param(boolean, true) } as const;

/**
 * The k largest (or smallest) elements along dim, as [values, indices] in
 * sorted order (also when sorted is false: any order is allowed there).
 * Ties keep the lower index first; NaN counts as the largest value.
 * Gradient: g back to the chosen positions. Shape: dim's size becomes k.
 * @example const [values, indices] = topk(tensor([1, 5, 3, 5]), 2) // [5, 5], [1, 3]
 */
export function topk(input: Tensor, k: number, dim?: number, largest?: boolean, sorted?: boolean): ValuesIndices;
export function topk(input: Tensor, k: number, opts: { dim?: number; largest?: boolean; sorted?: boolean }): ValuesIndices;
export function topk(...args: unknown[]): ValuesIndices {
  return atomic(() => {
    const { input: x, k, dim, largest } = parseArgs('topk', args, TOPK_ARGS);
    const d = normDim('topk', dim, x.ndim);
    const size = x.ndim === 0 ? 1 : x.shape[d];
    if (k > size) throw new RangeError(`topk: k = ${k} is larger than dim ${d}'s size ${size} (input ${fmtShape(x.shape)})`);
    const order = sortPermutation(x, d, largest);
    const firstK = x.ndim === 0 ? order.alias() : narrow(order, d, 0, k);
    const indices = clone(firstK);
    firstK.dispose();
    order.dispose();
    return valuesIndices(gather(x, d, indices), indices);
  });
}

/**
 * The positions of the nonzero elements (NaN counts) in row-major order:
 * a [count, ndim] tensor of indices (float32), or with asTuple one 1-d
 * tensor per dim. No gradient.
 * @example nonzero(tensor([[0, 1], [2, 0]])) // [[0, 1], [1, 0]]
 */
export function nonzero(input: Tensor, opts?: { asTuple?: boolean }): Tensor | Tensor[];
export function nonzero(...args: unknown[]): Tensor | Tensor[] {
  return atomic(() => {
    const { input: x, asTuple } = parseArgs('nonzero', args, { input: param(tensor, required), asTuple: param(boolean, false) }, 1);
    const out = nonzeroIndices(x);
    const rank = x.ndim, count = out.shape[0];
    if (!asTuple) return out;
    // PyTorch's as_tuple of a 0-d input is one index tensor
    const cols = rank === 0 ? [zeros([count])] : Array.from({ length: rank }, (_, i) => {
      const column = out.viewOf([count], [rank], i);
      const c = clone(column);
      column.dispose();
      return c;
    });
    out.dispose();
    return cols;
  });
}
