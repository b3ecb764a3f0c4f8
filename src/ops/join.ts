/**
 * cat joins tensors along an existing dim, stack along a new one.
 * Backward: each input receives its slice of g (a narrow view).
 */
import { Tensor } from '../tensor';
import { atomic } from '../autograd/scope';
import { fmtShape, normDim } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { copyInto } from './create';
import { narrow, unsqueeze } from './views';
import { arrayOf, integer, invalid, param, parseArgs, required, tensor, type Check } from '../validate';

/** A non-empty array of live tensors (cat([a, b]), not cat(a, b)). */
const tensorList: Check<Tensor[]> = (v, at) => {
  if (!Array.isArray(v)) throw invalid(at, 'an array of Tensors', v, v instanceof Tensor ? `pass the tensors in an array: ${at.where}([a, b], dim)` : '');
  if (v.length === 0) throw invalid(at, 'a non-empty array of Tensors', v, '', 'range');
  return arrayOf(tensor, 'Tensors')(v, at);
};

/** cat's and stack's arguments: torch.cat(tensors, dim=0), dim also as an option. */
const JOIN_ARGS = { tensors: param(tensorList, required), dim: param(integer(), 0) } as const;

/**
 * The tensors joined along an existing dim (the other dims must agree).
 * Shape: [a, n1, b] and [a, n2, b] along dim 1 -> [a, n1 + n2, b].
 * @example cat([a, b], 1);  cat([a, b], { dim: -1 })
 */
export function cat(tensors: readonly Tensor[], dim?: number | { dim?: number }): Tensor;
export function cat(...args: unknown[]): Tensor {
  const { tensors, dim } = parseArgs('cat', args, JOIN_ARGS);
  return atomic(() => catBody(tensors, dim));
}

function catBody(tensors: readonly Tensor[], dim: number): Tensor {
  const first = tensors[0];
  if (first.ndim === 0) throw new RangeError('cat: zero-dimensional tensors cannot be concatenated');
  const d = normDim('cat', dim, first.ndim);
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s: number, k: number) => k !== d && s !== first.shape[k])) {
      throw new RangeError(`cat: shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} (tensor ${i}) differ outside dim ${d}`);
    }
  });
  const sizes = tensors.map((t) => t.shape[d]);
  const shape = [...first.shape];
  shape[d] = sizes.reduce((a, b) => a + b, 0);
  const out = Tensor.empty(shape);
  let at = 0;
  for (const t of tensors) {
    const part = narrow(out, d, at, t.shape[d]);
    copyInto(part, t);
    part.dispose();
    at += t.shape[d];
  }
  if (needsGrad(...tensors)) {
    record(out, 'CatBackward', tensors, [], (g) => {
      let start = 0;
      return sizes.map((n, i) => {
        const piece = tensors[i].requiresGrad ? narrow(g, d, start, n) : null;
        start += n;
        return piece;
      });
    });
  }
  return traced(out, 'cat', tensors, { dim: d });
}

/**
 * The tensors (all of one shape) joined along a new dim.
 * @example stack([a, b])   // [2, ...shape];  stack([a, b], { dim: 1 })
 */
export function stack(tensors: readonly Tensor[], dim?: number | { dim?: number }): Tensor;
export function stack(...args: unknown[]): Tensor {
  const { tensors, dim } = parseArgs('stack', args, JOIN_ARGS);
  return atomic(() => stackBody(tensors, dim));
}

function stackBody(tensors: readonly Tensor[], dim: number): Tensor {
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => s !== first.shape[k])) {
      throw new RangeError(`stack: expects each tensor to be equal size, but got ${fmtShape(first.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`);
    }
  });
  const d = normDim('stack', dim, first.ndim + 1);
  const lifted = tensors.map((t) => unsqueeze(t, d));
  const out = cat(lifted, d);
  for (const t of lifted) t.dispose();
  return out;
}
