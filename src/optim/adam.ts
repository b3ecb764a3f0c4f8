/**
 * Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019) with
 * torch.optim's update, one fused wasm pass per parameter. At step t:
 *   Adam:  g += weightDecay p            AdamW: p *= 1 - lr weightDecay
 *   m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2
 *   amsgrad: vmax = max(vmax, v) replaces v below
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 */
import type { Tensor } from '../tensor';
import { adamStep } from '../drivers/optim';
import { Optimizer, type OptimizerArgs, type Params, type ParamState } from './optimizer';
import { arrayOf, boolean, number, param, type Check } from '../validate';

/** Adam's and AdamW's hyperparameters (each also settable per parameter group). */
export interface AdamOptions {
  /** Learning rate (default 1e-3); >= 0. */
  lr: number;
  /** Decay rates [beta1, beta2] of the moment averages (default [0.9, 0.999]); each in [0, 1). */
  betas: [number, number];
  /** Added to the denominator (default 1e-8); >= 0. */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0); AdamW: decoupled decay (default 0.01); >= 0. */
  weightDecay: number;
  /** Use the maximum of the second-moment estimates (AMSGrad, default false). */
  amsgrad: boolean;
}

/** Adam's arguments in torch.optim.Adam's positional order; AdamW differs in the weightDecay default. */
const adamArgs = (weightDecay: number): OptimizerArgs<AdamOptions> => ({
  lr: param(number({ min: 0 }), 1e-3),
  betas: param(arrayOf(number({ min: 0, lt: 1 }), 'numbers in [0, 1)', { length: 2 }) as Check<[number, number]>, [0.9, 0.999]),
  eps: param(number({ min: 0 }), 1e-8),
  weightDecay: param(number({ min: 0 }), weightDecay),
  amsgrad: param(boolean, false),
});
const ADAM_ARGS = adamArgs(0);
const ADAMW_ARGS = adamArgs(0.01);

/** Adam with L2 weight decay added to the gradient (decoupled = false) or AdamW's decoupled decay. */
abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: AdamOptions): void {
    const m = this.stateTensor(st, 'expAvg', p);
    const v = this.stateTensor(st, 'expAvgSq', p);
    const vmax = g.amsgrad ? this.stateTensor(st, 'maxExpAvgSq', p) : null;
    const step = ++st.step;
    adamStep({
      param: p, grad, expAvg: m, expAvgSq: v, maxExpAvgSq: vmax,
      step, lr: g.lr, betas: g.betas, eps: g.eps, weightDecay: g.weightDecay, decoupled: this.decoupled,
    });
  }
}

/**
 * Adam (torch.optim.Adam): `new Adam(params, lr?, betas?, eps?, weightDecay?, amsgrad?)`
 * in PyTorch's positional order, or any of them as a trailing options object.
 *
 * @example
 * const opt = new optim.Adam(model.parameters(), 0.01);
 * const same = new optim.Adam(model.parameters(), { lr: 0.01, betas: [0.9, 0.999] });
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: Params<AdamOptions>, opts?: Partial<AdamOptions>);
  constructor(params: Params<AdamOptions>, lr?: number, betas?: [number, number], eps?: number, weightDecay?: number, amsgrad?: boolean, opts?: Partial<AdamOptions>);
  constructor(...args: unknown[]) {
    super('Adam', args, ADAM_ARGS);
  }
}

/**
 * AdamW (torch.optim.AdamW): Adam with decoupled weight decay, default
 * weightDecay 0.01; same arguments as Adam.
 *
 * @example
 * const opt = new optim.AdamW(model.parameters(), 3e-4, [0.9, 0.95], 1e-8, 0.1);
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: Params<AdamOptions>, opts?: Partial<AdamOptions>);
  constructor(params: Params<AdamOptions>, lr?: number, betas?: [number, number], eps?: number, weightDecay?: number, amsgrad?: boolean, opts?: Partial<AdamOptions>);
  constructor(...args: unknown[]) {
    super('AdamW', args, ADAMW_ARGS);
  }
}
