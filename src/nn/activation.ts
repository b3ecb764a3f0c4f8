/**
 * Activations as modules: the rectifiers and squashing functions of
 * src/ops/unary.ts (formulas and gradient rules at kinks there) with
 * PyTorch's constructor arguments and defaults, plus the learned or
 * shape-changing ones (PReLU and CReLU over src/ops/activation.ts's
 * functions, Maxout and ChannelMaxout).
 * Every constructor takes PyTorch's positional order or a trailing options
 * object (src/validate.ts); `inplace`, where PyTorch has it, is accepted so
 * that positional calls line up, and the output is always a new tensor.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { full } from '../ops/create';
import { relu, leakyRelu, tanh, sigmoid } from '../ops/unary';
import { prelu, crelu } from '../ops/activation';
import { elu, selu, celu, gelu, silu, mish, softplus, hardtanh, relu6, hardsigmoid, hardswish, logSigmoid, softsign, type GeluApproximate } from '../ops/unary';
import { amax } from '../ops/reduce';
import { reshape } from '../ops/views';
import { Module } from './module';
import { Linear } from './linear';
import { boolean, integer, number, oneOf, param, parseArgs, required, tensor, type Spec } from '../validate';

/** `inplace` (PyTorch's flag): accepted, the result is always a new tensor. */
const INPLACE = { inplace: param(boolean, false) };

/** `{ inplace?: boolean }`: PyTorch's flag, accepted for compatibility (the output is always a new tensor). */
export interface InplaceOption {
  inplace?: boolean;
}

/** An activation with no learned state; checks its constructor arguments against `spec` (PyTorch's). */
abstract class Pointwise extends Module {
  constructor(args: readonly unknown[], spec: Spec) {
    parseArgs(new.target.name, args, spec);
    super();
  }
}

/** max(0, x). Shape: any. @example new nn.ReLU() */
export class ReLU extends Pointwise {
  constructor(inplace?: boolean | InplaceOption);
  constructor(...args: unknown[]) {
    super(args, INPLACE);
  }

  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** tanh(x). Shape: any. */
export class Tanh extends Pointwise {
  constructor(...args: never[]) {
    super(args, {});
  }

  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** 1 / (1 + e^-x). Shape: any. */
export class Sigmoid extends Pointwise {
  constructor(...args: never[]) {
    super(args, {});
  }

  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

const LEAKY_RELU_ARGS = { negativeSlope: param(number(), 0.01), ...INPLACE };

/**
 * max(0, x) + negativeSlope min(0, x) (default slope 0.01). Shape: any.
 * @example new nn.LeakyReLU(0.1)   // or new nn.LeakyReLU({ negativeSlope: 0.1 })
 */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope?: number, inplace?: boolean);
  constructor(opts: { negativeSlope?: number; inplace?: boolean });
  constructor(...args: unknown[]) {
    const a = parseArgs('LeakyReLU', args, LEAKY_RELU_ARGS);
    super();
    this.negativeSlope = a.negativeSlope;
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** PReLU's arguments in PyTorch's positional order (torch.nn.PReLU). */
const PRELU_ARGS = {
  numParameters: param(integer({ min: 1 }), 1),
  init: param(number(), 0.25),
};

/**
 * Parametric ReLU (He et al. 2015): max(0, x) + a min(0, x) with a learned
 * slope a: one shared (numParameters 1, the default) or one per channel of
 * dim 1 (numParameters = C), each starting at `init` (default 0.25).
 * Shape: any; with numParameters C the input needs C channels in dim 1.
 *
 * @example
 * new nn.PReLU();      // one slope
 * new nn.PReLU(4);     // 4 slopes, for (N, 4, ...) inputs
 * new nn.PReLU(4, 0.1) // or new nn.PReLU({ numParameters: 4, init: 0.1 })
 */
export class PReLU extends Module {
  /** The slopes a: [numParameters]. */
  readonly weight: Tensor;
  readonly numParameters: number;

  constructor(numParameters?: number, init?: number);
  constructor(opts: { numParameters?: number; init?: number });
  constructor(...args: unknown[]) {
    const a = parseArgs('PReLU', args, PRELU_ARGS);
    super();
    this.numParameters = a.numParameters;
    this.weight = this.registerParameter('weight', full([a.numParameters], a.init));
  }

  forward(x: Tensor): Tensor {
    return prelu(x, this.weight);
  }

  override extraRepr(): string {
    return `numParameters=${this.numParameters}`;
  }
}

/**
 * Concatenated ReLU (Shang et al. 2016): cat(relu(x), relu(-x)) along dim
 * (default 1, the channel / feature dim), doubling it: [N, C, ...] -> [N, 2C, ...].
 * @example new nn.CReLU()   // new nn.CReLU(-1) for the last dim
 */
export class CReLU extends Module {
  readonly dim: number;

  constructor(dim?: number);
  constructor(opts: { dim?: number });
  constructor(...args: unknown[]) {
    const a = parseArgs('CReLU', args, { dim: param(integer(), 1) });
    super();
    this.dim = a.dim;
  }

  forward(x: Tensor): Tensor {
    return crelu(x, this.dim);
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

const MAXOUT_ARGS = {
  inFeatures: param(integer({ min: 1 }), required),
  outFeatures: param(integer({ min: 1 }), required),
  pieces: param(integer({ min: 1 }), required),
};

/**
 * Maxout unit (Goodfellow et al. 2013): `pieces` affine maps, then the max
 * over them, y_j = max_k (x W^T + b)[j pieces + k]: one Linear to
 * outFeatures x pieces (output j uses rows j*pieces .. j*pieces+pieces-1).
 * Shape: [..., inFeatures] -> [..., outFeatures].
 * @example new nn.Maxout(784, 240, 5)
 */
export class Maxout extends Module {
  /** The affine maps: Linear(inFeatures, outFeatures * pieces). */
  readonly linear: Linear;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly pieces: number;

  constructor(inFeatures: number, outFeatures: number, pieces: number);
  constructor(...args: unknown[]) {
    const a = parseArgs('Maxout', args, MAXOUT_ARGS);
    super();
    this.inFeatures = a.inFeatures;
    this.outFeatures = a.outFeatures;
    this.pieces = a.pieces;
    this.linear = this.registerModule('linear', new Linear(a.inFeatures, a.outFeatures * a.pieces));
  }

  forward(x: Tensor): Tensor {
    const z = this.linear.call(x);
    const grouped = reshape(z, [...z.shape.slice(0, -1), this.outFeatures, this.pieces]);
    const out = amax(grouped, -1);
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
 * @example new nn.Sequential(new nn.Conv2d(3, 32 * 2, 3), new nn.ChannelMaxout(2))
 */
export class ChannelMaxout extends Module {
  readonly pieces: number;

  constructor(pieces: number);
  constructor(...args: unknown[]) {
    const a = parseArgs('ChannelMaxout', args, { pieces: param(integer({ min: 1 }), required) });
    super();
    this.pieces = a.pieces;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim < 2 || x.shape[1] % this.pieces !== 0) {
      throw new RangeError(`ChannelMaxout: input ${fmtShape(x.shape)} needs a channel dim (1) divisible by pieces=${this.pieces}`);
    }
    const [n, ck, ...rest] = x.shape;
    const grouped = reshape(x, [n, ck / this.pieces, this.pieces, ...rest]);
    const out = amax(grouped, 2);
    grouped.dispose();
    return out;
  }

  override extraRepr(): string {
    return `pieces=${this.pieces}`;
  }
}

const ELU_ARGS = { alpha: param(number(), 1), ...INPLACE };

/**
 * ELU (Clevert et al. 2015): x > 0 ? x : alpha (e^x - 1); alpha defaults to 1.
 * Shape: any. @example new nn.ELU(0.5)   // or { alpha: 0.5 }
 */
export class ELU extends Module {
  readonly alpha: number;

  constructor(alpha?: number, inplace?: boolean);
  constructor(opts: { alpha?: number; inplace?: boolean });
  constructor(...args: unknown[]) {
    const a = parseArgs('ELU', args, ELU_ARGS);
    super();
    this.alpha = a.alpha;
  }

  forward(x: Tensor): Tensor {
    return elu(x, { alpha: this.alpha });
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * SELU (Klambauer et al. 2017): scale elu(x, alpha) with
 * alpha = 1.6732632423543772848170429916717, scale = 1.0507009873554804934193349852946.
 * Shape: any.
 */
export class SELU extends Pointwise {
  constructor(inplace?: boolean | InplaceOption);
  constructor(...args: unknown[]) {
    super(args, INPLACE);
  }

  forward(x: Tensor): Tensor {
    return selu(x);
  }
}

const CELU_ARGS = { alpha: param(number({ infinite: false }), 1), ...INPLACE };

/**
 * CELU (Barron 2017): x > 0 ? x : alpha (e^(x/alpha) - 1); alpha defaults to
 * 1 and must not be 0. Shape: any. @example new nn.CELU(0.5)
 */
export class CELU extends Module {
  readonly alpha: number;

  constructor(alpha?: number, inplace?: boolean);
  constructor(opts: { alpha?: number; inplace?: boolean });
  constructor(...args: unknown[]) {
    const a = parseArgs('CELU', args, CELU_ARGS);
    if (a.alpha === 0) throw new RangeError('CELU: alpha cannot be 0 (the input is divided by alpha)');
    super();
    this.alpha = a.alpha;
  }

  forward(x: Tensor): Tensor {
    return celu(x, { alpha: this.alpha });
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * GELU (Hendrycks & Gimpel 2016): x Phi(x) with the exact erf
 * (approximate 'none', the default) or PyTorch's tanh approximation ('tanh').
 * Shape: any. @example new nn.GELU('tanh')   // or { approximate: 'tanh' }
 */
export class GELU extends Module {
  readonly approximate: GeluApproximate;

  constructor(approximate?: GeluApproximate);
  constructor(opts: { approximate?: GeluApproximate });
  constructor(...args: unknown[]) {
    const a = parseArgs('GELU', args, { approximate: param(oneOf(['none', 'tanh'] as const), 'none') });
    super();
    this.approximate = a.approximate;
  }

  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** SiLU / swish: x sigmoid(x). Shape: any. */
export class SiLU extends Pointwise {
  constructor(inplace?: boolean | InplaceOption);
  constructor(...args: unknown[]) {
    super(args, INPLACE);
  }

  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** Mish (Misra 2019): x tanh(softplus(x)). Shape: any. */
export class Mish extends Pointwise {
  constructor(inplace?: boolean | InplaceOption);
  constructor(...args: unknown[]) {
    super(args, INPLACE);
  }

  forward(x: Tensor): Tensor {
    return mish(x);
  }
}

const SOFTPLUS_ARGS = { beta: param(number(), 1), threshold: param(number({ infinite: true }), 20) };

/**
 * log(1 + e^(beta x)) / beta, reverting to x where beta x > threshold;
 * beta defaults to 1, threshold to 20. Shape: any.
 * @example new nn.Softplus(2, 10)   // or { beta: 2, threshold: 10 }
 */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;

  constructor(beta?: number, threshold?: number);
  constructor(opts: { beta?: number; threshold?: number });
  constructor(...args: unknown[]) {
    const a = parseArgs('Softplus', args, SOFTPLUS_ARGS);
    super();
    this.beta = a.beta;
    this.threshold = a.threshold;
  }

  forward(x: Tensor): Tensor {
    return softplus(x, { beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

const HARDTANH_ARGS = { minVal: param(number({ infinite: true }), -1), maxVal: param(number({ infinite: true }), 1), ...INPLACE };

/**
 * min(max(x, minVal), maxVal), defaults -1 and 1, with minVal < maxVal
 * (PyTorch's module asserts max_val > min_val); gradient only strictly inside.
 * Shape: any. @example new nn.Hardtanh(0, 6)   // or { minVal: 0, maxVal: 6 }
 */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;

  constructor(minVal?: number, maxVal?: number, inplace?: boolean);
  constructor(opts: { minVal?: number; maxVal?: number; inplace?: boolean });
  constructor(...args: unknown[]) {
    const a = parseArgs('Hardtanh', args, HARDTANH_ARGS);
    if (!(a.maxVal > a.minVal)) throw new RangeError(`Hardtanh: maxVal must be greater than minVal, got minVal=${a.minVal}, maxVal=${a.maxVal}`);
    super();
    this.minVal = a.minVal;
    this.maxVal = a.maxVal;
  }

  forward(x: Tensor): Tensor {
    return hardtanh(x, { minVal: this.minVal, maxVal: this.maxVal });
  }

  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** min(max(x, 0), 6) (hardtanh with bounds 0 and 6). Shape: any. */
export class ReLU6 extends Pointwise {
  constructor(inplace?: boolean | InplaceOption);
  constructor(...args: unknown[]) {
    super(args, INPLACE);
  }

  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}

/** min(max(x + 3, 0), 6) / 6. Shape: any. */
export class Hardsigmoid extends Pointwise {
  constructor(inplace?: boolean | InplaceOption);
  constructor(...args: unknown[]) {
    super(args, INPLACE);
  }

  forward(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
}

/** Hard swish (Howard et al. 2019): x min(max(x + 3, 0), 6) / 6. Shape: any. */
export class Hardswish extends Pointwise {
  constructor(inplace?: boolean | InplaceOption);
  constructor(...args: unknown[]) {
    super(args, INPLACE);
  }

  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
}

/** log(sigmoid(x)), computed without overflow. Shape: any. */
export class LogSigmoid extends Pointwise {
  constructor(...args: never[]) {
    super(args, {});
  }

  forward(x: Tensor): Tensor {
    return logSigmoid(x);
  }
}

/** x / (1 + |x|). Shape: any. */
export class Softsign extends Pointwise {
  constructor(...args: never[]) {
    super(args, {});
  }

  forward(x: Tensor): Tensor {
    return softsign(x);
  }
}
