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
 */
import { Tensor } from '../tensor';
import { batchNormBackward, batchNormForward, ncl } from '../drivers/batchnorm';
import { fmtShape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced, tracer } from '../autograd/trace';
import { relu } from './unary';
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

/**
 * Internal (arguments already checked by a module): batchNorm, or
 * batchNormRelu when `withRelu`, without parseArgs.
 */
export function batchNormInternal(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, training: boolean, momentum: number, eps: number, withRelu: boolean): Tensor {
  return atomic(() => batchNormBody(x, runningMean, runningVar, weight, bias, training, momentum, eps, withRelu));
}

function batchNormBody(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, training: boolean, momentum: number, eps: number, withRelu: boolean): Tensor {
  const op = withRelu ? 'batchNormRelu' : 'batchNorm';
  if (withRelu && tracer !== null) {
    // traced as the two ops ONNX has
    const y = batchNormBody(x, runningMean, runningVar, weight, bias, training, momentum, eps, false);
    const out = relu(y);
    y.dispose();
    return out;
  }
  if (x.ndim < 2 || x.ndim > 4) throw new RangeError(`${op}: input ${fmtShape(x.shape)}: expected (N, C), (N, C, L) or (N, C, H, W)`);
  checkChannelVector(op, x, 'runningMean', runningMean);
  checkChannelVector(op, x, 'runningVar', runningVar);
  checkChannelVector(op, x, 'weight', weight);
  checkChannelVector(op, x, 'bias', bias);
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
  const { out, mean, invstd, affine } = batchNormForward({
    x: xc, weight: wc, bias: bc, runningMean: rm?.t ?? runningMean, runningVar: rv?.t ?? runningVar, training, momentum, eps, relu: withRelu,
  });
  if (rm?.owned) rm.t.dispose();
  if (rv?.owned) rv.t.dispose();
  if (needsGrad(x, weight, bias)) {
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
