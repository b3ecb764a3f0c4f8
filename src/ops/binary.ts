/**
 * Elementwise binary ops with broadcasting (PyTorch rules). A number operand
 * is a 0-d tensor. Backward rules (g: gradient of the output; the autograd
 * walk sums each result down to its input's shape):
 *   add: (g, g)            sub: (g, -g)
 *   mul: (g b, g a)        div: (g / b, -g a / b^2)
 *   maximum: g to the larger input, split in half on ties (as PyTorch)
 *   minimum: likewise for the smaller.
 * Comparisons return 0/1 and are not differentiable.
 */
import { Tensor, type TensorLike } from '../tensor';
import { invalid } from '../validate';
import { kernels } from '../runtime/engine';
import type { Kernels } from '../runtime/kernels.generated';
import { broadcastShapes, broadcastStrides, contiguousStrides, fmtShape, sameShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { forBlocks } from './launch';
import { forElements } from '../runtime/parallel';

import { full } from './create';

type BinaryKernel = {
  [K in keyof Kernels]: K extends `${string}_f32` ? (Parameters<Kernels[K]>['length'] extends 15 ? K : never) : never;
}[keyof Kernels];

/** Internal: out = kernel(a, b) broadcast, into a new contiguous tensor (no autograd). */
export function launchBinary(op: string, kernel: BinaryKernel, a: Tensor, b: Tensor): Tensor {
  a.assertAlive(op);
  b.assertAlive(op);
  const shape = sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(op, a.shape, b.shape);
  const out = Tensor.empty(shape);
  try {
    runBinary(kernel, shape, a, b, out);
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/** Internal: writes kernel(a, b) into `out` (contiguous, of the broadcast shape). */
export function runBinary(kernel: BinaryKernel, shape: readonly number[], a: Tensor, b: Tensor, out: Tensor): void {
  const k = kernels()[kernel];
  const ap = a.ptr, bp = b.ptr, op = out.ptr;
  // fast path: contiguous operands that are full-size or a single element,
  // in chunks across threads when large (a multiple of the SIMD width, so
  // the split never changes a result)
  if (a.isContiguous() && b.isContiguous()) {
    const n = out.numel(), na = a.numel(), nb = b.numel();
    if ((na === n || na === 1) && (nb === n || nb === 1)) {
      const sa = na === n ? 1 : 0, sb = nb === n ? 1 : 0;
      forElements(n, (kt, start, count) => kt[kernel](1, 1, 1, count, ap + start * 4 * sa, 0, 0, 0, sa, bp + start * 4 * sb, 0, 0, 0, sb, op + start * 4));
      return;
    }
  }
  const sa = broadcastStrides(a.shape, a.strides, shape);
  const sb = broadcastStrides(b.shape, b.strides, shape);
  forBlocks(shape, [sa, sb, contiguousStrides(shape)], (d, o, s) => {
    k(d[0], d[1], d[2], d[3], ap + o[0] * 4, s[0][0], s[0][1], s[0][2], s[0][3], bp + o[1] * 4, s[1][0], s[1][1], s[1][2], s[1][3], op + o[2] * 4);
  });
}

/** Runs f with both operands as tensors; a number becomes a temporary 0-d tensor. */
function withTensors(op: string, a: TensorLike, b: TensorLike, f: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const ta = asTensor(op, a), tb = asTensor(op, b);
  try {
    return f(ta, tb);
  } finally {
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}

function asTensor(op: string, x: TensorLike): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== 'number') throw invalid({ where: op, name: 'operand' }, 'a Tensor or a number', x, Array.isArray(x) ? 'wrap it with tensor(...)' : '');
  return full([], x);
}

/** The saved handle of an operand, or null when it was a number (nothing to free). */
const saveIf = (x: Tensor, need: boolean): Tensor | null => (need ? x.keep() : null);

/** a + b with broadcasting (either may be a number). @example x.add(1);  add(x, y) */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return withTensors('add', a, b, (x, y) => {
    const out = launchBinary('add', 'add_f32', x, y);
    if (needsGrad(x, y)) record(out, 'AddBackward', [x, y], [], (g) => [g, g]);
    return traced(out, 'add', [x, y]);
  });
}

/** a - b with broadcasting (either may be a number). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return withTensors('sub', a, b, (x, y) => {
    const out = launchBinary('sub', 'sub_f32', x, y);
    if (needsGrad(x, y)) record(out, 'SubBackward', [x, y], [], (g) => [g, y.requiresGrad ? neg(g) : null]);
    return traced(out, 'sub', [x, y]);
  });
}

/** a * b elementwise with broadcasting (either may be a number). */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return withTensors('mul', a, b, (x, y) => {
    const out = launchBinary('mul', 'mul_f32', x, y);
    if (needsGrad(x, y)) {
      const sx = saveIf(x, y.requiresGrad), sy = saveIf(y, x.requiresGrad);
      record(out, 'MulBackward', [x, y], [sx, sy].filter((t) => t !== null), (g) => [sy && mul(g, sy), sx && mul(g, sx)]);
    }
    return traced(out, 'mul', [x, y]);
  });
}

/** a / b elementwise with broadcasting (either may be a number). */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return withTensors('div', a, b, (x, y) => {
    const out = launchBinary('div', 'div_f32', x, y);
    if (needsGrad(x, y)) {
      const sy = y.keep();
      const sout = y.requiresGrad ? out.keep() : null;
      record(out, 'DivBackward', [x, y], sout ? [sy, sout] : [sy], (g) => {
        const ga = div(g, sy);
        // d(a/b)/db = -(a/b) / b
        const gb = sout ? neg(div(mul(g, sout), sy)) : null;
        return [x.requiresGrad ? ga : null, gb];
      });
    }
    return traced(out, 'div', [x, y]);
  });
}

/** Gradient mask for the operand that wins a max/min: 1 where it wins, 1/2 on ties. */
function winMask(kernel: 'gt_f32' | 'lt_f32', sa: Tensor, sb: Tensor): Tensor {
  const wins = launchBinary('mask', kernel, sa, sb);
  const ties = launchBinary('mask', 'eq_f32', sa, sb);
  const half = full([], 0.5);
  const m = launchBinary('mask', 'mul_f32', ties, half);
  const r = launchBinary('mask', 'add_f32', wins, m);
  for (const t of [wins, ties, half, m]) t.dispose();
  return r;
}

function extremum(name: 'maximum' | 'minimum', a: TensorLike, b: TensorLike): Tensor {
  return withTensors(name, a, b, (x, y) => {
    const out = launchBinary(name, name === 'maximum' ? 'maximum_f32' : 'minimum_f32', x, y);
    if (needsGrad(x, y)) {
      const sx = x.keep(), sy = y.keep();
      const [win, lose] = name === 'maximum' ? (['gt_f32', 'lt_f32'] as const) : (['lt_f32', 'gt_f32'] as const);
      record(out, name === 'maximum' ? 'MaximumBackward' : 'MinimumBackward', [x, y], [sx, sy], (g) => [
        x.requiresGrad ? mul(g, winMask(win, sx, sy)) : null,
        y.requiresGrad ? mul(g, winMask(lose, sx, sy)) : null,
      ]);
    }
    return traced(out, name, [x, y]);
  });
}

/** Elementwise max(a, b) with broadcasting; the gradient is split evenly where a = b. */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => extremum('maximum', a, b);
/** Elementwise min(a, b) with broadcasting; the gradient is split evenly where a = b. */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => extremum('minimum', a, b);

const compare = (name: string, kernel: BinaryKernel) => (a: TensorLike, b: TensorLike): Tensor =>
  withTensors(name, a, b, (x, y) => traced(launchBinary(name, kernel, x, y), name, [x, y]));

/** 1 where a > b, else 0 (float32, broadcast; no gradient). */
export const gt = compare('gt', 'gt_f32');
/** 1 where a < b, else 0. */
export const lt = compare('lt', 'lt_f32');
/** 1 where a >= b, else 0. */
export const ge = compare('ge', 'ge_f32');
/** 1 where a <= b, else 0. */
export const le = compare('le', 'le_f32');
/** 1 where a == b, else 0. */
export const eq = compare('eq', 'eq_f32');
/** 1 where a != b, else 0. */
export const ne = compare('ne', 'ne_f32');

/** Internal: target += t in place (t broadcastable to target's shape, target contiguous). */
export function addInPlace_(target: Tensor, t: Tensor): void {
  const shape = broadcastShapes('addInPlace_', target.shape, t.shape);
  if (!sameShape(shape, target.shape)) throw new RangeError(`addInPlace_: ${fmtShape(t.shape)} does not broadcast to ${fmtShape(target.shape)}`);
  if (!target.isContiguous()) throw new Error('addInPlace_: target must be contiguous');
  runBinary('add_f32', shape, target, t, target);
}

/** -x, here to keep sub's backward free of a cycle through unary.ts. */
function neg(x: Tensor): Tensor {
  const m1 = full([], -1);
  const r = mul(x, m1);
  m1.dispose();
  return r;
}
