/**
 * Batch normalisation (Ioffe & Szegedy, 2015) with PyTorch's semantics over
 * x of shape (N, C), (N, C, L) or (N, C, H, W), statistics per channel c over
 * the M = N L other elements:
 *   y = (x - mean) / sqrt(var + eps) * weight + bias
 * training: mean and the biased var of the batch; the running statistics (if
 *   given) are updated in place: running = (1 - momentum) running + momentum
 *   stat, with the UNBIASED variance var M / (M - 1).
 * eval: the running statistics.
 * Backward, with xhat = (x - mean) invstd, invstd = 1 / sqrt(var + eps):
 *   dbias = sum g, dweight = sum g xhat,
 *   dx = weight invstd (g - mean(g) - xhat mean(g xhat))  (training)
 *   dx = weight invstd g                                  (eval)
 * batchNormRelu fuses max(0, y) into the same passes: its backward is this
 * one with g replaced by g [y > 0], the mask recomputed from x inside the
 * kernels, so neither y before the ReLU nor the masked gradient is stored.
 * batchNormAddRelu fuses a residual r: out = max(0, y + r); its backward
 * writes m = g [out > 0] (r's gradient) in the sums' pass and is this one
 * with g replaced by m.
 */
import { Tensor } from '../tensor';
import { batchNormBackward, batchNormForward, ncl } from '../drivers/batchnorm';
import { fmtShape, sameShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced, tracer } from '../autograd/trace';
import { relu } from './unary';
import { addRelu } from './binary';
import { materialize } from './create';
import { atomic } from '../autograd/scope';
import { boolean, nullable, number, param, parseArgs, required, tensor as tensorArg } from '../validate';

/**
 * Options of batchNorm after input, runningMean, runningVar, weight and bias.
 * Input (N, C, ...); statistics, weight and bias (C).
 * @example F.batchNorm(x, mean, variance, gamma, beta, { training: true, momentum: 0.1 })
 */
export interface BatchNormOptions {
  /** Normalise with the batch's statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** running = (1 - momentum) running + momentum batch statistic (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5; > 0). */
  eps?: number;
}

/** batchNorm's arguments in F.batch_norm's positional order. */
const BATCH_NORM_ARGS = {
  input: param(tensorArg, required),
  runningMean: param(nullable(tensorArg), required),
  runningVar: param(nullable(tensorArg), required),
  weight: param(nullable(tensorArg), null),
  bias: param(nullable(tensorArg), null),
  training: param(boolean, false),
  momentum: param(number(), 0.1),
  eps: param(number({ gt: 0 }), 1e-5),
};


function checkChannelVector(op: string, x: Tensor, name: string, t: Tensor | null): void {
  if (t === null) return;
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor or null`);
  t.assertAlive(op);
  if (t.ndim !== 1 || t.shape[0] !== x.shape[1]) {
    throw new RangeError(`${op}: input ${fmtShape(x.shape)} and ${name} ${fmtShape(t.shape)}: expected ${name} of shape [${x.shape[1]}]`);
  }
}

/**
 * Batch normalisation over dim 1 of x (N, C), (N, C, L) or (N, C, H, W):
 * y = (x - mean) / sqrt(var + eps) weight + bias per channel, with the
 * batch's statistics when training (then the running ones are updated in
 * place) or the running ones. `batchNorm(x, runningMean, runningVar, weight?, bias?, training?, momentum?, eps?)`
 * as F.batch_norm, or the last three as options. A throw (bad shapes, out of memory) frees what it allocated.
 * @example F.batchNorm(x, rm, rv, gamma, beta, { training: true })
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, opts?: BatchNormOptions): Tensor;
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, training?: boolean, momentum?: number, eps?: number): Tensor;
export function batchNorm(...args: unknown[]): Tensor {
  const a = parseArgs('batchNorm', args, BATCH_NORM_ARGS);
  return atomic(() => batchNormBody(a.input, a.runningMean, a.runningVar, a.weight, a.bias, a.training, a.momentum, a.eps, false));
}

/**
 * relu(batchNorm(...)) as one op: y = max(0, (x - mean) / sqrt(var + eps)
 * weight + bias) per channel, the same arguments, values, gradients and
 * running-statistics updates as batchNorm followed by relu (bit for bit),
 * in fewer passes over memory: one write of y in the forward, and the
 * backward masks g by [y > 0] inside batch norm's own two passes.
 * `batchNormRelu(x, runningMean, runningVar, weight?, bias?, training?, momentum?, eps?)`
 * or the last three as options. While exportOnnx traces, it runs as
 * batchNorm then relu (a BatchNormalization and a Relu node).
 * @example F.batchNormRelu(x, rm, rv, gamma, beta, { training: true })   // = F.relu(F.batchNorm(x, rm, rv, gamma, beta, { training: true }))
 */
export function batchNormRelu(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, opts?: BatchNormOptions): Tensor;
export function batchNormRelu(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, training?: boolean, momentum?: number, eps?: number): Tensor;
export function batchNormRelu(...args: unknown[]): Tensor {
  const a = parseArgs('batchNormRelu', args, BATCH_NORM_ARGS);
  return atomic(() => batchNormBody(a.input, a.runningMean, a.runningVar, a.weight, a.bias, a.training, a.momentum, a.eps, true));
}

/** batchNormAddRelu's arguments: F.batch_norm's order with the residual second. */
const BATCH_NORM_ADD_RELU_ARGS = {
  input: param(tensorArg, required),
  other: param(tensorArg, required),
  runningMean: BATCH_NORM_ARGS.runningMean,
  runningVar: BATCH_NORM_ARGS.runningVar,
  weight: BATCH_NORM_ARGS.weight,
  bias: BATCH_NORM_ARGS.bias,
  training: BATCH_NORM_ARGS.training,
  momentum: BATCH_NORM_ARGS.momentum,
  eps: BATCH_NORM_ARGS.eps,
};

/**
 * relu(batchNorm(input, ...) + other) as one op, a residual block's end:
 * out = max(0, (x - mean) / sqrt(var + eps) weight + bias + other) per
 * channel, other of the input's shape. The same values, gradients and
 * running-statistics updates as F.addRelu(F.batchNorm(...), other) bit for
 * bit, in fewer passes over memory: the forward writes out alone, and the
 * backward writes other's gradient g [out > 0] while it sums it for batch
 * norm's. `batchNormAddRelu(input, other, runningMean, runningVar, weight?, bias?, training?, momentum?, eps?)`
 * or the last three as options. While exportOnnx traces, it runs as
 * batchNorm then addRelu.
 * @example F.batchNormAddRelu(y, shortcut, rm, rv, gamma, beta, { training: true })   // = F.addRelu(F.batchNorm(y, rm, rv, gamma, beta, { training: true }), shortcut)
 */
export function batchNormAddRelu(input: Tensor, other: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, opts?: BatchNormOptions): Tensor;
export function batchNormAddRelu(input: Tensor, other: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, training?: boolean, momentum?: number, eps?: number): Tensor;
export function batchNormAddRelu(...args: unknown[]): Tensor {
  const a = parseArgs('batchNormAddRelu', args, BATCH_NORM_ADD_RELU_ARGS);
  return atomic(() => batchNormBody(a.input, a.runningMean, a.runningVar, a.weight, a.bias, a.training, a.momentum, a.eps, true, a.other));
}

/**
 * Internal (arguments already checked by a module): batchNorm, or
 * batchNormRelu when `withRelu`, or batchNormAddRelu with a residual, without parseArgs.
 */
export function batchNormInternal(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number, withRelu: boolean, residual: Tensor | null = null,
): Tensor {
  return atomic(() => batchNormBody(x, runningMean, runningVar, weight, bias, training, momentum, eps, withRelu, residual));
}

function batchNormBody(
  x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null,
  training: boolean, momentum: number, eps: number, withRelu: boolean, residual: Tensor | null = null,
): Tensor {
  const op = residual !== null ? 'batchNormAddRelu' : withRelu ? 'batchNormRelu' : 'batchNorm';
  if (withRelu && tracer !== null) {
    // traced as the ops ONNX has
    const y = batchNormBody(x, runningMean, runningVar, weight, bias, training, momentum, eps, false);
    const out = residual !== null ? addRelu(y, residual) : relu(y);
    y.dispose();
    return out;
  }
  if (x.ndim < 2 || x.ndim > 4) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: expected (N, C), (N, C, L) or (N, C, H, W)`);
  checkChannelVector(op, x, 'runningMean', runningMean);
  checkChannelVector(op, x, 'runningVar', runningVar);
  checkChannelVector(op, x, 'weight', weight);
  checkChannelVector(op, x, 'bias', bias);
  if (residual !== null) {
    residual.assertAlive(op);
    if (!sameShape(residual.shape, x.shape)) {
      throw new RangeError(`${op}: input ${fmtShape(x.shape)} and other ${fmtShape(residual.shape)}: expected other of the input's shape; to broadcast, call F.addRelu(F.batchNorm(...), other)`);
    }
  }
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar]] as const) {
    if (t !== null && !t.isContiguous()) throw new RangeError(`${op}: ${name} must be contiguous to be updated in place`);
  }
  const [N, , L] = ncl(x);
  const M = N * L;
  if (training && M <= 1) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: expected more than 1 value per channel when training`);
  if (!training && (runningMean === null || runningVar === null)) {
    throw new RangeError(`${op}: runningMean and runningVar are required in evaluation mode (training: false)`);
  }
  const { t: xc, owned: xo } = materialize(x);
  const { t: wc, owned: wo } = weight === null ? { t: null, owned: false } : materialize(weight);
  const { t: bc, owned: bo } = bias === null ? { t: null, owned: false } : materialize(bias);
  let rm: { t: Tensor; owned: boolean } | null = null, rv: { t: Tensor; owned: boolean } | null = null;
  if (!training) {
    rm = materialize(runningMean!);
    rv = materialize(runningVar!);
  }
  const r = residual === null ? null : materialize(residual);
  let result;
  try {
    result = batchNormForward({
      x: xc, weight: wc, bias: bc, runningMean: rm?.t ?? runningMean, runningVar: rv?.t ?? runningVar, training, momentum, eps, relu: withRelu, residual: r?.t ?? null,
    });
  } finally {
    if (r?.owned) r.t.dispose();
  }
  const { out, mean, invstd, affine } = result;
  if (rm?.owned) rm.t.dispose();
  if (rv?.owned) rv.t.dispose();
  if (residual !== null && needsGrad(x, residual, weight, bias)) {
    recordAddRelu(out, x, xc, residual, mean, invstd, wc, weight, bias, training);
  } else if (needsGrad(x, weight, bias)) {
    const xs = xc.keep(), ms = mean.keep(), is = invstd.keep(), ws = wc?.keep() ?? null;
    const as = affine === null ? null : { scale: affine.scale.keep(), shift: affine.shift.keep() };
    const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
    const wantX = x.requiresGrad, wantW = weight?.requiresGrad ?? false, wantB = bias?.requiresGrad ?? false;
    const hasW = weight !== null, hasB = bias !== null;
    const saved = [xs, ms, is, ws, as?.scale ?? null, as?.shift ?? null].filter((t): t is Tensor => t !== null);
    record(out, withRelu ? 'BatchNormReluBackward' : 'NativeBatchNormBackward', inputs, saved, (g) => {
      // g (or its contiguous copy) may take dx in place when nothing else holds its buffer
      const { t: gc, owned } = materialize(g);
      const { dx, dw, db } = batchNormBackward(xs, gc, ms, is, ws, training, { x: wantX, weight: wantW, bias: wantB }, as, owned || g.isOwnedContiguous());
      const grads: (Tensor | null)[] = [dx];
      if (hasW) grads.push(dw);
      if (hasB) grads.push(db);
      return grads;
    });
  }
  mean.dispose();
  invstd.dispose();
  affine?.scale.dispose();
  affine?.shift.dispose();
  if (xo) xc.dispose();
  if (wo) wc!.dispose();
  if (bo) bc!.dispose();
  return traced(out, 'batchNorm', [x, runningMean, runningVar, weight, bias], { training, eps });
}

/**
 * batchNormAddRelu's backward: m = g [out > 0] (other's gradient, written
 * over g when nothing else holds it) in the sums' pass, then batch norm's
 * backward of m (dx over m when other needs no gradient).
 */
function recordAddRelu(
  out: Tensor, x: Tensor, xc: Tensor, residual: Tensor, mean: Tensor, invstd: Tensor, wc: Tensor | null,
  weight: Tensor | null, bias: Tensor | null, training: boolean,
): void {
  const xs = xc.keep(), os = out.keep(), ms = mean.keep(), is = invstd.keep(), ws = wc?.keep() ?? null;
  const inputs = [x, residual, weight, bias].filter((t): t is Tensor => t !== null);
  const want = { x: x.requiresGrad, weight: weight?.requiresGrad ?? false, bias: bias?.requiresGrad ?? false };
  const wantOther = residual.requiresGrad, hasW = weight !== null, hasB = bias !== null;
  const saved = [xs, os, ms, is, ws].filter((t): t is Tensor => t !== null);
  record(out, 'BatchNormAddReluBackward', inputs, saved, (g) => {
    const { t: gc, owned } = materialize(g);
    const masked = owned || g.isOwnedContiguous() ? gc : Tensor.empty(gc.shape);
    let grads;
    try {
      grads = batchNormBackward(xs, gc, ms, is, ws, training, want, { out: os, masked }, !wantOther);
    } catch (e) {
      if (masked !== g) masked.dispose();
      throw e;
    }
    const { dx, dw, db } = grads;
    if (!wantOther && dx !== masked && masked !== g) masked.dispose();
    const result: (Tensor | null)[] = [dx, wantOther ? masked : null];
    if (hasW) result.push(dw);
    if (hasB) result.push(db);
    return result;
  });
}
