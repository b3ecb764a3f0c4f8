/**
 * Rectifiers and squashing nonlinearities as modules.
 *   ReLU: max(0, x)          LeakyReLU: max(0, x) + s min(0, x)
 *   PReLU: max(0, x) + a min(0, x) = relu(x) - a relu(-x), a learned (one, or one per channel of dim 1)
 *   Maxout (Goodfellow et al. 2013): y_j = max_k (x W^T + b)[j, k] over `pieces` affine maps
 *   CReLU (Shang et al. 2016): cat(relu(x), relu(-x)) along dim, doubling it
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { full } from '../ops/create';
import { sub, mul } from '../ops/binary';
import { neg, relu, leakyRelu, tanh, sigmoid } from '../ops/unary';
import { max } from '../ops/reduce';
import { reshape, view } from '../ops/views';
import { cat } from '../ops/join';
import { Module } from './module';
import { Linear } from './linear';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (!Number.isFinite(negativeSlope)) throw new RangeError(`LeakyReLU: negativeSlope must be finite, got ${negativeSlope}`);
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** relu(x) - a relu(-x) with `a` of shape [1] or [C] (broadcast along dim 1 of x). */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  if (weight.ndim !== 1) throw new RangeError(`prelu: weight must be 1-D, got ${fmtShape(weight.shape)}`);
  const c = weight.shape[0];
  let a = weight;
  if (c !== 1) {
    if (x.ndim < 2 || x.shape[1] !== c) throw new RangeError(`prelu: input ${fmtShape(x.shape)} and weight ${fmtShape(weight.shape)}: expected ${c} channels in dim 1`);
    a = view(weight, [c, ...new Array<number>(x.ndim - 2).fill(1)]);
  }
  const pos = relu(x);
  const nx = neg(x);
  const negPart = relu(nx);
  const scaled = mul(negPart, a);
  const out = sub(pos, scaled);
  for (const t of [pos, nx, negPart, scaled]) t.dispose();
  if (a !== weight) a.dispose();
  return out;
}

/** Parametric ReLU (He et al. 2015) with a learned negative slope. */
export class PReLU extends Module {
  readonly weight: Tensor;

  constructor(readonly opts: { numParameters?: number; init?: number } = {}) {
    super();
    const n = opts.numParameters ?? 1;
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`PReLU: numParameters must be a positive integer, got ${n}`);
    this.weight = this.registerParameter('weight', full([n], opts.init ?? 0.25));
  }

  forward(x: Tensor): Tensor {
    return prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `numParameters=${this.weight.shape[0]}`;
  }
}

/** cat(relu(x), relu(-x)) along dim. */
export function crelu(x: Tensor, dim = 1): Tensor {
  const nx = neg(x);
  const a = relu(x), b = relu(nx);
  const out = cat([a, b], dim);
  for (const t of [nx, a, b]) t.dispose();
  return out;
}

/** Concatenated ReLU: doubles dim `dim` (default 1, the channel/feature dim). */
export class CReLU extends Module {
  readonly dim: number;

  constructor({ dim = 1 }: { dim?: number } = {}) {
    super();
    this.dim = dim;
  }

  forward(x: Tensor): Tensor {
    return crelu(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * Maxout unit: a Linear to outFeatures x pieces, then the max over the pieces.
 * Shape: [N, inFeatures] -> [N, outFeatures]. Output j uses rows j*pieces .. j*pieces+pieces-1 of the weight.
 */
export class Maxout extends Module {
  readonly linear: Linear;

  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly pieces: number) {
    super();
    if (!Number.isInteger(pieces) || pieces <= 0) throw new RangeError(`Maxout: pieces must be a positive integer, got ${pieces}`);
    this.linear = this.registerModule('linear', new Linear(inFeatures, outFeatures * pieces));
  }

  forward(x: Tensor): Tensor {
    const z = this.linear.call(x);
    const grouped = reshape(z, [...z.shape.slice(0, -1), this.outFeatures, this.pieces]);
    const out = max(grouped, -1);
    z.dispose();
    grouped.dispose();
    return out;
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, pieces=${this.pieces}`;
  }
}

/**
 * Maxout over channels (Goodfellow et al. 2013, the convolutional form): the
 * max over each group of `pieces` consecutive channels of dim 1.
 * Shape: [N, C*pieces, *] -> [N, C, *]. Put it after a layer with pieces x
 * the channels.
 */
export class ChannelMaxout extends Module {
  constructor(readonly pieces: number) {
    super();
    if (!Number.isInteger(pieces) || pieces <= 0) throw new RangeError(`ChannelMaxout: pieces must be a positive integer, got ${pieces}`);
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] % this.pieces !== 0) {
      throw new RangeError(`ChannelMaxout: input ${fmtShape(x.shape)} needs a channel dim (1) divisible by pieces=${this.pieces}`);
    }
    const [n, ck, ...rest] = x.shape;
    const grouped = reshape(x, [n, ck / this.pieces, this.pieces, ...rest]);
    const out = max(grouped, 2);
    grouped.dispose();
    return out;
  }

  override extraRepr(): string {
    return `pieces=${this.pieces}`;
  }
}
