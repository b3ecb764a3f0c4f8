/**
 * Elementwise math with PyTorch's names and gradients (g: the output's
 * gradient, y the output):
 *   sin: g cos x            cos: -g sin x           square: 2 x g
 *   rsqrt: -g y^3 / 2       reciprocal: -g y^2
 *   floor, ceil, round, trunc: 0 (piecewise constant; PyTorch's zeros too)
 *   lerp(start, end, w) = start + w (end - start): (1 - w) g, w g, (end - start) g
 *   clampMin(x, m) = max(x, m), clampMax(x, m) = min(x, m): g where x >= m (x <= m), like clamp.
 * Each forward and backward is one generated kernel (scripts/gen-elementwise.mjs).
 */
import { Tensor, type TensorLike } from '../tensor';
import { needsGrad, record } from '../autograd/graph';
import { atomic } from '../autograd/scope';
import { traced } from '../autograd/trace';
import { integer, number, param, parseArgs, required, tensor, tensorOrNumber } from '../validate';
import { launchUnary, clamp } from './unary';
import { gradMap } from '../drivers/elementwise';
import { add, sub, mul, lt } from './binary';
import { zerosLike } from './create';
import { where } from './where';

/** The input argument of every op here. */
const INPUT = { input: param(tensor, required) } as const;

type Smooth = 'sin' | 'cos' | 'square' | 'rsqrt' | 'reciprocal';

/** Forward kernel `name`, backward kernel `name_bwd` on the saved input (or output, `saveOutput`). */
function smooth(name: Smooth, node: string, saveOutput: boolean) {
  return (...args: unknown[]): Tensor => {
    const { input: x } = parseArgs(name, args, INPUT);
    const out = launchUnary(name, x, (k, n, xp, op) => k[`${name}_f32`](n, xp, op));
    if (needsGrad(x)) {
      const s = saveOutput ? out.keep() : x.keep();
      record(out, node, [x], [s], (g) => [gradMap(`${name}_bwd_f32`, s, g)]);
    }
    return traced(out, name, [x]);
  };
}

/**
 * sin x, elementwise (about 1 ulp; arguments beyond 2^28 pi/2 keep fewer correct bits).
 * Shape: any, the output has the input's shape. Gradient: g cos x.
 * @example sin(tensor([0, Math.PI / 2])) // [0, 1]
 */
export const sin: (input: Tensor) => Tensor = smooth('sin', 'SinBackward', false);

/**
 * cos x, elementwise (accuracy as sin). Gradient: -g sin x.
 * @example cos(tensor([0, Math.PI])) // [1, -1]
 */
export const cos: (input: Tensor) => Tensor = smooth('cos', 'CosBackward', false);

/**
 * x^2, elementwise. Gradient: 2 x g.
 * @example square(tensor([-3, 0.5])) // [9, 0.25]
 */
export const square: (input: Tensor) => Tensor = smooth('square', 'SquareBackward', false);

/**
 * 1 / sqrt(x), elementwise (inf at 0, NaN below). Gradient: -g y^3 / 2.
 * @example rsqrt(tensor([4, 0.25])) // [0.5, 2]
 */
export const rsqrt: (input: Tensor) => Tensor = smooth('rsqrt', 'RsqrtBackward', true);

/**
 * 1 / x, elementwise (±inf at ±0). Gradient: -g y^2.
 * @example reciprocal(tensor([2, -0.5])) // [0.5, -2]
 */
export const reciprocal: (input: Tensor) => Tensor = smooth('reciprocal', 'ReciprocalBackward', true);

/** Records a zero gradient (PyTorch's rule for the rounding ops: zeros, not none). */
function zeroGrad(out: Tensor, x: Tensor, node: string): Tensor {
  if (needsGrad(x)) record(out, node, [x], [], (g) => [zerosLike(g)]);
  return out;
}

function rounding(name: 'floor' | 'ceil' | 'trunc', node: string) {
  return (...args: unknown[]): Tensor => {
    const { input: x } = parseArgs(name, args, INPUT);
    return traced(zeroGrad(launchUnary(name, x, (k, n, xp, op) => k[`${name}_f32`](n, xp, op)), x, node), name, [x]);
  };
}

/**
 * The largest integer <= x, elementwise; zero gradient.
 * @example floor(tensor([-1.5, 1.5])) // [-2, 1]
 */
export const floor: (input: Tensor) => Tensor = rounding('floor', 'FloorBackward');

/**
 * The smallest integer >= x, elementwise; zero gradient.
 * @example ceil(tensor([-1.5, 1.5])) // [-1, 2]
 */
export const ceil: (input: Tensor) => Tensor = rounding('ceil', 'CeilBackward');

/**
 * x rounded toward zero, elementwise; zero gradient.
 * @example trunc(tensor([-1.7, 1.7])) // [-1, 1]
 */
export const trunc: (input: Tensor) => Tensor = rounding('trunc', 'TruncBackward');

/**
 * Options of round: decimals (default 0, an integer in [-38, 38]).
 * @example round(x, { decimals: 2 })
 */
export interface RoundOptions {
  /** Decimal places to round to (negative: tens, hundreds, ...); default 0. */
  decimals?: number;
}

const ROUND_ARGS = { ...INPUT, decimals: param(integer({ min: -38, max: 38 }), 0) } as const;

/**
 * x rounded to the nearest integer, halves to even (PyTorch's round, C's
 * nearbyint); with `decimals` d, as PyTorch computes it in float32:
 * nearest(x 10^d) / 10^d for d > 0, nearest(x / 10^-d) 10^-d for d < 0.
 * Zero gradient. `decimals` is keyword-only, as in PyTorch.
 * @example round(tensor([0.5, 1.5, 2.5])) // [0, 2, 2]
 * @example round(tensor([1.2345]), { decimals: 2 }) // [1.23]
 */
export function round(input: Tensor, opts?: RoundOptions): Tensor;
export function round(...args: unknown[]): Tensor {
  const { input: x, decimals } = parseArgs('round', args, ROUND_ARGS, 1);
  if (decimals === 0) return traced(zeroGrad(launchUnary('round', x, (k, n, xp, op) => k.round_f32(n, xp, op)), x, 'RoundBackward'), 'round', [x], { decimals });
  const t = Math.fround(10 ** Math.abs(decimals));
  return traced(zeroGrad(launchUnary('round', x, (k, n, xp, op) => k.round_decimals_f32(n, xp, op, t, decimals < 0 ? 1 : 0)), x, 'RoundBackward'), 'round', [x], { decimals, scale: t });
}

/**
 * max(x, min) elementwise (PyTorch's clamp_min with a number). Gradient: g
 * where x >= min (so g at x = min), 0 elsewhere, as clamp.
 * @example clampMin(tensor([-1, 2]), 0) // [0, 2]
 */
export function clampMin(input: Tensor, min: number): Tensor;
export function clampMin(...args: unknown[]): Tensor {
  const { input, min } = parseArgs('clampMin', args, { ...INPUT, min: param(number({ infinite: true }), required) });
  return clamp(input, min, null);
}

/**
 * min(x, max) elementwise (PyTorch's clamp_max with a number). Gradient: g
 * where x <= max, 0 elsewhere.
 * @example clampMax(tensor([-1, 2]), 0) // [-1, 0]
 */
export function clampMax(input: Tensor, max: number): Tensor;
export function clampMax(...args: unknown[]): Tensor {
  const { input, max } = parseArgs('clampMax', args, { ...INPUT, max: param(number({ infinite: true }), required) });
  return clamp(input, null, max);
}

const LERP_ARGS = { ...INPUT, end: param(tensor, required), weight: param(tensorOrNumber, required) } as const;

/**
 * Linear interpolation start + weight (end - start), with start, end and a
 * tensor weight broadcast together (a number weight is a scalar). Computed
 * as PyTorch does: start + w (end - start) where |w| < 0.5, else
 * end - (end - start) (1 - w). Gradients: (1 - w) g to start, w g to end,
 * (end - start) g to a tensor weight (each summed to its operand's shape).
 * @example lerp(tensor([0, 10]), tensor([10, 20]), 0.25) // [2.5, 12.5]
 */
export function lerp(input: Tensor, end: Tensor, weight: TensorLike): Tensor;
export function lerp(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: start, end, weight } = parseArgs('lerp', args, LERP_ARGS);
    const diff = sub(end, start);
    try {
      if (typeof weight === 'number') {
        if (Math.abs(weight) < 0.5) return composeLow(start, diff, weight);
        return composeHigh(end, diff, weight);
      }
      const low = composeLow(start, diff, weight), high = composeHigh(end, diff, weight);
      const size = absOf(weight);
      const small = lt(size, 0.5);
      const out = where(small, low, high);
      for (const t of [low, high, size, small]) t.dispose();
      return out;
    } finally {
      diff.dispose();
    }
  });
}

/** start + w diff */
function composeLow(start: Tensor, diff: Tensor, w: TensorLike): Tensor {
  const wd = mul(diff, w);
  const out = add(start, wd);
  wd.dispose();
  return out;
}

/** end - diff (1 - w) */
function composeHigh(end: Tensor, diff: Tensor, w: TensorLike): Tensor {
  const oneMinus = sub(1, w);
  const dw = mul(diff, oneMinus);
  const out = sub(end, dw);
  oneMinus.dispose();
  dw.dispose();
  return out;
}

/** |w| without history (only its comparison with 0.5 is used). */
function absOf(w: Tensor): Tensor {
  return traced(launchUnary('lerp', w, (k, n, xp, op) => k.abs_f32(n, xp, op)), 'abs', [w]);
}
