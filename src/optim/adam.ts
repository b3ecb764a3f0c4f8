/**
 * Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019) with
 * torch.optim's update, one fused wasm pass per parameter. At step t:
 *   Adam:  g += weightDecay p            AdamW: p *= 1 - lr weightDecay
 *   m = beta1 m + (1 - beta1) g,  v = beta2 v + (1 - beta2) g^2
 *   amsgrad: vmax = max(vmax, v) replaces v below
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 */
import type { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';
import { Optimizer, type Params, type ParamState } from './optimizer';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

type AdamArgs = Partial<AdamOptions>;

/** Adam with L2 weight decay added to the gradient (decoupled = false) or AdamW's decoupled decay. */
class AdamBase extends Optimizer<AdamOptions> {
  constructor(params: Params<AdamOptions>, defaults: AdamOptions, private readonly decoupled: boolean) {
    super(params, defaults);
  }

  protected validate(g: AdamOptions): void {
    const name = this.constructor.name;
    if (typeof g.lr !== 'number' || !(g.lr >= 0)) throw new RangeError(`${name}: invalid learning rate ${g.lr}`);
    if (!(g.eps >= 0)) throw new RangeError(`${name}: invalid epsilon value ${g.eps}`);
    if (!Array.isArray(g.betas) || g.betas.length !== 2 || !g.betas.every((b) => b >= 0 && b < 1)) throw new RangeError(`${name}: invalid betas ${String(g.betas)} (each in [0, 1))`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`${name}: invalid weightDecay value ${g.weightDecay}`);
  }

  protected update(p: Tensor, grad: Tensor, st: ParamState, g: AdamOptions): void {
    const m = this.stateTensor(st, 'expAvg', p);
    const v = this.stateTensor(st, 'expAvgSq', p);
    const vmax = g.amsgrad ? this.stateTensor(st, 'maxExpAvgSq', p) : null;
    const t = ++st.step;
    const [b1, b2] = g.betas;
    const stepSize = g.lr / (1 - b1 ** t);
    const bc2sqrt = Math.sqrt(1 - b2 ** t);
    kernels().adam_step_f32(
      p.numel(), p.ptr, grad.ptr, m.ptr, v.ptr, vmax === null ? 0 : vmax.ptr,
      1 - b1, b2, 1 - b2, g.eps, g.weightDecay, 1 - g.lr * g.weightDecay, stepSize, bc2sqrt, g.amsgrad ? 1 : 0, this.decoupled ? 1 : 0,
    );
  }
}

export class Adam extends AdamBase {
  constructor(params: Params<AdamOptions>, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false }: AdamArgs = {}) {
    super(params, { lr, betas, eps, weightDecay, amsgrad }, false);
  }
}

export class AdamW extends AdamBase {
  constructor(params: Params<AdamOptions>, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0.01, amsgrad = false }: AdamArgs = {}) {
    super(params, { lr, betas, eps, weightDecay, amsgrad }, true);
  }
}
