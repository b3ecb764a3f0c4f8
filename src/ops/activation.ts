/**
 * Activations composed from other ops, as functions (F.prelu, F.crelu); the
 * pointwise ones are kernels in src/ops/unary.ts, the modules (PReLU, CReLU)
 * in src/nn/activation.ts.
 */
import type { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { mul, gt } from './binary';
import { where } from './where';
import { neg, relu } from './unary';
import { view } from './views';
import { cat } from './join';
import { integer, param, parseArgs, required, tensor } from '../validate';

const PRELU_FN_ARGS = { input: param(tensor, required), weight: param(tensor, required) };

/**
 * PReLU's function (F.prelu): x where x > 0, a x elsewhere, with `weight` a
 * of shape [1] (one slope) or [C] (one per channel of dim 1 of x).
 * Gradients as PyTorch's, also at x = 0: dx = g (x > 0 ? 1 : a),
 * da = sum g (x > 0 ? 0 : x).
 */
export function prelu(input: Tensor, weight: Tensor): Tensor;
export function prelu(...args: unknown[]): Tensor {
  const { input: x, weight } = parseArgs('prelu', args, PRELU_FN_ARGS);
  if (weight.ndim !== 1) throw new RangeError(`prelu: weight must be 1-D, got ${fmtShape(weight.shape)}`);
  const c = weight.shape[0];
  let a = weight;
  if (c !== 1) {
    if (x.ndim < 2 || x.shape[1] !== c) throw new RangeError(`prelu: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)}: expected ${c} channels in dim 1`);
    a = view(weight, [c, ...new Array<number>(x.ndim - 2).fill(1)]);
  }
  const positive = gt(x, 0);
  const scaled = mul(x, a);
  const out = where(positive, x, scaled);
  for (const t of [positive, scaled]) t.dispose();
  if (a !== weight) a.dispose();
  return out;
}

/**
 * CReLU's function: cat(relu(x), relu(-x)) along `dim` (default 1), which
 * doubles that dim (Shang et al. 2016).
 */
export function crelu(input: Tensor, dim?: number): Tensor;
export function crelu(...args: unknown[]): Tensor {
  const { input: x, dim } = parseArgs('crelu', args, { input: param(tensor, required), dim: param(integer(), 1) });
  const nx = neg(x);
  const a = relu(x), b = relu(nx);
  const out = cat([a, b], dim);
  for (const t of [nx, a, b]) t.dispose();
  return out;
}
