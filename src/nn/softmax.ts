/**
 * Softmax and LogSoftmax as modules (the functional ops of src/ops/softmax.ts):
 *   Softmax: y_i = e^(x_i) / sum_j e^(x_j) along dim;  LogSoftmax: log of it.
 * dim null is PyTorch's legacy implicit choice: 0 for 0-d, 1-d and 3-d
 * inputs, else 1 (pass dim explicitly; PyTorch warns about this too).
 */
import type { Tensor } from '../tensor';
import { integer, nullable, param, parseArgs } from '../validate';
import { softmax, logSoftmax } from '../ops/softmax';
import { Module } from './module';

const DIM_ARGS = { dim: param(nullable(integer()), null) } as const;

/** PyTorch's _get_softmax_dim for dim = None. */
const implicitDim = (x: Tensor): number => (x.ndim === 0 || x.ndim === 1 || x.ndim === 3 ? 0 : 1);

/**
 * Softmax along dim: [*] -> [*], each slice along dim sums to 1.
 * @example new nn.Softmax(-1).forward(tensor([[1, 2]])) // [[0.269, 0.731]]
 */
export class Softmax extends Module {
  readonly dim: number | null;
  constructor(dim?: number | null);
  constructor(...args: unknown[]) {
    const { dim } = parseArgs('Softmax', args, DIM_ARGS);
    super();
    this.dim = dim;
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim ?? implicitDim(x));
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * log(softmax(x)) along dim, computed stably (x - max - log sum e^(x - max)).
 * @example new nn.LogSoftmax(1)
 */
export class LogSoftmax extends Module {
  readonly dim: number | null;
  constructor(dim?: number | null);
  constructor(...args: unknown[]) {
    const { dim } = parseArgs('LogSoftmax', args, DIM_ARGS);
    super();
    this.dim = dim;
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim ?? implicitDim(x));
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
