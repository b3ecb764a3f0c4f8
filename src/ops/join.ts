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

/** The tensors joined along an existing dim (the other dims must agree). @example cat([a, b], 1) */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return atomic(() => catBody(tensors, dim));
}

function catBody(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('cat: expected a non-empty array of tensors');
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`cat: element ${i} is not a Tensor`);
    t.assertAlive('cat');
  });
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

/** The tensors (all of one shape) joined along a new dim. @example stack([a, b])   // [2, ...shape] */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return atomic(() => stackBody(tensors, dim));
}

function stackBody(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new RangeError('stack: expected a non-empty array of tensors');
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (!(t instanceof Tensor)) throw new TypeError(`stack: element ${i} is not a Tensor`);
    t.assertAlive('stack');
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
