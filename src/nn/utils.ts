/**
 * Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_.
 * Both act in place on the .grad of the given parameters and skip
 * parameters without one.
 *
 * clipGradNorm_: over every gradient element x (parameters in the order given)
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
 * clipGradValue_: every gradient element is clamped into
 * [-clipValue, clipValue] (for clipValue < 0 every element becomes
 * clipValue, as torch.clamp with min > max does).
 */
import { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import type { Kernels } from '../runtime/kernels.generated';
import { forElements } from '../runtime/parallel';
import { fmtShape } from '../shape';
import { copyInto, materialize, full } from '../ops/create';

export interface ClipGradNormOptions {
  /** p of the p-norm: a positive number or Infinity (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it. */
  errorIfNonfinite?: boolean;
  /** Accepted for PyTorch compatibility; there is one (multi-tensor) implementation. */
  foreach?: boolean;
}

type ParamsArg = Tensor | Iterable<Tensor>;

/** The gradients of the parameters that have one, after checking the arguments (none may be a broadcast view). */
function gradsOf(op: string, parameters: ParamsArg, foreach: unknown): Tensor[] {
  if (foreach !== undefined && foreach !== null && typeof foreach !== 'boolean') throw new TypeError(`${op}: foreach must be a boolean, got ${String(foreach)}`);
  if (parameters === null || (!(parameters instanceof Tensor) && typeof (parameters as Iterable<Tensor>)?.[Symbol.iterator] !== 'function')) {
    throw new TypeError(`${op}: parameters must be a Tensor or an iterable of Tensors, got ${String(parameters)}`);
  }
  const params = parameters instanceof Tensor ? [parameters] : [...parameters];
  const grads: Tensor[] = [];
  params.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: parameter ${i} is not a Tensor`);
    const g = p.grad;
    if (g === null || g.disposed) return;
    if (g.shape.some((d, j) => d > 1 && g.strides[j] === 0)) {
      throw new Error(`${op}: the gradient of parameter ${i} (shape ${fmtShape(g.shape)}) is a broadcast view (several elements share memory) and cannot be modified in place`);
    }
    grads.push(g);
  });
  return grads;
}

/** Runs an elementwise in-place kernel over t's elements (through a contiguous copy for a strided view). */
function inPlace(t: Tensor, run: (k: Kernels, n: number, ptr: number) => void): void {
  const { t: c, owned } = materialize(t);
  const n = c.numel(), base = c.ptr;
  forElements(n, (k, start, count) => run(k, count, base + start * 4));
  if (owned) {
    copyInto(t, c);
    c.dispose();
  }
}

/**
 * Scales the gradients so that their total p-norm is at most maxNorm
 * (torch.nn.utils.clip_grad_norm_); returns the total norm before clipping
 * as a 0-d tensor (0 when no parameter has a gradient).
 */
export function clipGradNorm_(parameters: ParamsArg, maxNorm: number, { normType = 2, errorIfNonfinite = false, foreach }: ClipGradNormOptions = {}): Tensor {
  const op = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`${op}: maxNorm must be a number, got ${String(maxNorm)}`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new RangeError(`${op}: normType must be a positive number or Infinity, got ${String(normType)}`);
  if (typeof errorIfNonfinite !== 'boolean') throw new TypeError(`${op}: errorIfNonfinite must be a boolean, got ${String(errorIfNonfinite)}`);
  const grads = gradsOf(op, parameters, foreach);
  if (grads.length === 0) return full([], 0);
  const k = kernels();
  // the float64 accumulator: the 8 bytes of a two-element tensor, zeroed
  const acc = Tensor.empty([2]);
  k.fill_f32(2, acc.ptr, 0);
  for (const g of grads) {
    const { t, owned } = materialize(g);
    k.norm_accumulate_f64(t.numel(), t.ptr, acc.ptr, normType);
    if (owned) t.dispose();
  }
  const total = Tensor.empty([]);
  k.norm_finish_f64(acc.ptr, total.ptr, normType);
  acc.dispose();
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
  if (coef !== 1) {
    const c = full([], coef);
    for (const g of grads) inPlace(g, (kk, n, ptr) => kk.mul_f32(1, 1, 1, n, ptr, 0, 0, 0, 1, c.ptr, 0, 0, 0, 0, ptr));
    c.dispose();
  }
  return total;
}

/** Clamps every gradient element into [-clipValue, clipValue] in place (torch.nn.utils.clip_grad_value_). */
export function clipGradValue_(parameters: ParamsArg, clipValue: number, { foreach }: { foreach?: boolean } = {}): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new TypeError(`${op}: clipValue must be a number, got ${String(clipValue)}`);
  for (const g of gradsOf(op, parameters, foreach)) inPlace(g, (k, n, ptr) => k.clamp_f32(n, ptr, ptr, -clipValue, clipValue));
}
