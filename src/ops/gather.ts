/**
 * Indexing by tensors of indices (float32 holding integers, validated).
 *   indexSelect(x, dim, idx): out[..., j, ...] = x[..., idx[j], ...];
 *     backward: dx[..., idx[j], ...] += g[..., j, ...]
 *   gather(x, dim, idx): out[i][j][k] = x[i][idx[i][j][k]][k] (for dim 1);
 *     backward: scatter-add of g into zeros at the same positions.
 */
import { Tensor } from '../tensor';
import { atomic } from '../autograd/scope';
import { firstBadIndex, gatherAlong, gatherAlongBackward, selectRows, selectRowsBackward } from '../drivers/indexing';
import { fmtShape, normDim, numel } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { materialize, tensor, zeros } from './create';
import { narrow } from './views';
import { tensor as tensorArg } from '../validate';

/**
 * Internal: the first element of the contiguous tensor t that is not an
 * integer in [0, size), as its flat position and value, or null (the wasm check).
 */
export function badIndex(t: Tensor, size: number): { at: number; value: number } | null {
  return firstBadIndex(t, size);
}

/** The indices as a contiguous tensor, each checked to be an integer in [0, size). */
export function checkedIndex(op: string, index: Tensor | readonly number[], size: number): { t: Tensor; owned: boolean } {
  const given = index instanceof Tensor ? index : tensor(index as number[]);
  if (given.disposed) given.assertAlive(op);
  const m = materialize(given);
  const owned = m.owned || given !== index;
  if (m.owned && given !== index) given.dispose();
  const bad = badIndex(m.t, size);
  if (bad !== null) {
    if (owned) m.t.dispose();
    throw new RangeError(`${op}: index ${bad.value} (at position ${bad.at}) out of range for dim of size ${size}`);
  }
  return { t: m.t, owned };
}

/** The slices of x at `index` (integers) along dim; the gradient is scattered back (repeats add). @example x.indexSelect(0, [2, 0]) */
export function indexSelect(x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  return atomic(() => indexSelectBody(x, dim, index));
}

function indexSelectBody(x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  tensorArg(x, { where: 'indexSelect', name: 'input' });
  const d = normDim('indexSelect', dim, x.ndim);
  if (index instanceof Tensor && index.ndim > 1) throw new RangeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`);
  const size = x.ndim === 0 ? 1 : x.shape[d];
  const { t: idx, owned } = checkedIndex('indexSelect', index, size);
  const k = idx.numel();
  const outer = numel(x.shape.slice(0, d)), inner = numel(x.shape.slice(d + 1));
  const shape = x.ndim === 0 ? [] : [...x.shape];
  if (x.ndim > 0) shape[d] = k;
  const out = selectRows(x, [outer, size, inner], idx, shape);
  if (needsGrad(x)) {
    const si = idx.keep();
    const inShape = x.shape;
    record(out, 'IndexSelectBackward', [x], [si], (g) => [selectRowsBackward(g, [outer, size, inner], si, inShape)]);
  }
  traced(out, 'indexSelect', [x, idx], { dim: d });
  if (owned) idx.dispose();
  return out;
}

/**
 * gather(x, dim, index): out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1),
 * out of index's shape. As PyTorch's, index may be smaller than x in every
 * dim (not only dim): only its leading part of x is read outside dim.
 * Backward: g scatter-added into zeros at the same positions.
 * @example logp.gather(1, labels.unsqueeze(1))
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  return atomic(() => gatherBody(x, dim, index));
}

function gatherBody(x: Tensor, dim: number, index: Tensor): Tensor {
  tensorArg(x, { where: 'gather', name: 'input' });
  tensorArg(index, { where: 'gather', name: 'index' });
  const d = normDim('gather', dim, x.ndim);
  if (index.ndim !== x.ndim) throw new RangeError(`gather: index ${fmtShape(index.shape)} must have the same rank as input ${fmtShape(x.shape)}`);
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] > x.shape[i]) {
      throw new RangeError(`gather: index shape ${fmtShape(index.shape)} must not exceed input shape ${fmtShape(x.shape)} outside dim ${d} (dim ${i}: ${index.shape[i]} > ${x.shape[i]})`);
    }
  }
  if (index.shape.some((n, i) => i !== d && n < x.shape[i])) {
    // the leading part of x that index covers, as a view (its backward pads the gradient back)
    let part = x;
    for (let i = 0; i < x.ndim; i++) {
      if (i === d || index.shape[i] === x.shape[i]) continue;
      const next = narrow(part, i, 0, index.shape[i]);
      if (part !== x) part.dispose();
      part = next;
    }
    try {
      return gather(part, d, index);
    } finally {
      part.dispose();
    }
  }
  const size = x.ndim === 0 ? 1 : x.shape[d];
  const { t: idx, owned } = checkedIndex('gather', index, size);
  const k = x.ndim === 0 ? 1 : index.shape[d];
  const outer = numel(x.shape.slice(0, d)), inner = numel(x.shape.slice(d + 1));
  const out = gatherAlong(x, [outer, size, inner], idx, k);
  if (needsGrad(x)) {
    const si = idx.keep();
    const inShape = x.shape;
    record(out, 'GatherBackward', [x], [si], (g) => [gatherAlongBackward(g, [outer, size, inner], si, k, inShape)]);
  }
  traced(out, 'gather', [x, idx], { dim: d });
  if (owned) idx.dispose();
  return out;
}
