/**
 * Elementwise unary ops. With y = f(x) and g the output's gradient:
 *   neg: -g        exp: g y          log: g / x        sqrt: g / (2 y)
 *   abs: g sign(x) (0 at 0)          tanh: g (1 - y^2) sigmoid: g y (1 - y)
 *   relu: g [y > 0]                  leakyRelu: g (x > 0 ? 1 : slope)
 *   pow(p): g p x^(p-1)              clamp: g [lo <= x <= hi]
 */
import { Tensor } from '../tensor';
import { gradMap, unaryMap, type GradKernel, type MapCall, type UnaryKernel } from '../drivers/elementwise';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { full, zerosLike } from './create';
import { launchBinary, mul, div } from './binary';
import { nullable, number, oneOf, options, param, parseArgs, required, tensor as tensorArg } from '../validate';

type UnaryName = 'neg' | 'abs' | 'sqrt' | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'relu' | 'sign' | 'reciprocal';

/**
 * Internal: a kernel applied elementwise to x into a new contiguous tensor
 * (no autograd). Large tensors split into chunks across threads; each
 * element's result depends only on its input, so any split gives the same bits.
 */
export function launchUnary(op: string, x: Tensor, run: MapCall): Tensor {
  tensorArg(x, { where: op, name: 'input' });
  return unaryMap(x, run);
}

const simple = (name: UnaryName) => (x: Tensor): Tensor => launchUnary(name, x, (k, n, xp, op) => k[`${name}_f32`](n, xp, op));

/** -x. */
export function neg(x: Tensor): Tensor {
  const out = simple('neg')(x);
  if (needsGrad(x)) record(out, 'NegBackward', [x], [], (g) => [neg(g)]);
  return traced(out, 'neg', [x]);
}

/** e^x. */
export function exp(x: Tensor): Tensor {
  const out = simple('exp')(x);
  if (needsGrad(x)) {
    const y = out.keep();
    record(out, 'ExpBackward', [x], [y], (g) => [mul(g, y)]);
  }
  return traced(out, 'exp', [x]);
}

/** Natural logarithm (NaN below 0, -Infinity at 0). */
export function log(x: Tensor): Tensor {
  const out = simple('log')(x);
  if (needsGrad(x)) {
    const sx = x.keep();
    record(out, 'LogBackward', [x], [sx], (g) => [div(g, sx)]);
  }
  return traced(out, 'log', [x]);
}

/** Square root (NaN below 0). */
export function sqrt(x: Tensor): Tensor {
  const out = simple('sqrt')(x);
  if (needsGrad(x)) {
    const y = out.keep();
    record(out, 'SqrtBackward', [x], [y], (g) => [div(g, mul(y, 2))]);
  }
  return traced(out, 'sqrt', [x]);
}

function withFused(name: 'abs' | 'tanh' | 'sigmoid' | 'relu', node: string, saveInput: boolean) {
  return (x: Tensor): Tensor => {
    const out = simple(name)(x);
    if (needsGrad(x)) {
      const s = saveInput ? x.keep() : out.keep();
      record(out, node, [x], [s], (g) => [gradMap(`${name}_bwd_f32`, s, g)]);
    }
    return traced(out, name, [x]);
  };
}

/** |x|; gradient sign(x), 0 at 0. */
export const abs = withFused('abs', 'AbsBackward', true);
/** tanh(x). */
export const tanh = withFused('tanh', 'TanhBackward', false);
/** 1 / (1 + e^-x). */
export const sigmoid = withFused('sigmoid', 'SigmoidBackward', false);
/** max(0, x); gradient 0 at 0. */
export const relu = withFused('relu', 'ReluBackward', false);

/** sign(x) in {-1, 0, 1} (0 at 0); its gradient is zero everywhere, as PyTorch's (backward flows through it). */
export function sign(x: Tensor): Tensor {
  const out = simple('sign')(x);
  if (needsGrad(x)) record(out, 'SignBackward', [x], [], (g) => [zerosLike(g)]);
  return traced(out, 'sign', [x]);
}

/**
 * x^p for a number p (integral p exact by repeated squaring; x < 0 with fractional p gives NaN). Shape: any.
 * @example x.pow(2)
 */
export function pow(x: Tensor, exponent: number): Tensor {
  const p = parseArgs('pow', [exponent], { exponent: param(number({ infinite: true }), required) }).exponent;
  const out = launchUnary('pow', x, (k, n, xp, op) => k.pow_f32(n, xp, op, p));
  if (needsGrad(x)) {
    const sx = x.keep();
    record(out, 'PowBackward', [x], [sx], (g) => (p === 0 ? [mul(g, 0)] : [mul(g, mul(pow(sx, p - 1), p))]));
  }
  return traced(out, 'pow', [x], { p });
}

/** y = scale x + shift (one fused pass). Shape: any. */
export function affine(x: Tensor, scale: number, shift: number): Tensor {
  parseArgs('affine', [scale, shift], { scale: param(number({ infinite: true }), 1), shift: param(number({ infinite: true }), 0) });
  const out = launchUnary('affine', x, (k, n, xp, op) => k.affine_f32(n, xp, op, scale, shift));
  if (needsGrad(x)) record(out, 'AffineBackward', [x], [], (g) => [mul(g, scale)]);
  return traced(out, 'affine', [x], { scale, shift });
}

/** clamp's bounds in torch.clamp's positional order; either may be null (no bound). */
const CLAMP_ARGS = { min: param(nullable(number({ infinite: true })), null), max: param(nullable(number({ infinite: true })), null) };

/**
 * Clamps into [min, max]; either bound may be omitted (null or undefined);
 * the gradient passes where min <= x <= max. Shape: any.
 * @example x.clamp(0, 1);  x.clamp({ min: 0 });  x.clamp(null, 6)
 */
export function clamp(x: Tensor, min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): Tensor;
export function clamp(x: Tensor, ...args: unknown[]): Tensor {
  const { min, max } = parseArgs('clamp', args, CLAMP_ARGS);
  if (min === null && max === null) throw new TypeError('clamp: at least one of min and max must be given, e.g. clamp(x, 0) or clamp(x, { max: 1 })');
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  const out = launchUnary('clamp', x, (k, n, xp, op) => k.clamp_f32(n, xp, op, lo, hi));
  if (needsGrad(x)) {
    const sx = x.keep();
    record(out, 'ClampBackward', [x], [sx], (g) => {
      const inLo = launchBinary('clamp', 'ge_f32', sx, full([], lo));
      const inHi = launchBinary('clamp', 'le_f32', sx, full([], hi));
      return [mul(g, mul(inLo, inHi))];
    });
  }
  return traced(out, 'clamp', [x], { min: lo, max: hi });
}

/**
 * max(0, x) + negativeSlope min(0, x) (default slope 0.01). Shape: any.
 * @example F.leakyRelu(x, 0.2)   // or F.leakyRelu(x, { negativeSlope: 0.2 })
 */
export function leakyRelu(x: Tensor, negativeSlope?: number | { negativeSlope?: number }): Tensor;
export function leakyRelu(x: Tensor, ...args: unknown[]): Tensor {
  const slope = parseArgs('leakyRelu', args, { negativeSlope: param(number(), 0.01) }).negativeSlope;
  const out = launchUnary('leakyRelu', x, (k, n, xp, op) => k.leaky_relu_f32(n, xp, op, slope));
  if (needsGrad(x)) {
    const sx = x.keep();
    record(out, 'LeakyReluBackward', [x], [sx], (g) => {
      // the derivative: 1 where x > 0, slope elsewhere
      const pos = launchBinary('leakyRelu', 'gt_f32', sx, full([], 0));
      const d = affine(pos, 1 - slope, slope);
      return [mul(g, d)];
    });
  }
  return traced(out, 'leakyRelu', [x], { slope });
}

// ---------------------------------------------------------------------------
// Activations with PyTorch's semantics (aten/src/ATen/native/cpu/Activation.cpp,
// tools/autograd/derivatives.yaml). Each forward is one generated kernel and
// each backward one fused kernel on the saved input x (the `grad` table of
// scripts/gen-elementwise.mjs); g is the output's gradient.
//
//   elu(alpha):   x > 0 ? x : alpha (e^x - 1)
//                 grad: x > 0 ? g : g alpha e^x            (so alpha at x = 0)
//   selu:         scale elu(x, alpha), alpha = 1.6732632423543772848170429916717,
//                 scale = 1.0507009873554804934193349852946
//                 grad: x > 0 ? g scale : g scale alpha e^x
//   celu(alpha):  x > 0 ? x : alpha (e^(x/alpha) - 1)       (alpha != 0)
//                 grad: x > 0 ? g : g e^(x/alpha)          (so 1 at x = 0)
//     All three are PyTorch's elu(x, alpha, scale, inputScale) =
//     x > 0 ? scale x : alpha scale (e^(inputScale x) - 1) and its
//     elu_backward with is_result = false (the input is saved, as PyTorch's
//     out-of-place ops record; the output-based form it uses for in-place
//     elu_ needs alpha >= 0). e^t - 1 is computed as expm1 (PyTorch's
//     float kernel writes exp(t) - 1, which loses digits near 0).
//   gelu('none'): x Phi(x) = x (1 + erf(x / sqrt2)) / 2
//                 grad: g (Phi(x) + x phi(x)), phi(x) = e^(-x^2/2) / sqrt(2 pi)
//                 (1 + erf cancels for x << 0 as in PyTorch: absolute error ~|x| 3e-8)
//   gelu('tanh'): x (1 + tanh(u)) / 2, u = sqrt(2/pi) (x + 0.044715 x^3)
//                 grad: g ((1 + t) / 2 + (x / 2) (1 - t^2) sqrt(2/pi) (1 + 3 0.044715 x^2)), t = tanh(u)
//                 both evaluated with (1 + t) / 2 = sigmoid(2u) and 1 - t^2 =
//                 4 sigmoid(2u) sigmoid(-2u), equal in exact arithmetic and
//                 free of the cancellation of 1 + t for x << 0
//   silu:         x sigmoid(x) = x / (1 + e^-x)
//                 grad: g s (1 + x (1 - s)), s = sigmoid(x)
//   mish:         x tanh(softplus(x))
//                 grad: g (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x))
//   softplus(beta, threshold): beta x > threshold ? x : log(1 + e^(beta x)) / beta
//                 grad: beta x > threshold ? g : g sigmoid(beta x)
//     log(1 + e^z) is computed as max(z, 0) + log1p(e^-|z|) and the gradient's
//     e^z / (e^z + 1) as sigmoid(z): the same values where PyTorch's
//     formulas do not overflow (they give inf / NaN once beta x > 88 with a
//     threshold above that).
//   hardtanh(minVal, maxVal): min(max(x, minVal), maxVal)
//                 grad: x <= minVal || x >= maxVal ? 0 : g (0 at both bounds)
//   relu6:        hardtanh(x, 0, 6) (so its gradient is 0 at x = 0 and x = 6)
//   hardsigmoid:  min(max(x + 3, 0), 6) / 6
//                 grad: g / 6 where -3 < x < 3, 0 elsewhere (0 at both kinks)
//   hardswish:    x min(max(x + 3, 0), 6) / 6
//                 grad: x < -3 ? 0 : x <= 3 ? g (x / 3 + 1/2) : g
//                 (so -g/2 at x = -3 and 3g/2 at x = 3: the rule of PyTorch's
//                 scalar CPU and CUDA kernels; its vectorized CPU loop tests
//                 x >= 3 first and gives g at x = 3 in full vectors)
//   logSigmoid:   log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|) (no overflow)
//                 grad: g ([x < 0] - s z / (1 + z)), z = e^-|x|, s = x < 0 ? 1 : -1
//                 (= g (1 - sigmoid(x)))
//   softsign:     x / (1 + |x|)
//                 grad: g / (1 + |x|)^2 (what autograd through x / (|x| + 1)
//                 gives, 1 at x = 0)
// NaN inputs give NaN outputs. At the kinks the rules are those of PyTorch's
// scalar (and CUDA) kernels, written as comparisons above, so a NaN input
// passes g through hardtanh and hardswish and gives 0 through hardsigmoid.
// ---------------------------------------------------------------------------

/** A kernel called with its pointers then its scalar parameters. */
type KernelCall = (...args: number[]) => void;

/**
 * Internal: forward kernel `fwd` on x, recording `node` whose backward is
 * the fused kernel `bwd` on the saved input (params for both unless
 * bwdParams is given).
 */
function activation(op: string, node: string, x: Tensor, fwd: UnaryKernel, bwd: GradKernel, params: readonly number[] = [], bwdParams = params): Tensor {
  const out = launchUnary(op, x, (k, n, xp, o) => (k[fwd] as KernelCall)(n, xp, o, ...params));
  if (needsGrad(x)) {
    const sx = x.keep();
    record(out, node, [x], [sx], (g) => [gradMap(bwd, sx, g, bwdParams)]);
  }
  return traced(out, op, [x], { kernel: fwd, params });
}

/**
 * The error function erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt (verf in
 * assembly/vmath.ts: absolute error below 1e-7); gradient g 2/sqrt(pi) e^(-x^2).
 */
export function erf(x: Tensor): Tensor {
  return activation('erf', 'ErfBackward', x, 'erf_f32', 'erf_bwd_f32');
}

/** PyTorch's SELU constants (Klambauer et al. 2017). */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
/** PyTorch's SELU scale. */
export const SELU_SCALE = 1.0507009873554804934193349852946;

/** PyTorch's elu(x, alpha, scale, inputScale) family on one kernel pair; coefficients as PyTorch rounds them to float32. */
function eluFamily(op: string, node: string, x: Tensor, alpha: number, scale: number, inputScale: number): Tensor {
  const coefs = [Math.fround(alpha) * Math.fround(scale), scale, inputScale];
  return activation(op, node, x, 'elu_f32', 'elu_bwd_f32', coefs);
}

/**
 * Options of elu (and celu): alpha.
 * @example F.elu(x, { alpha: 0.5 })
 */
export interface EluOptions {
  /** The negative saturation value (default 1). */
  alpha?: number;
}

const ALPHA_ARGS = { alpha: param(number(), 1) };

/**
 * ELU (Clevert et al. 2015): x > 0 ? x : alpha (e^x - 1). Shape: any.
 * @example F.elu(x, 0.5)   // or F.elu(x, { alpha: 0.5 })
 */
export function elu(x: Tensor, alpha?: number | EluOptions): Tensor;
export function elu(x: Tensor, ...args: unknown[]): Tensor {
  const a = parseArgs('elu', args, ALPHA_ARGS);
  return eluFamily('elu', 'EluBackward', x, a.alpha, 1, 1);
}

/** SELU (Klambauer et al. 2017): scale (x > 0 ? x : alpha (e^x - 1)) with PyTorch's alpha and scale. */
export function selu(x: Tensor): Tensor {
  return eluFamily('selu', 'SeluBackward', x, SELU_ALPHA, SELU_SCALE, 1);
}

/**
 * CELU (Barron 2017): x > 0 ? x : alpha (e^(x/alpha) - 1); alpha must not be 0. Shape: any.
 * @example F.celu(x, 2)   // or F.celu(x, { alpha: 2 })
 */
export function celu(x: Tensor, alpha?: number | EluOptions): Tensor;
export function celu(x: Tensor, ...args: unknown[]): Tensor {
  const { alpha } = parseArgs('celu', args, ALPHA_ARGS);
  if (alpha === 0) throw new RangeError('celu: alpha cannot be 0 (the input is divided by alpha)');
  return eluFamily('celu', 'CeluBackward', x, alpha, 1, 1 / alpha);
}

/**
 * gelu's form: 'none' (exact, with erf) or 'tanh' (the tanh approximation).
 * @example F.gelu(x, { approximate: 'tanh' })
 */
export type GeluApproximate = 'none' | 'tanh';
/**
 * Options of gelu: approximate ('none' by default).
 * @example F.gelu(x, { approximate: 'tanh' })
 */
export interface GeluOptions {
  /** 'none' (default): the exact erf form; 'tanh': PyTorch's tanh approximation. */
  approximate?: GeluApproximate;
}

/**
 * GELU (Hendrycks & Gimpel 2016): x Phi(x) with the exact erf, or PyTorch's tanh approximation. Shape: any.
 * @example F.gelu(x, { approximate: 'tanh' })
 */
export function gelu(x: Tensor, opts?: GeluOptions): Tensor {
  const { approximate } = options('gelu', opts, { approximate: param(oneOf(['none', 'tanh']), 'none') });
  return approximate === 'tanh'
    ? activation('gelu', 'GeluBackward', x, 'gelu_tanh_f32', 'gelu_tanh_bwd_f32')
    : activation('gelu', 'GeluBackward', x, 'gelu_f32', 'gelu_bwd_f32');
}

/** SiLU / swish (Elfwing et al. 2017, Ramachandran et al. 2017): x sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return activation('silu', 'SiluBackward', x, 'silu_f32', 'silu_bwd_f32');
}

/** Mish (Misra 2019): x tanh(softplus(x)). */
export function mish(x: Tensor): Tensor {
  return activation('mish', 'MishBackward', x, 'mish_f32', 'mish_bwd_f32');
}

/**
 * Options of softplus: beta (default 1), threshold (default 20).
 * @example F.softplus(x, { beta: 2, threshold: 10 })
 */
export interface SoftplusOptions {
  /** Sharpness (default 1). */
  beta?: number;
  /** Above beta x > threshold the result is x (default 20; may be Infinity). */
  threshold?: number;
}

/**
 * log(1 + e^(beta x)) / beta, reverting to x where beta x > threshold (defaults beta 1, threshold 20). Shape: any.
 * @example F.softplus(x, 2, 20)   // or F.softplus(x, { beta: 2 })
 */
export function softplus(x: Tensor, beta?: number | SoftplusOptions, threshold?: number): Tensor;
export function softplus(x: Tensor, ...args: unknown[]): Tensor {
  const { beta, threshold } = parseArgs('softplus', args, { beta: param(number(), 1), threshold: param(number({ infinite: true }), 20) });
  return activation('softplus', 'SoftplusBackward', x, 'softplus_f32', 'softplus_bwd_f32', [beta, threshold]);
}

/**
 * Options of hardtanh: minVal (default -1), maxVal (default 1).
 * @example F.hardtanh(x, { minVal: 0, maxVal: 6 })
 */
export interface HardtanhOptions {
  /** Lower bound (default -1). */
  minVal?: number;
  /** Upper bound (default 1), >= minVal. */
  maxVal?: number;
}

/**
 * min(max(x, minVal), maxVal) (defaults -1, 1); gradient only strictly inside (minVal, maxVal). Shape: any.
 * @example F.hardtanh(x, 0, 6)   // or F.hardtanh(x, { minVal: 0, maxVal: 6 })
 */
export function hardtanh(x: Tensor, minVal?: number | HardtanhOptions, maxVal?: number): Tensor;
export function hardtanh(x: Tensor, ...args: unknown[]): Tensor {
  const { minVal, maxVal } = parseArgs('hardtanh', args, { minVal: param(number({ infinite: true }), -1), maxVal: param(number({ infinite: true }), 1) });
  if (minVal > maxVal) throw new RangeError(`hardtanh: minVal cannot be greater than maxVal, got minVal=${minVal}, maxVal=${maxVal}`);
  return activation('hardtanh', 'HardtanhBackward', x, 'clamp_f32', 'hardtanh_bwd_f32', [minVal, maxVal]);
}

/** min(max(x, 0), 6): hardtanh(x, 0, 6). */
export function relu6(x: Tensor): Tensor {
  return activation('relu6', 'HardtanhBackward', x, 'clamp_f32', 'hardtanh_bwd_f32', [0, 6]);
}

/** min(max(x + 3, 0), 6) / 6. */
export function hardsigmoid(x: Tensor): Tensor {
  return activation('hardsigmoid', 'HardsigmoidBackward', x, 'hardsigmoid_f32', 'hardsigmoid_bwd_f32');
}

/**
 * Hard swish (Howard et al. 2019, MobileNetV3): x min(max(x + 3, 0), 6) / 6.
 * Gradient g (x / 3 + 1/2) on the closed interval [-3, 3], 0 below, g above:
 * at x = 3 it is 1.5 g and at x = -3 it is -g / 2, PyTorch's scalar CPU and
 * CUDA rule (its vectorized CPU loop gives g at x = 3 for full vectors; the
 * closed interval is chosen so the result does not depend on the tensor's size).
 */
export function hardswish(x: Tensor): Tensor {
  return activation('hardswish', 'HardswishBackward', x, 'hardswish_f32', 'hardswish_bwd_f32');
}

/** log(sigmoid(x)), computed as min(x, 0) - log1p(e^-|x|) so it never overflows. */
export function logSigmoid(x: Tensor): Tensor {
  return activation('logSigmoid', 'LogSigmoidBackward', x, 'log_sigmoid_f32', 'log_sigmoid_bwd_f32');
}

/** x / (1 + |x|). */
export function softsign(x: Tensor): Tensor {
  return activation('softsign', 'SoftsignBackward', x, 'softsign_f32', 'softsign_bwd_f32');
}
