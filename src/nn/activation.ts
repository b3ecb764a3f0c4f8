/**
 * Rectifiers and squashing nonlinearities as modules.
 *   ReLU: max(0, x)          LeakyReLU: max(0, x) + s min(0, x)
 *   PReLU: max(0, x) + a min(0, x) = relu(x) - a relu(-x), a learned (one, or one per channel of dim 1)
 *   Maxout (Goodfellow et al. 2013): y_j = max_k (x W^T + b)[j, k] over `pieces` affine maps
 *   CReLU (Shang et al. 2016): cat(relu(x), relu(-x)) along dim, doubling it
 *   ELU, SELU, CELU, GELU, SiLU, Mish, Softplus, Hardtanh, ReLU6, Hardsigmoid,
 *   Hardswish, LogSigmoid, Softsign: the functional ops of src/ops/unary.ts
 *   (formulas and gradient rules there) with PyTorch's defaults
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { full } from '../ops/create';
import { sub, mul } from '../ops/binary';
import { neg, relu, leakyRelu, tanh, sigmoid } from '../ops/unary';
import { elu, selu, celu, gelu, silu, mish, softplus, hardtanh, relu6, hardsigmoid, hardswish, logSigmoid, softsign } from '../ops/unary';
import { checkOptions, numberOption, geluApproximate, hardtanhBounds, type EluOptions, type GeluApproximate, type GeluOptions, type SoftplusOptions, type HardtanhOptions } from '../ops/unary';
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

/** ELU (Clevert et al. 2015): x > 0 ? x : alpha (e^x - 1); alpha defaults to 1. */
export class ELU extends Module {
  readonly alpha: number;

  constructor(opts: EluOptions = {}) {
    super();
    checkOptions('ELU', opts, ['alpha']);
    this.alpha = numberOption('ELU', 'alpha', opts.alpha ?? 1);
  }

  forward(x: Tensor): Tensor {
    return elu(x, { alpha: this.alpha });
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** SELU (Klambauer et al. 2017): scale elu(x, alpha) with alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946. */
export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return selu(x);
  }
}

/** CELU (Barron 2017): x > 0 ? x : alpha (e^(x/alpha) - 1); alpha defaults to 1 and must not be 0. */
export class CELU extends Module {
  readonly alpha: number;

  constructor(opts: EluOptions = {}) {
    super();
    checkOptions('CELU', opts, ['alpha']);
    this.alpha = numberOption('CELU', 'alpha', opts.alpha ?? 1);
    if (this.alpha === 0) throw new RangeError('CELU: alpha cannot be 0 (the input is divided by alpha)');
  }

  forward(x: Tensor): Tensor {
    return celu(x, { alpha: this.alpha });
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** GELU (Hendrycks & Gimpel 2016): x Phi(x); approximate 'none' (default, exact erf) or 'tanh'. */
export class GELU extends Module {
  readonly approximate: GeluApproximate;

  constructor(opts: GeluOptions = {}) {
    super();
    checkOptions('GELU', opts, ['approximate']);
    this.approximate = geluApproximate('GELU', opts.approximate ?? 'none');
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** SiLU / swish: x sigmoid(x). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Mish (Misra 2019): x tanh(softplus(x)). */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return mish(x);
  }
}

/** log(1 + e^(beta x)) / beta, x where beta x > threshold; beta defaults to 1, threshold to 20. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(opts: SoftplusOptions = {}) {
    super();
    checkOptions('Softplus', opts, ['beta', 'threshold']);
    this.beta = numberOption('Softplus', 'beta', opts.beta ?? 1);
    this.threshold = numberOption('Softplus', 'threshold', opts.threshold ?? 20, { finite: false });
  }

  forward(x: Tensor): Tensor {
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** min(max(x, minVal), maxVal) with minVal < maxVal (PyTorch's module asserts max_val > min_val); defaults -1, 1. */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;

  constructor(opts: HardtanhOptions = {}) {
    super();
    [this.minVal, this.maxVal] = hardtanhBounds('Hardtanh', opts);
    if (this.minVal === this.maxVal) throw new RangeError(`Hardtanh: maxVal must be greater than minVal, got minVal=${this.minVal}, maxVal=${this.maxVal}`);
  }

  forward(x: Tensor): Tensor {
    return hardtanh(x, { minVal: this.minVal, maxVal: this.maxVal });
  }

  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** min(max(x, 0), 6) (hardtanh with bounds 0 and 6). */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/** min(max(x + 3, 0), 6) / 6. */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
}

/** Hard swish (Howard et al. 2019): x min(max(x + 3, 0), 6) / 6. */
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
}

/** log(sigmoid(x)), computed without overflow. */
export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor {
    return logSigmoid(x);
  }
}

/** x / (1 + |x|). */
export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return softsign(x);
  }
}
