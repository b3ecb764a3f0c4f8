/** Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_. */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { full } from '../ops/create';
import { clamp_, scaleAll_ } from '../drivers/elementwise';
import { totalNorm } from '../drivers/norm';
import { boolean, describe, nullable, number, param, parseArgs, required, type Check } from '../validate';

/** Options of clipGradNorm_ after maxNorm (PyTorch's names in camelCase). */
export interface ClipGradNormOptions {
  /** p of the p-norm: a positive number or Infinity (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
  /** Accepted for PyTorch compatibility; there is one (multi-tensor) implementation. */
  foreach?: boolean | null;
}

type ParamsArg = Tensor | Iterable<Tensor>;

/** A Tensor or an iterable of Tensors (model.parameters(), an array), as an array. */
const parametersArg: Check<Tensor[]> = (v, at) => {
  if (v instanceof Tensor) return [v];
  if (v === null || typeof v !== 'object' || typeof (v as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${at.where}: parameters must be a Tensor or an iterable of Tensors (e.g. model.parameters()), got ${describe(v)}`);
  }
  const list = [...(v as Iterable<unknown>)];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${at.where}: parameter ${i} must be a Tensor, got ${describe(p)}`);
  });
  return list as Tensor[];
};

const foreach = param(nullable(boolean), null);

/** clipGradNorm_'s arguments in PyTorch's positional order (torch.nn.utils.clip_grad_norm_). */
const CLIP_NORM_ARGS = {
  parameters: param(parametersArg, required),
  maxNorm: param(number({ infinite: true }), required),
  normType: param(number({ gt: 0, infinite: true }), 2),
  errorIfNonfinite: param(boolean, false),
  foreach,
};

/** clipGradValue_'s arguments in PyTorch's positional order (torch.nn.utils.clip_grad_value_). */
const CLIP_VALUE_ARGS = {
  parameters: param(parametersArg, required),
  clipValue: param(number({ infinite: true }), required),
  foreach,
};

/** The gradients of the parameters that have one (none may be a broadcast view). */
function gradsOf(op: string, params: Tensor[]): Tensor[] {
  const grads: Tensor[] = [];
  params.forEach((p, i) => {
    const g = p.grad;
    if (g === null || g.disposed) return;
    if (g.shape.some((d, j) => d > 1 && g.strides[j] === 0)) {
      throw new Error(`${op}: the gradient of parameter ${i} (shape ${fmtShape(g.shape)}) is a broadcast view (several elements share memory) and cannot be modified in place`);
    }
    grads.push(g);
  });
  return grads;
}

/**
 * Scales the gradients in place so that their total p-norm is at most
 * maxNorm (torch.nn.utils.clip_grad_norm_); returns the total norm before
 * clipping as a 0-d tensor (0 when no parameter has a gradient). Parameters
 * without a gradient are skipped.
 *
 * Over every gradient element x (parameters in the order given)
 *   total = (sum |x|^p)^(1/p)        p = Infinity: total = max |x|
 * is accumulated in float64 in a fixed order (kernel norm_accumulate_f64:
 * exact float64 sums for p = 1 and 2, a float64 max for Infinity; other p
 * evaluate |x|^p and the root to a few 1e-7 relative) and returned as a
 * float32 0-d tensor. Then, in float32 as PyTorch computes it
 * (max_norm / (total + 1e-6) is reciprocal(total + 1e-6) * max_norm there),
 *   coef = min(fround(fround(1 / fround(total + 1e-6)) * maxNorm), 1)     (NaN stays NaN)
 * and every gradient is multiplied by coef in place. PyTorch multiplies
 * even when coef = 1, which leaves every float unchanged, so that pass is
 * skipped; a total of 0 gives coef = 1 (nothing changes), an infinite total
 * gives coef = 0, a NaN total NaN gradients (unless errorIfNonfinite).
 *
 * @example
 * loss.backward();
 * nn.utils.clipGradNorm_(model.parameters(), 1.0);          // or (params, 1.0, Infinity) for the max norm
 * opt.step();
 */
export function clipGradNorm_(parameters: ParamsArg, maxNorm: number, opts?: ClipGradNormOptions): Tensor;
export function clipGradNorm_(parameters: ParamsArg, maxNorm: number, normType?: number, errorIfNonfinite?: boolean, foreach?: boolean | null): Tensor;
export function clipGradNorm_(...args: unknown[]): Tensor {
  const op = 'clipGradNorm_';
  const { parameters, maxNorm, normType, errorIfNonfinite } = parseArgs(op, args, CLIP_NORM_ARGS);
  const grads = gradsOf(op, parameters);
  if (grads.length === 0) return full([], 0);
  const total = totalNorm(grads, normType);
  const value = total.item();
  if (!Number.isFinite(value)) {
    if (errorIfNonfinite) {
      total.dispose();
      throw new Error(
        `${op}: the total norm of order ${normType} for gradients from parameters is non-finite (${value}), so it cannot be clipped. ` +
          'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false',
      );
    }
  }
  const f = Math.fround;
  const raw = f(f(1 / f(value + f(1e-6))) * f(maxNorm));
  const coef = Number.isNaN(raw) ? raw : Math.min(raw, 1);
  if (coef !== 1) scaleAll_(grads, coef);
  return total;
}

/**
 * Clamps every gradient element into [-clipValue, clipValue] in place
 * (torch.nn.utils.clip_grad_value_); for clipValue < 0 every element becomes
 * clipValue, as torch.clamp with min > max does. Parameters without a
 * gradient are skipped.
 * @example nn.utils.clipGradValue_(model.parameters(), 0.5)
 */
export function clipGradValue_(parameters: ParamsArg, clipValue: number, opts?: { foreach?: boolean | null }): void;
export function clipGradValue_(parameters: ParamsArg, clipValue: number, foreach?: boolean | null): void;
export function clipGradValue_(...args: unknown[]): void {
  const op = 'clipGradValue_';
  const { parameters, clipValue } = parseArgs(op, args, CLIP_VALUE_ARGS);
  for (const g of gradsOf(op, parameters)) clamp_(g, -clipValue, clipValue);
}
