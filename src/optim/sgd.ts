/**
 * Stochastic gradient descent with torch.optim.SGD's update (one fused wasm pass):
 *   d = g + weightDecay p
 *   if momentum != 0: buf = (first step) d, else momentum buf + (1 - dampening) d
 *                     d = nesterov ? d + momentum buf : buf
 *   p -= lr d
 */
import type { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { Optimizer, type Params, type ParamState } from './optimizer';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false }: Partial<SGDOptions> & { lr: number }) {
    super(params, { lr, momentum, dampening, weightDecay, nesterov });
  }

  protected validate(g: SGDOptions): void {
    if (typeof g.lr !== 'number' || !(g.lr >= 0)) throw new RangeError(`SGD: invalid learning rate ${g.lr}`);
    if (!(g.momentum >= 0)) throw new RangeError(`SGD: invalid momentum value ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`SGD: invalid weightDecay value ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: SGDOptions): void {
    const first = !st.tensors.has('momentumBuffer');
    const buf = g.momentum !== 0 ? this.stateTensor(st, 'momentumBuffer', p) : null;
    st.step++;
    kernels().sgd_step_f32(p.numel(), p.ptr, grad.ptr, buf === null ? 0 : buf.ptr, g.lr, g.momentum, 1 - g.dampening, g.weightDecay, g.nesterov ? 1 : 0, first ? 1 : 0);
  }
}
