/** In-place writes: fill_ and copy_. They record no history (use them on leaves under noGrad, or on plain tensors). */
import type { Tensor } from '../tensor';
import { broadcastShapes, fmtShape, sameShape } from '../shape';
import { isGradEnabled } from '../autograd/graph';
import { copyInto, full } from './create';
import { expand } from './views';
import { invalid, tensor as tensorArg } from '../validate';

/** Refuses in-place writes that would corrupt autograd (PyTorch's rule for leaves). */
export function checkInPlace(op: string, t: Tensor): void {
  t.assertAlive(op);
  if (isGradEnabled() && t.requiresGrad) {
    throw new Error(`${op}: a leaf tensor that requires grad (or a tensor in a graph) cannot be modified in place; wrap the call in noGrad()`);
  }
}

export function fill_(t: Tensor, v: number): void {
  checkInPlace('fill_', t);
  if (typeof v !== 'number') throw invalid({ where: 'fill_', name: 'value' }, 'a number', v);
  const s = full([], v);
  const e = expand(s, [...t.shape]);
  copyInto(t, e);
  e.dispose();
  s.dispose();
}

/** Copies src (broadcastable to t's shape) into t. */
export function copy_(t: Tensor, src: Tensor): void {
  checkInPlace('copy_', t);
  tensorArg(src, { where: 'copy_', name: 'src' });
  const shape = broadcastShapes('copy_', t.shape, src.shape);
  if (!sameShape(shape, t.shape)) throw new RangeError(`copy_: source ${fmtShape(src.shape)} does not broadcast to ${fmtShape(t.shape)}`);
  if (src.storage === t.storage) {
    const tmp = src.clone();
    copy_(t, tmp);
    tmp.dispose();
    return;
  }
  const e = expand(src, [...t.shape]);
  copyInto(t, e);
  e.dispose();
}
