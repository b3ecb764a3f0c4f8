/**
 * Products, cumulative sums and products, and the logical reductions any/all.
 * Along one dim of length r (g: the output's gradient):
 *   cumsum: y_k = x_0 + ... + x_k          dx_k = g_k + ... + g_{r-1} (a reverse cumsum)
 *   cumprod: y_k = x_0 ... x_k             dx_k = sum_{j >= k} g_j prod_{m <= j, m != k} x_m
 *   prod: y = x_0 ... x_{r-1}              dx_k = g prod_{m != k} x_m
 * The product gradients are computed without dividing by x (prefix products
 * times a suffix recurrence, assembly/scan.ts), so they are exact where x
 * has zeros, as PyTorch's. Sums and products run in float64 per line and
 * round once, as PyTorch's CPU kernels.
 */
import { Tensor } from '../tensor';
import { cumprodBackward, prodAxis, scanAxis, type AxisLayout } from '../drivers/scan';
import { copyInto } from '../drivers/copy';
import { needsGrad, record } from '../autograd/graph';
import { atomic } from '../autograd/scope';
import { traced } from '../autograd/trace';
import { normDim, numel } from '../shape';
import { boolean, integer, nullable, param, parseArgs, required, tensor } from '../validate';
import { full, zeros } from './create';
import { launchBinary } from './binary';
import { reduceDims, reduceRaw } from './reduce';
import { narrow, reshape } from './views';

/** (outer, r, inner) of x around dim d (a 0-d tensor is one element along its only "dim"). */
function layout(shape: readonly number[], d: number): AxisLayout {
  if (shape.length === 0) return [1, 1, 1];
  return [numel(shape.slice(0, d)), shape[d], numel(shape.slice(d + 1))];
}

const SCAN_ARGS = { input: param(tensor, required), dim: param(integer(), required) } as const;

/**
 * Cumulative sum along `dim`: y[..., k, ...] = sum_{j <= k} x[..., j, ...].
 * Shape: the input's. Gradient: the reverse cumulative sum of g.
 * @example cumsum(tensor([1, 2, 3]), 0) // [1, 3, 6]
 */
export function cumsum(input: Tensor, dim: number): Tensor;
export function cumsum(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, dim } = parseArgs('cumsum', args, SCAN_ARGS);
    const d = normDim('cumsum', dim, x.ndim);
    const lay = layout(x.shape, d);
    const out = scanAxis(x, lay, { product: false, reverse: false });
    if (needsGrad(x)) record(out, 'CumsumBackward', [x], [], (g) => [scanAxis(g, lay, { product: false, reverse: true })]);
    return traced(out, 'cumsum', [x], { dim: d });
  });
}

/**
 * Cumulative product along `dim`: y[..., k, ...] = prod_{j <= k} x[..., j, ...].
 * Shape: the input's. Gradient: exact with zeros in x (see the file header).
 * @example cumprod(tensor([1, 2, 3]), 0) // [1, 2, 6]
 */
export function cumprod(input: Tensor, dim: number): Tensor;
export function cumprod(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, dim } = parseArgs('cumprod', args, SCAN_ARGS);
    const lay = layout(x.shape, normDim('cumprod', dim, x.ndim));
    const out = scanAxis(x, lay, { product: true, reverse: false });
    if (needsGrad(x)) {
      const sx = x.keep();
      record(out, 'CumprodBackward', [x], [sx], (g) => [cumprodBackward(sx, g, lay)]);
    }
    return traced(out, 'cumprod', [x], { dim: x.ndim === 0 ? 0 : normDim('cumprod', dim, x.ndim) });
  });
}

const PROD_ARGS = { input: param(tensor, required), dim: param(nullable(integer()), null), keepdim: param(boolean, false) } as const;

/**
 * Product of all elements (a 0-d result; 1 for an empty tensor), or along
 * `dim` (removed unless keepdim). Gradient g prod_{m != k} x_m, exact with zeros.
 * @example prod(tensor([[1, 2], [3, 4]])) // 24
 * @example prod(tensor([[1, 2], [3, 4]]), 1) // [2, 12]
 */
export function prod(input: Tensor, dim?: number | null, keepdim?: boolean): Tensor;
export function prod(input: Tensor, opts: { dim?: number | null; keepdim?: boolean }): Tensor;
export function prod(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, dim, keepdim } = parseArgs('prod', args, PROD_ARGS);
    const d = dim === null ? null : normDim('prod', dim, x.ndim);
    const lay: AxisLayout = d === null ? [1, x.numel(), 1] : layout(x.shape, d);
    const outShape = d === null || x.ndim === 0 ? [] : x.shape.map((s, i) => (i === d ? 1 : s)).filter((_, i) => keepdim || i !== d);
    const out = prodAxis(x, lay, outShape);
    if (needsGrad(x)) {
      const sx = x.keep();
      record(out, 'ProdBackward', [x], [sx], (g) => {
        // the gradient at the last position of each line, zeros before it: cumprod's backward
        const [outer, r, inner] = lay;
        const gl = zeros([outer, r, inner]);
        if (r > 0) {
          const last = narrow(gl, 1, r - 1, 1);
          const gv = reshape(g, [outer, 1, inner]);
          copyInto(last, gv);
          last.dispose();
          gv.dispose();
        }
        const dx = cumprodBackward(sx, gl, lay);
        gl.dispose();
        return [dx];
      });
    }
    return traced(out, 'prod', [x], { dim: x.ndim === 0 ? null : d, keepdim });
  });
}

const LOGICAL_ARGS = { input: param(tensor, required), dim: param(nullable(integer()), null), keepdim: param(boolean, false) } as const;

/** any / all: counts the elements that decide (nonzero for any, zero for all) and compares the count with 0. */
function logical(op: 'any' | 'all', args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, dim, keepdim } = parseArgs(op, args, LOGICAL_ARGS);
    const dims = dim === null ? reduceDims(op, undefined, x.ndim) : reduceDims(op, dim, x.ndim);
    const zero = full([], 0);
    const hits = launchBinary(op, op === 'any' ? 'ne_f32' : 'eq_f32', x, zero);
    const count = reduceRaw(op, 'sum', hits, dims, dim === null ? false : keepdim);
    const out = launchBinary(op, op === 'any' ? 'gt_f32' : 'eq_f32', count, zero);
    for (const t of [zero, hits, count]) t.dispose();
    return out;
  });
}

/**
 * 1 where any element (over all, or along `dim`) is nonzero (NaN counts as
 * nonzero), else 0, as float32 (simdgrad has one dtype); 0 for an empty
 * reduction. Not differentiable.
 * @example any(tensor([[0, 1], [0, 0]]), 1) // [1, 0]
 */
export function any(input: Tensor, dim?: number | null, keepdim?: boolean): Tensor;
export function any(input: Tensor, opts: { dim?: number | null; keepdim?: boolean }): Tensor;
export function any(...args: unknown[]): Tensor {
  return logical('any', args);
}

/**
 * 1 where every element (over all, or along `dim`) is nonzero, else 0, as
 * float32; 1 for an empty reduction. Not differentiable.
 * @example all(tensor([[1, 1], [0, 1]]), 1) // [1, 0]
 */
export function all(input: Tensor, dim?: number | null, keepdim?: boolean): Tensor;
export function all(input: Tensor, opts: { dim?: number | null; keepdim?: boolean }): Tensor;
export function all(...args: unknown[]): Tensor {
  return logical('all', args);
}
