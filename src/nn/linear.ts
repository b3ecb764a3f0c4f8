/**
 * Affine layers and shape helpers.
 *   Linear: y = x W^T + b, W of shape [out, in], x of shape [..., in].
 *   Default init (PyTorch's): W ~ kaimingUniform(a = sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
 *   and b ~ U(-1/sqrt(in), 1/sqrt(in)).
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { empty } from '../ops/create';
import { add } from '../ops/binary';
import { matmul } from '../ops/matmul';
import { t as transpose2d, flatten } from '../ops/views';
import { Module } from './module';
import { kaimingUniform_, uniform_, calculateFans } from './init';

/** y = x W^T + b (b optional) for x of shape [..., in] and W of shape [out, in]. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be 2-D [out, in], got ${fmtShape(weight.shape)}`);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new RangeError(`linear: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)}: expected ${weight.shape[1]} input features, got ${x.shape[x.ndim - 1]}`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new RangeError(`linear: bias ${fmtShape(bias.shape)} does not match weight ${fmtShape(weight.shape)} (expected [${weight.shape[0]}])`);
  }
  const wt = transpose2d(weight);
  const y = matmul(x, wt);
  wt.dispose();
  if (bias === null) return y;
  const out = add(y, bias);
  y.dispose();
  return out;
}

/** PyTorch's reset_parameters for Linear and Conv2d: W ~ kaimingUniform(a = sqrt 5), b ~ U(-1/sqrt fanIn, 1/sqrt fanIn). */
export function defaultInit_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const { fanIn } = calculateFans(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

const checkCount = (op: string, what: string, v: number) => {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${op}: ${what} must be a positive integer, got ${v}`);
};

/** Fully connected layer. Shape: [..., inFeatures] -> [..., outFeatures]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, { bias = true }: { bias?: boolean } = {}) {
    super();
    checkCount('Linear', 'inFeatures', inFeatures);
    checkCount('Linear', 'outFeatures', outFeatures);
    this.weight = this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.bias = bias ? this.registerParameter('bias', empty([outFeatures])) : this.registerParameter('bias', null);
    this.resetParameters();
  }

  resetParameters(): void {
    defaultInit_(this.weight, this.bias);
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Returns its input. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims startDim..endDim into one (a view when possible). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
