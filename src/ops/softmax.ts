/**
 * softmax(x)_i = e^(x_i - m) / sum_j e^(x_j - m) and
 * logSoftmax(x)_i = x_i - m - log sum_j e^(x_j - m), with m the max along dim
 * (numerically stable). Backward, with y the saved output:
 *   softmax:    dx = y (g - sum(g y))
 *   logSoftmax: dx = g - e^y sum(g)
 */
import { Tensor } from '../tensor';
import { softmaxRows, softmaxRowsBackward } from '../drivers/softmax';
import { normDim } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { materialize } from './create';
import { transpose } from './views';
import { atomic } from '../autograd/scope';
import { integer, param, parseArgs, required, tensor as tensorArg } from '../validate';

/** Runs a row driver along `dim`: directly when dim is last, else through a transposed copy. */
function alongDim(x: Tensor, dim: number, rows: (t: Tensor) => Tensor): Tensor {
  const last = x.ndim - 1;
  if (dim === last || x.ndim === 0) return rows(x);
  const xt = transpose(x, dim, last);
  const rt = rows(xt);
  const back = transpose(rt, dim, last);
  const { t: out } = materialize(back);
  for (const u of [xt, rt, back]) if (u !== out) u.dispose();
  return out;
}

function softmaxOp(name: string, log: boolean, x: Tensor, dim: number): Tensor {
  tensorArg(x, { where: name, name: 'input' });
  return atomic(() => softmaxBody(name, log, x, dim));
}

function softmaxBody(name: string, log: boolean, x: Tensor, dim: number): Tensor {
  const d = normDim(name, dim, x.ndim);
  const out = alongDim(x, d, (t) => softmaxRows(t, log));
  if (needsGrad(x)) {
    const y = out.keep();
    record(out, log ? 'LogSoftmaxBackward' : 'SoftmaxBackward', [x], [y], (g) => {
      // pair y and g along the dim through one row kernel over both
      const last = x.ndim - 1;
      const yt = d === last ? y : transpose(y, d, last);
      const gt = d === last ? g : transpose(g, d, last);
      const dx = softmaxRowsBackward(yt, gt, log);
      return [d === last ? dx : transpose(dx, d, last)];
    });
  }
  return traced(out, name, [x], { dim: d });
}

const DIM_ARG = { dim: param(integer(), required) };

/**
 * softmax along `dim` (required, as PyTorch recommends; negative counts from the end). Shape: any, unchanged.
 * @example F.softmax(logits, 1);  F.softmax(logits, { dim: -1 })
 */
export function softmax(x: Tensor, dim: number | { dim: number }): Tensor;
export function softmax(x: Tensor, ...args: unknown[]): Tensor {
  return softmaxOp('softmax', false, x, parseArgs('softmax', args, DIM_ARG).dim);
}

/**
 * log(softmax(x)) along `dim`, computed stably. Shape: any, unchanged.
 * @example F.logSoftmax(logits, 1)
 */
export function logSoftmax(x: Tensor, dim: number | { dim: number }): Tensor;
export function logSoftmax(x: Tensor, ...args: unknown[]): Tensor {
  return softmaxOp('logSoftmax', true, x, parseArgs('logSoftmax', args, DIM_ARG).dim);
}
