/**
 * embedding(indices, weight) with F.embedding's semantics: for indices of any
 * shape S (a float tensor holding integers in [0, numEmbeddings)) and weight
 * (numEmbeddings, embeddingDim),
 *   out[s, :] = weight[indices[s], :]          (shape S + [embeddingDim])
 * Backward: dweight[indices[s], :] += g[s, :] (a scatter-add, so repeated
 * indices accumulate), except that rows at paddingIdx receive nothing.
 * Built on indexSelect over the flattened indices (its index_add kernel is the
 * backward); the padding rule selects the output through a detached copy
 * wherever the index equals paddingIdx, so no gradient reaches that row.
 * With maxNorm, the looked-up rows are renormalised in place first.
 */
import { Tensor } from '../tensor';
import { atomic } from '../autograd/scope';
import { fmtShape } from '../shape';
import { needsGrad } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { checkedIndex, indexSelect } from './gather';
import { renormRows_ } from '../drivers/norm';
import { integer, nullable, number, param, parseArgs } from '../validate';
import { ne } from './binary';
import { reshape } from './views';
import { where } from './where';

/**
 * Options of embedding after indices and weight (V, D): paddingIdx, maxNorm (default none), normType (default 2).
 * @example F.embedding(ids, weight, { paddingIdx: 0 })   // ids (...) -> (..., D)
 */
export interface EmbeddingOptions {
  /** Row whose gradient stays zero; negative values count from the end. */
  paddingIdx?: number | null;
  /**
   * Rows looked up whose normType-norm exceeds maxNorm are first scaled in
   * place to maxNorm / (norm + 1e-7) times themselves (PyTorch's
   * embedding_renorm_, outside autograd; the weight must be contiguous).
   */
  maxNorm?: number | null;
  /** The p of maxNorm's p-norm (default 2; Infinity allowed). */
  normType?: number;
}

/** F.embedding's options after input and weight, in PyTorch's order. */
export const EMBEDDING_OPTIONS = {
  paddingIdx: param(nullable(integer()), null),
  maxNorm: param(nullable(number({ gt: 0, infinite: true })), null),
  normType: param(number({ gt: 0, infinite: true }), 2),
};

/** paddingIdx normalised to [0, numEmbeddings), or -1 for none (PyTorch's range check). */
export function paddingIndex(op: string, paddingIdx: number | null | undefined, numEmbeddings: number): number {
  if (paddingIdx == null) return -1;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) {
    throw new RangeError(`${op}: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings}) for numEmbeddings=${numEmbeddings}, got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/** The indices' error from indexSelect's check, said in embedding's terms. */
function indexError(op: string, indices: Tensor, numEmbeddings: number, e: unknown): unknown {
  return e instanceof RangeError ? new RangeError(`${op}: indices ${fmtShape(indices.shape)} must hold integers in [0, ${numEmbeddings}) (numEmbeddings=${numEmbeddings}): ${e.message}`) : e;
}

/** PyTorch's embedding_renorm_: the rows at `flat` scaled in place to at most maxNorm. */
function renorm(op: string, indices: Tensor, flat: Tensor, weight: Tensor, maxNorm: number, normType: number): void {
  if (!weight.isContiguous()) throw new RangeError(`${op}: maxNorm renormalises the weight in place, so it must be contiguous (got strides [${weight.strides}]); pass weight.contiguous() and keep that tensor`);
  let idx: { t: Tensor; owned: boolean };
  try {
    idx = checkedIndex(op, flat, weight.shape[0]);
  } catch (e) {
    throw indexError(op, indices, weight.shape[0], e);
  }
  renormRows_(weight, idx.t, maxNorm, normType);
  if (idx.owned) idx.t.dispose();
}

/**
 * Rows of `weight` (numEmbeddings, dim) at `indices` (any shape of integers):
 * output indices.shape + [dim]. `embedding(indices, weight, paddingIdx?,
 * maxNorm?, normType?)` as F.embedding, or those as options.
 * @example F.embedding(ids, table, { paddingIdx: 0 });  F.embedding(ids, table, null, 1)
 */
export function embedding(indices: Tensor, weight: Tensor, paddingIdx?: number | null | EmbeddingOptions, maxNorm?: number | null, normType?: number): Tensor;
export function embedding(indices: Tensor, weight: Tensor, ...rest: unknown[]): Tensor {
  return atomic(() => embeddingBody(indices, weight, rest));
}

function embeddingBody(indices: Tensor, weight: Tensor, rest: readonly unknown[]): Tensor {
  const op = 'embedding';
  const o = parseArgs(op, rest, EMBEDDING_OPTIONS);
  if (!(indices instanceof Tensor) || !(weight instanceof Tensor)) throw new TypeError(`${op}: indices and weight must be Tensors`);
  indices.assertAlive(op);
  weight.assertAlive(op);
  if (weight.ndim !== 2) throw new RangeError(`${op}: weight ${fmtShape(weight.shape)} must be 2-d (numEmbeddings, embeddingDim)`);
  const [numEmbeddings, dim] = weight.shape;
  const pad = paddingIndex(op, o.paddingIdx, numEmbeddings);
  const flat = reshape(indices, [indices.numel()]);
  let rows: Tensor;
  try {
    if (o.maxNorm !== null) renorm(op, indices, flat, weight, o.maxNorm, o.normType);
    rows = indexSelect(weight, 0, flat);
  } catch (e) {
    flat.dispose();
    // indexSelect checks every index in wasm (an integer in range); say it in embedding's terms
    throw e instanceof RangeError && e.message.startsWith('indexSelect') ? indexError(op, indices, numEmbeddings, e) : e;
  }
  let picked = rows;
  if (pad >= 0 && needsGrad(weight)) {
    const keep = ne(flat, pad);
    const keepCol = reshape(keep, [keep.numel(), 1]);
    const frozen = rows.detach();
    picked = where(keepCol, rows, frozen);
    for (const t of [keep, keepCol, frozen, rows]) t.dispose();
  }
  flat.dispose();
  const out = reshape(picked, [...indices.shape, dim]);
  picked.dispose();
  return traced(out, 'embedding', [indices, weight]);
}
