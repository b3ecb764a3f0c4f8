/**
 * Elementwise binary ops with broadcasting (PyTorch rules). A number operand
 * is a 0-d tensor. Backward rules (g: gradient of the output; the autograd
 * walk sums each result down to its input's shape):
 *   add: (g, g)            sub: (g, -g)
 *   addRelu: (m, m), m = g [y > 0] (relu(a + b) in one pass)
 *   mul: (g b, g a)        div: (g / b, -g a / b^2)
 *   maximum: g to the larger input, split in half on ties (as PyTorch)
 *   minimum: likewise for the smaller.
 * Comparisons return 0/1 and are not differentiable.
 */
import { Tensor, type TensorLike } from '../tensor';
import { invalid, param, parseArgs, required, tensorOrNumber } from '../validate';
import { needsGrad, record } from '../autograd/graph';
import { traced, tracer } from '../autograd/trace';
import { binary, gradMap, type BinaryKernel } from '../drivers/elementwise';
import { full } from './create';
import { neg, relu } from './unary';

/** Internal: out = kernel(a, b) broadcast, into a new contiguous tensor (no autograd); `op` names the caller in errors. */
export function launchBinary(op: string, kernel: BinaryKernel, a: Tensor, b: Tensor): Tensor {
  a.assertAlive(op);
  b.assertAlive(op);
  return binary(kernel, a, b, op);
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

const ADD_RELU_ARGS = { input: param(tensorOrNumber, required), other: param(tensorOrNumber, required) };

/**
 * relu(a + b) in one pass, with broadcasting (either may be a number):
 * y = max(0, a + b), the same bits as relu(add(a, b)) without the
 * intermediate sum; both gradients are the masked m = g [y > 0] (summed to
 * each input's shape), made in one pass. A residual block's output
 * (BasicBlock uses it). While exportOnnx traces, it runs as add then relu.
 * @example F.addRelu(branch, shortcut)   // = F.relu(add(branch, shortcut))
 */
export function addRelu(input: TensorLike, other: TensorLike): Tensor;
export function addRelu(...args: unknown[]): Tensor {
  const { input, other } = parseArgs('addRelu', args, ADD_RELU_ARGS);
  if (tracer !== null) {
    // traced as the two ops ONNX has
    const s = add(input, other);
    const out = relu(s);
    s.dispose();
    return out;
  }
  return withTensors('addRelu', input, other, (x, y) => {
    const out = launchBinary('addRelu', 'add_relu_f32', x, y);
    if (needsGrad(x, y)) {
      const saved = out.keep();
      record(out, 'AddReluBackward', [x, y], [saved], (g) => {
        const m = gradMap('relu_bwd_f32', saved, g);
        return [m, m];
      });
    }
    return out;
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
