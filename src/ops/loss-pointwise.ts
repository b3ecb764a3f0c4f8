/**
 * Pointwise losses as functions (F.mseLoss, F.binaryCrossEntropyWithLogits):
 * a loss per element, then reduced. The classification losses (cross
 * entropy, NLL) are in src/ops/loss.ts, the modules in src/nn/loss.ts. Each
 * takes PyTorch's positional order (the deprecated sizeAverage / reduce
 * slots are not taken: pass reduction by name) and a trailing options object.
 * reduction: 'mean' (default) averages over every element, 'sum' adds them,
 * 'none' keeps the per-element losses.
 */
import type { Tensor } from '../tensor';
import { broadcastShapes, fmtShape, sameShape } from '../shape';
import { scope } from '../autograd/scope';
import { sub, mul, add } from './binary';
import { abs, neg, exp, log, relu, affine } from './unary';
import { sum, mean } from './reduce';
import type { Reduction } from './loss';
import { nullable, oneOf, param, parseArgs, required, tensor } from '../validate';

/** `reduction` of a loss: 'mean' (default), 'sum' or 'none'. */
export const reduction = param(oneOf(['mean', 'sum', 'none'] as const), 'mean');

function reduce(l: Tensor, how: Reduction): Tensor {
  return how === 'none' ? l : how === 'sum' ? sum(l) : mean(l);
}

function checkSame(op: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) throw new RangeError(`${op}: input ${fmtShape(input.shape)} and target ${fmtShape(target.shape)} must have the same shape`);
}

/** F.mseLoss's arguments in PyTorch's order (input, target, then reduction by name). */
const MSE_ARGS = { input: param(tensor, required), target: param(tensor, required), reduction };

/**
 * Mean squared error: l_i = (x_i - y_i)^2, reduced by `reduction`.
 * Shape: input and target of the same shape; a 0-d result unless reduction 'none'.
 * @example F.mseLoss(pred, target)   // F.mseLoss(pred, target, { reduction: 'sum' })
 */
export function mseLoss(input: Tensor, target: Tensor, opts?: { reduction?: Reduction }): Tensor;
export function mseLoss(...args: unknown[]): Tensor {
  const a = parseArgs('mseLoss', args, MSE_ARGS, 2);
  checkSame('mseLoss', a.input, a.target);
  return scope(() => {
    const d = sub(a.input, a.target);
    return reduce(mul(d, d), a.reduction);
  });
}

/** Options of binaryCrossEntropyWithLogits / BCEWithLogitsLoss (PyTorch's names in camelCase). */
export interface BCEOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** Weight of positive examples, broadcast against the last dim (one per class); null (default) for 1. */
  posWeight?: Tensor | null;
  /** A rescaling weight of each element's loss, broadcast to the input's shape; null (default) for 1. */
  weight?: Tensor | null;
}

/** `weight` of the BCE loss: a tensor broadcast to the input's shape, or null. */
export const BCE_WEIGHT = param(nullable(tensor), null);

/** F.binaryCrossEntropyWithLogits's arguments in PyTorch's order (input, target, weight, then options). */
const BCE_ARGS = { input: param(tensor, required), target: param(tensor, required), weight: BCE_WEIGHT, reduction, posWeight: param(nullable(tensor), null) };

/**
 * Binary cross entropy of logits x against targets y in [0, 1], with
 * positive weight w_pos (posWeight, default 1) and element weight w
 * (weight, default 1), in the stable form
 *   l = w ((1 - y) x + (1 + (w_pos - 1) y) (log(1 + exp(-|x|)) + max(-x, 0))),
 * which equals w (-w_pos y log sigmoid(x) - (1 - y) log(1 - sigmoid(x)))
 * without overflow; reduced by `reduction`.
 * Shape: input and target of the same shape; weight and posWeight broadcast to it.
 * @example F.binaryCrossEntropyWithLogits(logits, labels, { posWeight: sg.tensor([3]) })
 * @example F.binaryCrossEntropyWithLogits(logits, labels, w)   // PyTorch's positional weight
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts?: BCEOptions): Tensor;
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, weight: Tensor | null, opts?: Omit<BCEOptions, 'weight'>): Tensor;
export function binaryCrossEntropyWithLogits(...args: unknown[]): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const { input, target, weight, reduction: how, posWeight } = parseArgs(op, args, BCE_ARGS, 3);
  checkSame(op, input, target);
  for (const [name, t] of [['weight', weight], ['posWeight', posWeight]] as const) {
    if (t !== null && !sameShape(broadcastShapes(`${op} (${name})`, t.shape, input.shape), input.shape)) {
      throw new RangeError(`${op}: ${name} ${fmtShape(t.shape)} must broadcast to the input's shape ${fmtShape(input.shape)}`);
    }
  }
  return scope(() => {
    // softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0)
    const softplusNeg = add(log(affine(exp(neg(abs(input))), 1, 1)), relu(neg(input)));
    const linearPart = mul(affine(target, -1, 1), input);
    const logWeight = posWeight === null ? null : affine(mul(target, sub(posWeight, 1)), 1, 1);
    const l = add(linearPart, logWeight === null ? softplusNeg : mul(logWeight, softplusNeg));
    return reduce(weight === null ? l : mul(l, weight), how);
  });
}
