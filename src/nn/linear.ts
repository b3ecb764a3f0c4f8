/** Affine layers and shape helpers: Linear, Identity, Flatten. */
import { Tensor } from '../tensor';
import { empty } from '../ops/create';
import { linear } from '../ops/matmul';
import { flatten, view } from '../ops/views';
import { Module } from './module';
import { kaimingUniform_, uniform_, calculateFans } from './init';
import { boolean, integer, param, parseArgs, required } from '../validate';

/** PyTorch's reset_parameters for Linear and Conv2d: W ~ kaimingUniform(a = sqrt 5), b ~ U(-1/sqrt fanIn, 1/sqrt fanIn). */
export function defaultInit_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const { fanIn } = calculateFans(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}

/** Options of Linear beyond its sizes. */
export interface LinearOptions {
  /** Learn an additive bias b (default true). */
  bias?: boolean;
}

/** Linear's arguments in PyTorch's positional order (torch.nn.Linear). */
const LINEAR_ARGS = {
  inFeatures: param(integer({ min: 1 }), required),
  outFeatures: param(integer({ min: 1 }), required),
  bias: param(boolean, true),
};

/**
 * Fully connected layer: y = x W^T + b (the fused linear op), W of shape
 * [outFeatures, inFeatures], b of shape [outFeatures].
 * Shape: [..., inFeatures] -> [..., outFeatures].
 * Default init (PyTorch's): W ~ kaimingUniform(a = sqrt 5), i.e.
 * U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in)).
 *
 * @example
 * new nn.Linear(784, 10);            // with bias
 * new nn.Linear(4, 3, false);        // PyTorch's positional bias=False
 * new nn.Linear(4, 3, { bias: false });
 */
export class Linear extends Module {
  /** [outFeatures, inFeatures]. */
  readonly weight: Tensor;
  /** [outFeatures], or null with bias false. */
  readonly bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, opts?: LinearOptions);
  constructor(inFeatures: number, outFeatures: number, bias?: boolean);
  constructor(...args: unknown[]) {
    const a = parseArgs('Linear', args, LINEAR_ARGS);
    super();
    this.inFeatures = a.inFeatures;
    this.outFeatures = a.outFeatures;
    this.weight = this.registerParameter('weight', empty([a.outFeatures, a.inFeatures]));
    this.bias = this.registerParameter('bias', a.bias ? empty([a.outFeatures]) : null);
    this.resetParameters();
  }

  /** Re-draws weight and bias from the default init. */
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

/**
 * Passes its input through: forward returns a new handle on the same data
 * (an alias with the input's gradient history), so disposing the output
 * leaves the input alive. Takes no arguments (PyTorch's ignores any).
 */
export class Identity extends Module {
  constructor(...args: never[]) {
    parseArgs('Identity', args, {});
    super();
  }

  forward(x: Tensor): Tensor {
    return passThrough('Identity', x);
  }
}

/** A new handle on x's data carrying x's gradient (what Identity and eval-mode dropout return). */
export function passThrough(op: string, x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: input must be a Tensor`);
  x.assertAlive(op);
  return view(x, x.shape);
}

/** Flatten's arguments in PyTorch's positional order (torch.nn.Flatten). */
const FLATTEN_ARGS = {
  startDim: param(integer(), 1),
  endDim: param(integer(), -1),
};

/**
 * Flattens dims startDim..endDim (default 1..-1) into one, a view when
 * possible. Shape: [N, C, H, W] -> [N, C*H*W] with the defaults.
 *
 * @example
 * new nn.Flatten();        // [N, C, H, W] -> [N, C*H*W]
 * new nn.Flatten(0, 1);    // [N, C, H, W] -> [N*C, H, W]
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim?: number, endDim?: number);
  constructor(opts: { startDim?: number; endDim?: number });
  constructor(...args: unknown[]) {
    const a = parseArgs('Flatten', args, FLATTEN_ARGS);
    super();
    this.startDim = a.startDim;
    this.endDim = a.endDim;
  }

  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
