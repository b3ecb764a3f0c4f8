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
import { kernels } from '../runtime/engine';
import { Optimizer, type Params, type ParamState } from './optimizer';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, { lr = 0.01, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false }: Partial<RMSpropOptions> = {}) {
    super(params, { lr, alpha, eps, weightDecay, momentum, centered });
  }

  protected validate(g: RMSpropOptions): void {
    if (typeof g.lr !== 'number' || !(g.lr >= 0)) throw new RangeError(`RMSprop: invalid learning rate ${g.lr}`);
    if (typeof g.eps !== 'number' || !(g.eps >= 0)) throw new RangeError(`RMSprop: invalid epsilon value ${g.eps}`);
    if (typeof g.momentum !== 'number' || !(g.momentum >= 0)) throw new RangeError(`RMSprop: invalid momentum value ${g.momentum}`);
    if (typeof g.weightDecay !== 'number' || !(g.weightDecay >= 0)) throw new RangeError(`RMSprop: invalid weightDecay value ${g.weightDecay}`);
    if (typeof g.alpha !== 'number' || !(g.alpha >= 0)) throw new RangeError(`RMSprop: invalid alpha value ${g.alpha}`);
    if (typeof g.centered !== 'boolean') throw new TypeError(`RMSprop: centered must be a boolean, got ${String(g.centered)}`);
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: RMSpropOptions): void {
    const v = this.stateTensor(st, 'squareAvg', p);
    const buf = g.momentum > 0 ? this.stateTensor(st, 'momentumBuffer', p) : null;
    const gavg = g.centered ? this.stateTensor(st, 'gradAvg', p) : null;
    st.step++;
    kernels().rmsprop_step_f32(
      p.numel(), p.ptr, grad.ptr, v.ptr, buf === null ? 0 : buf.ptr, gavg === null ? 0 : gavg.ptr,
      g.lr, g.alpha, 1 - g.alpha, g.eps, g.weightDecay, g.momentum, g.centered ? 1 : 0,
    );
  }
}
