/**
 * In-place initialisers (PyTorch's torch.nn.init). They run under noGrad, so
 * they apply to parameters directly, and return the tensor. The fans of a
 * weight of shape [out, in, k...] (calculateFans): receptive = prod(k...),
 * fanIn = in * receptive, fanOut = out * receptive.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { fill_, copy_ } from '../ops/inplace';
import { uniform_ as uniformFill, normal_ as normalFill, randn } from '../ops/random';
import { reshape, t as transpose2d } from '../ops/views';
import { mul } from '../ops/binary';
import { orthonormalizeRows_ } from '../drivers/linalg';
import { nullable, number, oneOf, param, parseArgs, required, tensor } from '../validate';

/** The nonlinearities calculateGain knows ('leaky_relu' is PyTorch's spelling of 'leakyRelu'). */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'leaky_relu' | 'selu';

const nonlinearity = oneOf(['linear', 'conv1d', 'conv2d', 'conv3d', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'leaky_relu', 'selu'] as const);

/**
 * PyTorch's calculate_gain: the std scale that keeps activations' variance
 * through a nonlinearity: 1 for linear, conv and sigmoid; 5/3 for tanh;
 * sqrt 2 for relu; sqrt(2 / (1 + slope^2)) for leakyRelu (param: the
 * negative slope, default 0.01); 3/4 for selu.
 * @example nn.init.calculateGain('leakyRelu', 0.2)
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number;
export function calculateGain(...args: unknown[]): number {
  const a = parseArgs('calculateGain', args, GAIN_ARGS);
  const param = a.param;
  switch (a.nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
  }
}

const GAIN_ARGS = { nonlinearity: param(nonlinearity, required), param: param(nullable(number()), null) };

/** fanIn and fanOut of a weight (rank >= 2), as PyTorch computes them: fanIn = in * receptive, fanOut = out * receptive. */
export function calculateFans(w: Tensor): { fanIn: number; fanOut: number } {
  tensor(w, { where: 'calculateFans', name: 'tensor' });
  if (w.ndim < 2) throw new RangeError(`init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, got shape ${fmtShape(w.shape)}`);
  let receptive = 1;
  for (let i = 2; i < w.ndim; i++) receptive *= w.shape[i];
  return { fanIn: w.shape[1] * receptive, fanOut: w.shape[0] * receptive };
}

const inPlace = <T>(fn: () => T): T => noGrad(fn);

const target = param(tensor, required);
const UNIFORM_ARGS = { tensor: target, a: param(number(), 0), b: param(number(), 1) };

/**
 * Fills w with draws from U(a, b), a <= b (defaults 0 and 1).
 * @example nn.init.uniform_(layer.weight, -0.1, 0.1)
 */
export function uniform_(w: Tensor, a?: number, b?: number): Tensor;
export function uniform_(w: Tensor, opts: { a?: number; b?: number }): Tensor;
export function uniform_(...args: unknown[]): Tensor {
  const { tensor: w, a, b } = parseArgs('uniform_', args, UNIFORM_ARGS);
  if (a > b) throw new RangeError(`uniform_: a must be <= b, got a=${a}, b=${b}`);
  inPlace(() => uniformFill(w, a, b));
  return w;
}

const NORMAL_ARGS = { tensor: target, mean: param(number(), 0), std: param(number({ min: 0 }), 1) };

/**
 * Fills w with draws from N(mean, std^2) (defaults 0 and 1).
 * @example nn.init.normal_(layer.weight, 0, 0.02)   // DCGAN's init
 */
export function normal_(w: Tensor, mean?: number, std?: number): Tensor;
export function normal_(w: Tensor, opts: { mean?: number; std?: number }): Tensor;
export function normal_(...args: unknown[]): Tensor {
  const { tensor: w, mean, std } = parseArgs('normal_', args, NORMAL_ARGS);
  inPlace(() => normalFill(w, mean, std));
  return w;
}

const CONSTANT_ARGS = { tensor: target, val: param(number({ infinite: true }), required) };

/** Fills w with `val`. @example nn.init.constant_(layer.bias, 0.1) */
export function constant_(w: Tensor, val: number): Tensor;
export function constant_(...args: unknown[]): Tensor {
  const { tensor: w, val } = parseArgs('constant_', args, CONSTANT_ARGS);
  inPlace(() => fill_(w, val));
  return w;
}

/** Fills w with zeros. */
export function zeros_(w: Tensor): Tensor;
export function zeros_(...args: unknown[]): Tensor {
  return constant_(parseArgs('zeros_', args, { tensor: target }).tensor, 0);
}

/** Fills w with ones. */
export function ones_(w: Tensor): Tensor;
export function ones_(...args: unknown[]): Tensor {
  return constant_(parseArgs('ones_', args, { tensor: target }).tensor, 1);
}

const GAIN_ONLY_ARGS = { tensor: target, gain: param(number(), 1) };

/**
 * Glorot & Bengio 2010: U(-a, a) with a = gain sqrt(6 / (fanIn + fanOut)) (gain default 1).
 * @example nn.init.xavierUniform_(layer.weight, nn.init.calculateGain('tanh'))
 */
export function xavierUniform_(w: Tensor, gain?: number): Tensor;
export function xavierUniform_(...args: unknown[]): Tensor {
  const { tensor: w, gain } = parseArgs('xavierUniform_', args, GAIN_ONLY_ARGS);
  const { fanIn, fanOut } = calculateFans(w);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(w, -a, a);
}

/** Glorot & Bengio 2010: N(0, std^2) with std = gain sqrt(2 / (fanIn + fanOut)) (gain default 1). */
export function xavierNormal_(w: Tensor, gain?: number): Tensor;
export function xavierNormal_(...args: unknown[]): Tensor {
  const { tensor: w, gain } = parseArgs('xavierNormal_', args, GAIN_ONLY_ARGS);
  const { fanIn, fanOut } = calculateFans(w);
  return normal_(w, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Options of the Kaiming initialisers (PyTorch's a, mode, nonlinearity; mode in camelCase). */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leakyRelu only). Default 0. */
  a?: number;
  /** Keep the variance of the forward pass ('fanIn', default) or of the backward pass ('fanOut'). */
  mode?: 'fanIn' | 'fanOut';
  /** Default 'leakyRelu' (with a = 0 that is ReLU's gain sqrt(2)), as PyTorch. */
  nonlinearity?: Nonlinearity;
}

/** The Kaiming initialisers' arguments in PyTorch's positional order (tensor, a, mode, nonlinearity). */
const KAIMING_ARGS = {
  tensor: target,
  a: param(number(), 0),
  mode: param(oneOf(['fanIn', 'fanOut'] as const), 'fanIn'),
  nonlinearity: param(nonlinearity, 'leakyRelu'),
};

function kaimingStd(op: string, args: unknown[]): { w: Tensor; std: number } {
  const { tensor: w, a, mode, nonlinearity: f } = parseArgs(op, args, KAIMING_ARGS);
  const fans = calculateFans(w);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  if (fan === 0) throw new RangeError(`${op}: cannot initialise a tensor with zero ${mode} (shape ${fmtShape(w.shape)})`);
  return { w, std: calculateGain(f, a) / Math.sqrt(fan) };
}

/**
 * He et al. 2015: U(-b, b) with b = gain sqrt(3 / fan), gain =
 * calculateGain(nonlinearity, a) and fan = fanIn or fanOut (mode).
 * @example nn.init.kaimingUniform_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' })
 */
export function kaimingUniform_(w: Tensor, opts?: KaimingOptions): Tensor;
export function kaimingUniform_(w: Tensor, a?: number, mode?: 'fanIn' | 'fanOut', nonlinearity?: Nonlinearity): Tensor;
export function kaimingUniform_(...args: unknown[]): Tensor {
  const { w, std } = kaimingStd('kaimingUniform_', args);
  const bound = Math.sqrt(3) * std;
  return uniform_(w, -bound, bound);
}

/** He et al. 2015: N(0, std^2) with std = gain / sqrt(fan) (gain and fan as kaimingUniform_'s). */
export function kaimingNormal_(w: Tensor, opts?: KaimingOptions): Tensor;
export function kaimingNormal_(w: Tensor, a?: number, mode?: 'fanIn' | 'fanOut', nonlinearity?: Nonlinearity): Tensor;
export function kaimingNormal_(...args: unknown[]): Tensor {
  const { w, std } = kaimingStd('kaimingNormal_', args);
  return normal_(w, 0, std);
}

/**
 * Fills w with a (semi-)orthogonal matrix times gain (Saxe et al. 2013):
 * rows = size(0), cols = numel / rows; a Gaussian k x L matrix (k = min,
 * L = max of the two) has its rows orthonormalised in wasm (the Q factor
 * of QR with diag(R) > 0, PyTorch's sign convention), then is laid out so
 * that W W^T = I (rows <= cols) or W^T W = I (rows > cols).
 * @example nn.init.orthogonal_(layer.weight, Math.SQRT2)
 */
export function orthogonal_(w: Tensor, gain?: number): Tensor;
export function orthogonal_(...args: unknown[]): Tensor {
  const { tensor: w, gain } = parseArgs('orthogonal_', args, GAIN_ONLY_ARGS);
  if (w.ndim < 2) throw new RangeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmtShape(w.shape)}`);
  const rows = w.shape[0];
  const cols = w.numel() / rows;
  if (rows === 0 || cols === 0) return w;
  const k = Math.min(rows, cols), n = Math.max(rows, cols);
  inPlace(() => {
    const v = randn([k, n]);
    orthonormalizeRows_(v);
    const m = rows <= cols ? v : transpose2d(v);
    const scaled = gain === 1 ? m : mul(m, gain);
    const shaped = reshape(scaled, [...w.shape]);
    copy_(w, shaped);
    for (const t of new Set([v, m, scaled, shaped])) t.dispose();
  });
  return w;
}
