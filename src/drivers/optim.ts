/**
 * Fused optimizer-step drivers (assembly/optim.ts): one pass over a
 * contiguous parameter, its gradient and its state tensors (all of the
 * parameter's size), split across threads in chunks of elements. Each
 * element's update reads only that element, so results are bit-identical for
 * any thread count. The update rules are on the optimizers (src/optim/);
 * complements such as 1 - dampening are computed here in double precision,
 * as PyTorch computes them, and rounded to float32 by the kernel.
 */
import type { Tensor } from '../tensor';
import { forElements } from '../runtime/parallel';

/** Byte offset of element `start` of an optional tensor (0 when absent: the kernel ignores it). */
const at = (t: Tensor | null, start: number): number => (t === null ? 0 : t.ptr + start * 4);

/** One SGD step in place (torch.optim.SGD); `momentumBuffer` is null when momentum is 0. */
export function sgdStep(s: {
  param: Tensor; grad: Tensor; momentumBuffer: Tensor | null;
  lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean;
  /** The momentum buffer is uninitialised: it takes the (decayed) gradient. */
  first: boolean;
}): void {
  const { param: p, grad: g, momentumBuffer: buf } = s;
  forElements(p.numel(), (k, start, count) =>
    k.sgd_step_f32(count, at(p, start), at(g, start), at(buf, start), s.lr, s.momentum, 1 - s.dampening, s.weightDecay, s.nesterov ? 1 : 0, s.first ? 1 : 0));
}

/**
 * One Adam or AdamW step in place, step `step` (from 1), with the bias
 * corrections lr / (1 - beta1^t) and sqrt(1 - beta2^t); `maxExpAvgSq` is null
 * unless amsgrad; `decoupled` selects AdamW's decay p *= 1 - lr weightDecay.
 */
export function adamStep(s: {
  param: Tensor; grad: Tensor; expAvg: Tensor; expAvgSq: Tensor; maxExpAvgSq: Tensor | null;
  step: number; lr: number; betas: readonly [number, number]; eps: number; weightDecay: number; decoupled: boolean;
}): void {
  const { param: p, grad: g, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax } = s;
  const [b1, b2] = s.betas;
  const stepSize = s.lr / (1 - b1 ** s.step);
  const bc2sqrt = Math.sqrt(1 - b2 ** s.step);
  const amsgrad = vmax === null ? 0 : 1;
  forElements(p.numel(), (k, start, count) =>
    k.adam_step_f32(
      count, at(p, start), at(g, start), at(m, start), at(v, start), at(vmax, start),
      1 - b1, b2, 1 - b2, s.eps, s.weightDecay, 1 - s.lr * s.weightDecay, stepSize, bc2sqrt, amsgrad, s.decoupled ? 1 : 0,
    ));
}

/** One RMSprop step in place; `momentumBuffer` is null unless momentum > 0, `gradAvg` unless centered. */
export function rmspropStep(s: {
  param: Tensor; grad: Tensor; squareAvg: Tensor; momentumBuffer: Tensor | null; gradAvg: Tensor | null;
  lr: number; alpha: number; eps: number; weightDecay: number; momentum: number;
}): void {
  const { param: p, grad: g, squareAvg: v, momentumBuffer: buf, gradAvg: gavg } = s;
  forElements(p.numel(), (k, start, count) =>
    k.rmsprop_step_f32(
      count, at(p, start), at(g, start), at(v, start), at(buf, start), at(gavg, start),
      s.lr, s.alpha, 1 - s.alpha, s.eps, s.weightDecay, s.momentum, gavg === null ? 0 : 1,
    ));
}
