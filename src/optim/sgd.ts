/**
 * Stochastic gradient descent with torch.optim.SGD's update (one fused wasm pass):
 *   d = g + weightDecay p
 *   if momentum != 0: buf = (first step) d, else momentum buf + (1 - dampening) d
 *                     d = nesterov ? d + momentum buf : buf
 *   p -= lr d
 */
import type { Tensor } from '../tensor';
import { sgdStep } from '../drivers/optim';
import { Optimizer, type OptimizerArgs, type Params, type ParamState } from './optimizer';
import { boolean, number, param } from '../validate';

/** SGD's hyperparameters (each also settable per parameter group). */
export interface SGDOptions {
  /** Learning rate (default 1e-3, as torch.optim.SGD); >= 0. */
  lr: number;
  /** Momentum factor (default 0); >= 0. */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0); >= 0. */
  weightDecay: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0. */
  nesterov: boolean;
}

/** SGD's arguments in torch.optim.SGD's positional order. */
const SGD_ARGS: OptimizerArgs<SGDOptions> = {
  lr: param(number({ min: 0 }), 1e-3),
  momentum: param(number({ min: 0 }), 0),
  dampening: param(number(), 0),
  weightDecay: param(number({ min: 0 }), 0),
  nesterov: param(boolean, false),
};

/**
 * Stochastic gradient descent (torch.optim.SGD).
 *
 * `new SGD(params, lr?, momentum?, dampening?, weightDecay?, nesterov?)` in
 * PyTorch's positional order, or any of them as a trailing options object;
 * `params` is `model.parameters()` or a list of parameter groups
 * `[{ params, lr?, ... }]`.
 *
 * @example
 * const opt = new optim.SGD(model.parameters(), 0.1, 0.9);            // lr 0.1, momentum 0.9
 * const same = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, opts?: Partial<SGDOptions>);
  constructor(params: Params<SGDOptions>, lr?: number, momentum?: number, dampening?: number, weightDecay?: number, nesterov?: boolean, opts?: Partial<SGDOptions>);
  constructor(...args: unknown[]) {
    super('SGD', args, SGD_ARGS);
  }

  protected override validate(g: SGDOptions): void {
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError(`SGD: Nesterov momentum requires a momentum and zero dampening, got momentum ${g.momentum}, dampening ${g.dampening}`);
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: SGDOptions): void {
    const first = !st.tensors.has('momentumBuffer');
    const buf = g.momentum !== 0 ? this.stateTensor(st, 'momentumBuffer', p) : null;
    st.step++;
    sgdStep({ param: p, grad, momentumBuffer: buf, lr: g.lr, momentum: g.momentum, dampening: g.dampening, weightDecay: g.weightDecay, nesterov: g.nesterov, first });
  }
}
