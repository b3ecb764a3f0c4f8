/**
 * In-place initialisers (PyTorch's torch.nn.init). They run under noGrad, so
 * they apply to parameters directly. For a weight of shape [out, in, k...]:
 *   receptive = prod(k...), fanIn = in * receptive, fanOut = out * receptive
 *   xavierUniform_: U(-a, a), a = gain sqrt(6 / (fanIn + fanOut))
 *   xavierNormal_:  N(0, std^2), std = gain sqrt(2 / (fanIn + fanOut))
 *   kaimingUniform_: U(-b, b), b = gain sqrt(3 / fan);  kaimingNormal_: std = gain / sqrt(fan)
 *   with gain = calculateGain(nonlinearity, a) and fan = fanIn or fanOut (mode).
 *   orthogonal_: (rows = size(0), cols = numel / rows) matrix with orthonormal
 *   rows or columns (whichever are fewer), times gain.
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { fmtShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { fill_, copy_ } from '../ops/inplace';
import { uniform_ as uniformFill, normal_ as normalFill, randn } from '../ops/random';
import { reshape, t as transpose2d } from '../ops/views';
import { mul } from '../ops/binary';

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'leaky_relu' | 'selu';

/** PyTorch's calculate_gain: the std scale that keeps activations' variance through a nonlinearity. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new TypeError(`calculateGain: negative slope ${String(param)} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new RangeError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/** fanIn and fanOut of a weight (rank >= 2), as PyTorch computes them. */
export function calculateFans(w: Tensor): { fanIn: number; fanOut: number } {
  if (w.ndim < 2) throw new RangeError(`init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions, got shape ${fmtShape(w.shape)}`);
  let receptive = 1;
  for (let i = 2; i < w.ndim; i++) receptive *= w.shape[i];
  return { fanIn: w.shape[1] * receptive, fanOut: w.shape[0] * receptive };
}

const inPlace = <T>(fn: () => T): T => noGrad(fn);

export function uniform_(w: Tensor, a = 0, b = 1): Tensor {
  inPlace(() => uniformFill(w, a, b));
  return w;
}

export function normal_(w: Tensor, mean = 0, std = 1): Tensor {
  inPlace(() => normalFill(w, mean, std));
  return w;
}

export function constant_(w: Tensor, value: number): Tensor {
  inPlace(() => fill_(w, value));
  return w;
}

export const zeros_ = (w: Tensor): Tensor => constant_(w, 0);
export const ones_ = (w: Tensor): Tensor => constant_(w, 1);

export function xavierUniform_(w: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFans(w);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(w, -a, a);
}

export function xavierNormal_(w: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFans(w);
  return normal_(w, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leakyRelu only). Default 0. */
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  /** Default 'leakyRelu' (with a = 0 that is ReLU's gain sqrt(2)), as PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, w: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' }: KaimingOptions): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new RangeError(`${op}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const fans = calculateFans(w);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  if (fan === 0) throw new RangeError(`${op}: cannot initialise a tensor with zero ${mode} (shape ${fmtShape(w.shape)})`);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

export function kaimingUniform_(w: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', w, opts);
  return uniform_(w, -bound, bound);
}

export function kaimingNormal_(w: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(w, 0, kaimingStd('kaimingNormal_', w, opts));
}

/**
 * Fills w with a (semi-)orthogonal matrix times gain (Saxe et al. 2013):
 * rows = size(0), cols = numel / rows; a Gaussian k x L matrix (k = min,
 * L = max of the two) has its rows orthonormalised in wasm (the Q factor
 * of QR with diag(R) > 0, PyTorch's sign convention), then is laid out so
 * that W W^T = I (rows <= cols) or W^T W = I (rows > cols).
 */
export function orthogonal_(w: Tensor, gain = 1): Tensor {
  if (w.ndim < 2) throw new RangeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got shape ${fmtShape(w.shape)}`);
  const rows = w.shape[0];
  const cols = w.numel() / rows;
  if (rows === 0 || cols === 0) return w;
  const k = Math.min(rows, cols), n = Math.max(rows, cols);
  inPlace(() => {
    const v = randn([k, n]);
    kernels().orthonormalize_rows_f32(k, n, v.ptr);
    const m = rows <= cols ? v : transpose2d(v);
    const scaled = gain === 1 ? m : mul(m, gain);
    const shaped = reshape(scaled, [...w.shape]);
    copy_(w, shaped);
    for (const t of new Set([v, m, scaled, shaped])) t.dispose();
  });
  return w;
}
