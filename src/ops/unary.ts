/**
 * Elementwise unary ops. With y = f(x) and g the output's gradient:
 *   neg: -g        exp: g y          log: g / x        sqrt: g / (2 y)
 *   abs: g sign(x) (0 at 0)          tanh: g (1 - y^2) sigmoid: g y (1 - y)
 *   relu: g [y > 0]                  leakyRelu: g (x > 0 ? 1 : slope)
 *   pow(p): g p x^(p-1)              clamp: g [lo <= x <= hi]
 */
import { Tensor } from '../tensor';
import type { Kernels } from '../runtime/kernels.generated';
import { forElements } from '../runtime/parallel';
import { needsGrad, record } from '../autograd/graph';
import { materialize, full } from './create';
import { launchBinary, mul, div } from './binary';

type UnaryName = 'neg' | 'abs' | 'sqrt' | 'exp' | 'log' | 'tanh' | 'sigmoid' | 'relu' | 'sign' | 'reciprocal';

/**
 * Internal: a kernel applied elementwise to x into a new contiguous tensor
 * (no autograd). Large tensors split into chunks across threads; each
 * element's result depends only on its input, so any split gives the same bits.
 */
export function launchUnary(op: string, x: Tensor, run: (k: Kernels, n: number, xp: number, outp: number) => void): Tensor {
  x.assertAlive(op);
  const { t, owned } = materialize(x);
  const out = Tensor.empty(x.shape);
  const n = out.numel(), xp = t.ptr, outp = out.ptr;
  forElements(n, (k, start, count) => run(k, count, xp + start * 4, outp + start * 4));
  if (owned) t.dispose();
  return out;
}

const simple = (name: UnaryName) => (x: Tensor): Tensor => launchUnary(name, x, (k, n, xp, op) => k[`${name}_f32`](n, xp, op));

export function neg(x: Tensor): Tensor {
  const out = simple('neg')(x);
  if (needsGrad(x)) record(out, 'NegBackward', [x], [], (g) => [neg(g)]);
  return out;
}

export function exp(x: Tensor): Tensor {
  const out = simple('exp')(x);
  if (needsGrad(x)) {
    const y = out.keep();
    record(out, 'ExpBackward', [x], [y], (g) => [mul(g, y)]);
  }
  return out;
}

export function log(x: Tensor): Tensor {
  const out = simple('log')(x);
  if (needsGrad(x)) {
    const sx = x.keep();
    record(out, 'LogBackward', [x], [sx], (g) => [div(g, sx)]);
  }
  return out;
}

export function sqrt(x: Tensor): Tensor {
  const out = simple('sqrt')(x);
  if (needsGrad(x)) {
    const y = out.keep();
    record(out, 'SqrtBackward', [x], [y], (g) => [div(g, mul(y, 2))]);
  }
  return out;
}

/** Internal: out = kernel(saved, g) for the fused backward kernels. */
const fusedBackward = (kernel: 'relu_bwd_f32' | 'tanh_bwd_f32' | 'sigmoid_bwd_f32' | 'abs_bwd_f32', saved: Tensor, g: Tensor): Tensor =>
  launchBinary(kernel, kernel, saved, g);

function withFused(name: 'abs' | 'tanh' | 'sigmoid' | 'relu', node: string, saveInput: boolean) {
  return (x: Tensor): Tensor => {
    const out = simple(name)(x);
    if (needsGrad(x)) {
      const s = saveInput ? x.keep() : out.keep();
      record(out, node, [x], [s], (g) => [fusedBackward(`${name}_bwd_f32`, s, g)]);
    }
    return out;
  };
}

export const abs = withFused('abs', 'AbsBackward', true);
export const tanh = withFused('tanh', 'TanhBackward', false);
export const sigmoid = withFused('sigmoid', 'SigmoidBackward', false);
export const relu = withFused('relu', 'ReluBackward', false);

/** sign(x) in {-1, 0, 1}; its gradient is zero. */
export const sign = (x: Tensor): Tensor => simple('sign')(x);

/** x^p for a number p (integral p exact by repeated squaring; x < 0 with fractional p gives NaN). */
export function pow(x: Tensor, p: number): Tensor {
  if (typeof p !== 'number' || Number.isNaN(p)) throw new TypeError(`pow: exponent must be a number, got ${String(p)}`);
  const out = launchUnary('pow', x, (k, n, xp, op) => k.pow_f32(n, xp, op, p));
  if (needsGrad(x)) {
    const sx = x.keep();
    record(out, 'PowBackward', [x], [sx], (g) => (p === 0 ? [mul(g, 0)] : [mul(g, mul(pow(sx, p - 1), p))]));
  }
  return out;
}

/** y = scale x + shift (one fused pass). */
export function affine(x: Tensor, scale: number, shift: number): Tensor {
  const out = launchUnary('affine', x, (k, n, xp, op) => k.affine_f32(n, xp, op, scale, shift));
  if (needsGrad(x)) record(out, 'AffineBackward', [x], [], (g) => [mul(g, scale)]);
  return out;
}

/** Clamps into [min, max]; either bound may be omitted (null or undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if (min == null && max == null) throw new TypeError('clamp: at least one of min and max must be given');
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (Number.isNaN(lo) || Number.isNaN(hi)) throw new RangeError(`clamp: bounds must not be NaN, got ${lo}, ${hi}`);
  const out = launchUnary('clamp', x, (k, n, xp, op) => k.clamp_f32(n, xp, op, lo, hi));
  if (needsGrad(x)) {
    const sx = x.keep();
    record(out, 'ClampBackward', [x], [sx], (g) => {
      const inLo = launchBinary('clamp', 'ge_f32', sx, full([], lo));
      const inHi = launchBinary('clamp', 'le_f32', sx, full([], hi));
      return [mul(g, mul(inLo, inHi))];
    });
  }
  return out;
}

/** max(0, x) + slope min(0, x). */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  if (!Number.isFinite(slope)) throw new RangeError(`leakyRelu: negative slope must be finite, got ${slope}`);
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
  return out;
}
