/**
 * Affine layers and shape helpers.
 *   Linear: y = x W^T + b, W of shape [out, in], x of shape [..., in] (the fused ops/matmul linear).
 *   Default init (PyTorch's): W ~ kaimingUniform(a = sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)),
 *   and b ~ U(-1/sqrt(in), 1/sqrt(in)).
 */
import { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { linear } from '../ops/matmul';
import { flatten } from '../ops/views';
import { Module } from './module';
import { kaimingUniform_, uniform_, calculateFans } from './init';

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
