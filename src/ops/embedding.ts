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
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { needsGrad } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { indexSelect } from './gather';
import { ne } from './binary';
import { reshape } from './views';
import { where } from './where';

export interface EmbeddingOptions {
  /** Row whose gradient stays zero; negative values count from the end. */
  paddingIdx?: number | null;
  /** Not supported (PyTorch renormalises rows in place); refused with an error. */
  maxNorm?: number | null;
}

/** paddingIdx normalised to [0, numEmbeddings), or -1 for none (PyTorch's range check). */
export function paddingIndex(op: string, paddingIdx: number | null | undefined, numEmbeddings: number): number {
  if (paddingIdx == null) return -1;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings) {
    throw new RangeError(`${op}: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings}) for numEmbeddings=${numEmbeddings}, got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
}

/** Refuses options the op does not implement. */
export function refuseMaxNorm(op: string, maxNorm: unknown): void {
  if (maxNorm != null) throw new RangeError(`${op}: maxNorm is not supported (got ${JSON.stringify(maxNorm)}); renormalise the weight explicitly instead`);
}

export function embedding(indices: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  const op = 'embedding';
  if (!(indices instanceof Tensor) || !(weight instanceof Tensor)) throw new TypeError(`${op}: indices and weight must be Tensors`);
  indices.assertAlive(op);
  weight.assertAlive(op);
  if (weight.ndim !== 2) throw new RangeError(`${op}: weight ${fmtShape(weight.shape)} must be 2-d (numEmbeddings, embeddingDim)`);
  refuseMaxNorm(op, opts.maxNorm);
  const [numEmbeddings, dim] = weight.shape;
  const pad = paddingIndex(op, opts.paddingIdx, numEmbeddings);
  const flat = reshape(indices, [indices.numel()]);
  let rows: Tensor;
  try {
    rows = indexSelect(weight, 0, flat);
  } catch (e) {
    flat.dispose();
    // indexSelect checks every index in wasm (an integer in range); say it in embedding's terms
    if (e instanceof RangeError) throw new RangeError(`${op}: indices ${fmtShape(indices.shape)} must hold integers in [0, ${numEmbeddings}) (numEmbeddings=${numEmbeddings}): ${e.message}`);
    throw e;
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
