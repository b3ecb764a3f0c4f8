/** Creating tensors: from data, constant fills, ranges, copies. */
import { Tensor } from '../tensor';
import { arangeValues, contiguousCopy, filled, fromValues, identity } from '../drivers/copy';
import { checkShape, contiguousStrides, fmtShape, numel, type Shape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { anyNumber, boolean, integer, intList, isPlainObject, nullable, number, onlyDefault, options, param, parseArgs, required, tensor as tensorArg } from '../validate';

/** Options of every function that creates a tensor. */
export interface CreateOptions {
  /** Record operations on the new tensor for autograd (default false). */
  requiresGrad?: boolean;
  /** 'float32', the one dtype simdgrad stores (accepted for PyTorch's signature; any other is refused). */
  dtype?: 'float32';
}

/**
 * A number or nested arrays of numbers, rectangular (tensor() checks every row has the same length).
 * @example tensor([[1, 2, 3], [4, 5, 6]])   // shape [2, 3]
 */
export type NestedArray = number | readonly NestedArray[];

const CREATE_ARGS = {
  requiresGrad: param(boolean, false),
  dtype: param(onlyDefault('float32', 'simdgrad stores and computes float32 only'), 'float32'),
};

function finish(t: Tensor, requiresGrad: boolean): Tensor {
  if (requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Internal: a size given as PyTorch takes it, `f(2, 3)` or `f([2, 3])`,
 * followed by an optional CreateOptions object; checked before anything is allocated.
 */
export function sizeAndOptions(op: string, args: readonly unknown[]): { shape: number[]; requiresGrad: boolean } {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  const last = args[end - 1];
  const hasOptions = isPlainObject(last);
  const dims = args.slice(0, hasOptions ? end - 1 : end);
  if (dims.length === 0) throw new TypeError(`${op}: missing the size, e.g. ${op}([2, 3]) or ${op}(2, 3)`);
  const at = { where: op, name: 'size' };
  const shape = intList({ min: 0 }, { single: false })(dims.length === 1 && Array.isArray(dims[0]) ? dims[0] : dims, at);
  return { shape, requiresGrad: options(op, hasOptions ? last : undefined, CREATE_ARGS).requiresGrad };
}

/** Shape of a rectangular nested array, or a named error. */
function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0];
  }
  return shape;
}

function flatten(data: NestedArray, shape: number[], out: Float32Array): void {
  let at = 0;
  const walk = (d: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (typeof d !== 'number') throw new TypeError(`tensor: expected a number at depth ${dim}, got ${Array.isArray(d) ? 'an array' : typeof d}`);
      out[at++] = d;
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[dim]) {
      throw new RangeError(`tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim} (shape ${fmtShape(shape)})`);
    }
    for (const x of d) walk(x, dim + 1);
  };
  walk(data, 0);
}

/**
 * A tensor from a number, nested arrays, or a typed/plain flat array (with
 * `shape` to give it one; a flat array is 1-D otherwise).
 * @example tensor([[1, 2], [3, 4]]);  tensor(new Float32Array(6), { shape: [2, 3] });  tensor(0.5, { requiresGrad: true })
 */
export function tensor(data: NestedArray | ArrayLike<number>, options?: CreateOptions & { shape?: readonly number[] }): Tensor {
  const parsed = parseArgs('tensor', [options], { shape: param(nullable(intList({ min: 0 }, { single: false })), null), ...CREATE_ARGS }, 0);
  const opts = { shape: parsed.shape ?? undefined, requiresGrad: parsed.requiresGrad };
  if (typeof data === 'number') {
    return finish(fromValues([], [data]), opts.requiresGrad);
  }
  if (typeof data === 'string') throw new TypeError('tensor: expected a number, an array or a typed array, got a string');
  if (ArrayBuffer.isView(data) || (!Array.isArray(data) && typeof (data as ArrayLike<number>)?.length === 'number')) {
    const flat = data as ArrayLike<number>;
    const shape = opts.shape === undefined ? [flat.length] : checkShape('tensor', opts.shape);
    if (numel(shape) !== flat.length) throw new RangeError(`tensor: ${flat.length} values cannot fill shape ${fmtShape(shape)}`);
    return finish(fromValues(shape, flat), opts.requiresGrad);
  }
  if (!Array.isArray(data)) throw new TypeError(`tensor: expected a number, an array or a typed array, got ${data === null ? 'null' : typeof data}`);
  const shape = inferShape(data as NestedArray);
  const flat = new Float32Array(numel(shape));
  flatten(data as NestedArray, shape, flat);
  const finalShape = opts.shape === undefined ? shape : checkShape('tensor', opts.shape);
  if (numel(finalShape) !== flat.length) throw new RangeError(`tensor: ${flat.length} values cannot fill shape ${fmtShape(finalShape)}`);
  return finish(fromValues(finalShape, flat), opts.requiresGrad);
}

/** Internal: a fresh tensor of `shape` (validated) with undefined content. */
export function empty(shape: Shape, op = 'empty'): Tensor {
  return Tensor.empty(checkShape(op, shape as number[]));
}

/** A new tensor of `shape` filled with `value` (no checks: callers checked). */
const filledTensor = (shape: readonly number[], value: number, requiresGrad: boolean): Tensor => finish(filled(shape, value), requiresGrad);

const FULL_ARGS = { size: param(intList({ min: 0 }, { single: false }), required), fillValue: param(anyNumber, required), ...CREATE_ARGS };

/**
 * A tensor of `size` filled with `fillValue` (torch.full).
 * @example full([2, 3], 7);  full([4], -Infinity)
 */
export function full(size: Shape, fillValue: number, opts?: CreateOptions): Tensor;
export function full(...args: unknown[]): Tensor {
  const a = parseArgs('full', args, FULL_ARGS, 2);
  return filledTensor(a.size, a.fillValue, a.requiresGrad);
}

/**
 * A tensor of zeros: `zeros([2, 3])` or PyTorch's `zeros(2, 3)`, then options.
 * @example zeros(2, 3, { requiresGrad: true })
 */
export function zeros(...sizeThenOptions: (number | Shape | CreateOptions)[]): Tensor {
  const { shape, requiresGrad } = sizeAndOptions('zeros', sizeThenOptions);
  return filledTensor(shape, 0, requiresGrad);
}

/** A tensor of ones: `ones([2, 3])` or `ones(2, 3)`, then options. */
export function ones(...sizeThenOptions: (number | Shape | CreateOptions)[]): Tensor {
  const { shape, requiresGrad } = sizeAndOptions('ones', sizeThenOptions);
  return filledTensor(shape, 1, requiresGrad);
}

/** The shape of `like` and the options, checked (the *Like functions). */
function likeArgs(op: string, like: unknown, opts: unknown): { shape: readonly number[]; requiresGrad: boolean } {
  const t = tensorArg(like, { where: op, name: 'input' });
  return { shape: t.shape, requiresGrad: options(op, opts, CREATE_ARGS).requiresGrad };
}

/** Zeros of `t`'s shape. */
export function zerosLike(t: Tensor, opts?: CreateOptions): Tensor {
  const a = likeArgs('zerosLike', t, opts);
  return filledTensor(a.shape, 0, a.requiresGrad);
}

/** Ones of `t`'s shape. */
export function onesLike(t: Tensor, opts?: CreateOptions): Tensor {
  const a = likeArgs('onesLike', t, opts);
  return filledTensor(a.shape, 1, a.requiresGrad);
}

/** `fillValue` in `t`'s shape. */
export function fullLike(t: Tensor, fillValue: number, opts?: CreateOptions): Tensor {
  const a = likeArgs('fullLike', t, opts);
  return filledTensor(a.shape, anyNumber(fillValue, { where: 'fullLike', name: 'fillValue' }), a.requiresGrad);
}

const ARANGE_ARGS = { start: param(number(), required), end: param(nullable(number()), null), step: param(number(), 1), ...CREATE_ARGS };

/**
 * Values start, start + step, ... below end (like torch.arange; arange(n) = 0..n-1).
 * @example arange(5);  arange(1, 2, 0.25);  arange(3, { requiresGrad: true })
 */
export function arange(end: number, opts?: CreateOptions): Tensor;
export function arange(start: number, end?: number | null, step?: number, opts?: CreateOptions): Tensor;
export function arange(...args: unknown[]): Tensor {
  const a = parseArgs('arange', args, ARANGE_ARGS, 3);
  let { start, end } = a;
  const { step } = a;
  if (end === null) [start, end] = [0, start];
  if (![start, end, step].every(Number.isFinite)) throw new RangeError(`arange: start, end and step must be finite, got ${start}, ${end}, ${step}`);
  if (step === 0) throw new RangeError('arange: step must be nonzero');
  if ((end - start) / step < 0) throw new RangeError(`arange: upper bound and larger bound inconsistent with step sign (${start}, ${end}, ${step})`);
  const n = Math.ceil((end - start) / step);
  return finish(arangeValues(checkShape('arange', [n])[0], start, step), a.requiresGrad);
}

/**
 * An n x m matrix (m defaults to n) with ones on the diagonal.
 * @example eye(3);  eye(2, 4)
 */
export function eye(n: number, m?: number | null | CreateOptions, opts?: CreateOptions): Tensor;
export function eye(...args: unknown[]): Tensor {
  const a = parseArgs('eye', args, { n: param(integer({ min: 0 }), required), m: param(nullable(integer({ min: 0 })), null), ...CREATE_ARGS }, 2);
  const n = a.n, m = a.m ?? a.n;
  return finish(identity(n, m), a.requiresGrad);
}

/** A contiguous copy with the same history (differentiable: the gradient passes through). */
export function clone(x: Tensor): Tensor {
  tensorArg(x, { where: 'clone', name: 'input' });
  const out = contiguousCopy(x);
  if (needsGrad(x)) record(out, 'CloneBackward', [x], [], (g) => [g]);
  return traced(out, 'identity', [x]);
}

/** The tensor itself if contiguous (a new handle on it), else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  tensorArg(x, { where: 'contiguous', name: 'input' });
  if (!x.isContiguous()) return clone(x);
  const out = x.viewOf(x.shape, contiguousStrides(x.shape), x.offset);
  if (needsGrad(x)) record(out, 'ContiguousBackward', [x], [], (g) => [g]);
  return traced(out, 'identity', [x]);
}

/** Internal, for ops: the copy drivers (src/drivers/copy.ts). */
export { copyInto, materialize } from '../drivers/copy';
export { contiguousStrides };
