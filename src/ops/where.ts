/**
 * where(cond, a, b) = cond != 0 ? a : b, all three broadcast together.
 * Backward: g where cond holds to a, elsewhere to b.
 */
import { Tensor, type TensorLike } from '../tensor';
import { atomic } from '../autograd/scope';
import { selectWhere } from '../drivers/elementwise';
import { broadcastShapes } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { copyInto, full, zerosLike } from './create';
import { expand } from './views';
import { tensor as tensorArg, tensorOrNumber } from '../validate';

/** A contiguous copy of x broadcast to `shape`. */
function spreadTo(x: Tensor, shape: number[]): Tensor {
  const e = expand(x, shape);
  const out = Tensor.empty(shape);
  copyInto(out, e);
  e.dispose();
  return out;
}

/** a where cond != 0, else b, broadcast together (a and b may be numbers). @example where(x.gt(0), x, 0) */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return atomic(() => whereBody(cond, a, b));
}

function whereBody(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  tensorArg(cond, { where: 'where', name: 'condition' });
  tensorOrNumber(a, { where: 'where', name: 'input' });
  tensorOrNumber(b, { where: 'where', name: 'other' });
  const ta = a instanceof Tensor ? a : full([], a);
  const tb = b instanceof Tensor ? b : full([], b);
  ta.assertAlive('where');
  tb.assertAlive('where');
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const c = spreadTo(cond, shape), x = spreadTo(ta, shape), y = spreadTo(tb, shape);
  const out = selectWhere(c, x, y);
  x.dispose();
  y.dispose();
  if (needsGrad(ta, tb)) {
    const sc = c.keep();
    record(out, 'WhereBackward', [ta, tb], [sc], (g) => {
      const z = zerosLike(g);
      return [ta.requiresGrad ? where(sc, g, z) : null, tb.requiresGrad ? where(sc, z, g) : null];
    });
  }
  c.dispose();
  traced(out, 'where', [cond, ta, tb]);
  if (ta !== a) ta.dispose();
  if (tb !== b) tb.dispose();
  return out;
}
