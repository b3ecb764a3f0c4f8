/**
 * Layer normalisation (Ba, Kiros & Hinton, 2016) and group normalisation
 * (Wu & He, 2018) with PyTorch's semantics (F.layer_norm, F.group_norm).
 * Both normalise rows of L elements with the row's own statistics:
 *   mean = sum x / L,  var = sum (x - mean)^2 / L (biased),  invstd = 1 / sqrt(var + eps)
 *   xhat = (x - mean) invstd,  y = xhat weight + bias
 * layerNorm: a row is x's last len(normalizedShape) dims; weight and bias
 *   have shape normalizedShape, one per element of the row.
 * groupNorm over x (N, C, *): a row is one sample's C / G channels of a
 *   group with every spatial position; weight and bias have shape (C).
 * Backward, with gh = g weight and means over the row:
 *   dx = invstd (gh - mean(gh) - xhat mean(gh xhat))
 *   dweight = sum g xhat,  dbias = sum g  (over every element using that weight)
 * Kernels: assembly/layernorm.ts (statistics in float64; rows split across
 * threads, the parameter gradients split by weight element, so results are
 * the same for any thread count). No running statistics: training and
 * evaluation compute the same thing.
 */
import { Tensor } from '../tensor';
import { atomic } from '../autograd/scope';
import { integer, intList, nullable, number, param, parseArgs, required, tensor as tensorArg } from '../validate';
import { rowNormBackward, rowNormForward } from '../drivers/layernorm';
import { fmtShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { materialize } from './create';

function checkAffine(op: string, x: Tensor, name: string, t: Tensor | null, shape: readonly number[]): void {
  if (t === null) return;
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${op}: input ${fmtShape(x.shape)} and ${name} ${fmtShape(t.shape)}: expected ${name} of shape ${fmtShape(shape)}`);
  }
}

/**
 * Internal: y over x contiguous-or-not with rows of K S elements, weight
 * block r mod G of K elements, each weight shared by S consecutive elements
 * (see assembly/layernorm.ts). Arguments already checked.
 */
function rowNorm(name: string, x: Tensor, G: number, K: number, S: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const lay = { G, K, S };
  const { t: xc, owned: xo } = materialize(x);
  const { t: wc, owned: wo } = weight === null ? { t: null, owned: false } : materialize(weight);
  const { t: bc, owned: bo } = bias === null ? { t: null, owned: false } : materialize(bias);
  const { out, mean, invstd } = rowNormForward(xc, lay, wc, bc, eps);
  if (needsGrad(x, weight, bias)) {
    const xs = xc.keep(), ms = mean.keep(), is = invstd.keep(), ws = wc?.keep() ?? null;
    const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
    const want = {
      x: x.requiresGrad,
      weight: weight?.requiresGrad ? [...weight.shape] : null,
      bias: bias?.requiresGrad ? [...bias.shape] : null,
    };
    const hasW = weight !== null, hasB = bias !== null;
    record(out, name, inputs, ws === null ? [xs, ms, is] : [xs, ms, is, ws], (g) => {
      const { t: gc } = materialize(g);
      const { dx, dw, db } = rowNormBackward(xs, gc, ms, is, ws, lay, want);
      const grads: (Tensor | null)[] = [dx];
      if (hasW) grads.push(dw);
      if (hasB) grads.push(db);
      return grads;
    });
  }
  mean.dispose();
  invstd.dispose();
  if (xo) xc.dispose();
  if (wo) wc!.dispose();
  if (bo) bc!.dispose();
  return out;
}

/** The affine tensors and eps of layerNorm and groupNorm, as options. */
export interface NormOptions {
  /** Scale (shape: normalizedShape for layerNorm, [C] for groupNorm), or null. */
  weight?: Tensor | null;
  /** Shift, shaped as weight, or null. */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

const AFFINE_ARGS = { weight: param(nullable(tensorArg), null), bias: param(nullable(tensorArg), null), eps: param(number({ gt: 0 }), 1e-5) } as const;

/**
 * F.layer_norm: normalises over the last normalizedShape.length dims of x
 * (which must equal normalizedShape): (x - mean) / sqrt(var + eps) * weight + bias,
 * the biased variance; weight and bias (optional) have shape normalizedShape.
 * @example layerNorm(x, [512]);  layerNorm(x, 512, w, b, 1e-6);  layerNorm(x, [512], { eps: 1e-6 })
 */
export function layerNorm(input: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null | NormOptions, bias?: Tensor | null, eps?: number): Tensor;
export function layerNorm(...args: unknown[]): Tensor {
  const a = parseArgs('layerNorm', args, { input: param(tensorArg, required), normalizedShape: param(intList(), required), ...AFFINE_ARGS });
  return atomic(() => layerNormBody(a.input, a.normalizedShape, a.weight, a.bias, a.eps));
}

function layerNormBody(
  x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5,
): Tensor {
  const op = 'layerNorm';
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (ns.length === 0 || ns.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new RangeError(`${op}: normalizedShape must be a non-empty list of positive integers, got ${fmtShape(ns)}`);
  }
  const tail = x.shape.slice(x.ndim - ns.length);
  if (x.ndim < ns.length || tail.some((d, i) => d !== ns[i])) {
    throw new RangeError(`${op}: input ${fmtShape(x.shape)} and normalizedShape ${fmtShape(ns)}: expected the input's last ${ns.length} dims to be ${fmtShape(ns)}`);
  }
  checkAffine(op, x, 'weight', weight, ns);
  checkAffine(op, x, 'bias', bias, ns);
  const L = ns.reduce((a, b) => a * b, 1);
  return traced(rowNorm('NativeLayerNormBackward', x, 1, L, 1, weight, bias, eps), 'layerNorm', [x, weight, bias], { axes: ns.length, eps });
}

/**
 * F.group_norm over x (N, C, *): C / numGroups channels per group, statistics
 * per (sample, group) over those channels and every spatial position;
 * weight and bias (optional) have shape (C).
 * @example groupNorm(x, 8);  groupNorm(x, 8, w, b);  groupNorm(x, 8, { eps: 1e-6 })
 */
export function groupNorm(input: Tensor, numGroups: number, weight?: Tensor | null | NormOptions, bias?: Tensor | null, eps?: number): Tensor;
export function groupNorm(...args: unknown[]): Tensor {
  const a = parseArgs('groupNorm', args, { input: param(tensorArg, required), numGroups: param(integer({ min: 1 }), required), ...AFFINE_ARGS });
  return atomic(() => groupNormBody(a.input, a.numGroups, a.weight, a.bias, a.eps));
}

function groupNormBody(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = 'groupNorm';
  if (x.ndim < 2) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: expected (N, C, *) with at least 2 dims`);
  const C = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups <= 0 || C % numGroups !== 0) {
    throw new RangeError(`${op}: input ${fmtShape(x.shape)}: expected the ${C} channels to be divisible by numGroups, got numGroups=${numGroups}`);
  }
  checkAffine(op, x, 'weight', weight, [C]);
  checkAffine(op, x, 'bias', bias, [C]);
  const S = x.shape.slice(2).reduce((a, b) => a * b, 1);
  return traced(rowNorm('NativeGroupNormBackward', x, numGroups, C / numGroups, S, weight, bias, eps), 'groupNorm', [x, weight, bias], { numGroups, eps });
}
