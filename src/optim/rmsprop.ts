/**
 * RMSprop (Tieleman & Hinton 2012) with torch.optim.RMSprop's update, one
 * fused wasm pass per parameter:
 *   g += weightDecay p
 *   v = alpha v + (1 - alpha) g^2                        (state squareAvg)
 *   centered: gavg = lerp(gavg, g, 1 - alpha)            (state gradAvg)
 *             avg = sqrt(v - gavg^2) + eps
 *   else:     avg = sqrt(v) + eps
 *   momentum > 0: buf = momentum buf + g / avg,  p -= lr buf   (state momentumBuffer, starts at 0)
 *   else:         p -= lr g / avg
 */
import type { Tensor } from '../tensor';
import { rmspropStep } from '../drivers/optim';
import { Optimizer, type OptimizerArgs, type Params, type ParamState } from './optimizer';
import { boolean, number, param } from '../validate';

/** RMSprop's hyperparameters (each also settable per parameter group). */
export interface RMSpropOptions {
  /** Learning rate (default 0.01); >= 0. */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99); >= 0. */
  alpha: number;
  /** Added to the denominator (default 1e-8); >= 0. */
  eps: number;
  /** L2 penalty added to the gradient (default 0); >= 0. */
  weightDecay: number;
  /** Momentum factor (default 0); >= 0. */
  momentum: number;
  /** Normalise by the centered second moment (an estimate of the variance; default false). */
  centered: boolean;
}

/** RMSprop's arguments in torch.optim.RMSprop's positional order. */
const RMSPROP_ARGS: OptimizerArgs<RMSpropOptions> = {
  lr: param(number({ min: 0 }), 0.01),
  alpha: param(number({ min: 0 }), 0.99),
  eps: param(number({ min: 0 }), 1e-8),
  weightDecay: param(number({ min: 0 }), 0),
  momentum: param(number({ min: 0 }), 0),
  centered: param(boolean, false),
};

/**
 * RMSprop (torch.optim.RMSprop): `new RMSprop(params, lr?, alpha?, eps?, weightDecay?, momentum?, centered?)`
 * in PyTorch's positional order, or any of them as a trailing options object.
 *
 * @example
 * const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9, centered: true });
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, opts?: Partial<RMSpropOptions>);
  constructor(params: Params<RMSpropOptions>, lr?: number, alpha?: number, eps?: number, weightDecay?: number, momentum?: number, centered?: boolean, opts?: Partial<RMSpropOptions>);
  constructor(...args: unknown[]) {
    super('RMSprop', args, RMSPROP_ARGS);
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: RMSpropOptions): void {
    const v = this.stateTensor(st, 'squareAvg', p);
    const buf = g.momentum > 0 ? this.stateTensor(st, 'momentumBuffer', p) : null;
    const gavg = g.centered ? this.stateTensor(st, 'gradAvg', p) : null;
    st.step++;
    rmspropStep({
      param: p, grad, squareAvg: v, momentumBuffer: buf, gradAvg: gavg,
      lr: g.lr, alpha: g.alpha, eps: g.eps, weightDecay: g.weightDecay, momentum: g.momentum,
    });
  }
}
