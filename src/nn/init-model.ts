/**
 * Data- and architecture-aware initialisation of whole models.
 *
 * lsuv (Mishkin & Matas 2016, "All you need is a good init"): every Linear
 * and Conv2d weight is first made orthogonal; then, in forward order, each
 * layer's weight is scaled by 1 / sqrt(var(output)) on a data batch until
 * |var - 1| < tolerance (or maxIterations). Biases are left as they are.
 *
 * looksLinear_ (Balduzzi et al. 2017, "The shattered gradients problem"):
 * in a CReLU network each layer after a CReLU sees [relu(z), relu(-z)], so
 * weights [W, -W] give W relu(z) - W relu(-z) = W z: with zero biases the
 * whole network is linear at initialisation (W orthogonal), and training
 * starts from a linear map that CReLU lets it leave.
 */
import { Tensor } from '../tensor';
import { fmtShape } from '../shape';
import { noGrad } from '../autograd/graph';
import { scope } from '../autograd/scope';
import { empty } from '../ops/create';
import { copy_ } from '../ops/inplace';
import { div } from '../ops/binary';
import { neg } from '../ops/unary';
import { cat } from '../ops/join';
import { variance } from '../ops/reduce';
import { Module } from './module';
import { orthogonal_, zeros_ } from './init';
import { CReLU } from './activation';
import { Linear } from './linear';
import { Conv2d } from './conv';
import { DropConnect } from './dropout';

/** Layers with a `weight` (and optional `bias`) that the initialisers treat as affine maps: Linear, Conv2d, DropConnect. */
interface WeightLayer extends Module {
  weight: Tensor;
  bias: Tensor | null;
}

const isWeightLayer = (m: Module): m is WeightLayer => m instanceof Linear || m instanceof Conv2d || m instanceof DropConnect;

export interface LsuvOptions {
  tolerance?: number;
  maxIterations?: number;
}

/** Runs fn while layer.forward also hands its output to `seen`. */
function observing<T>(layers: WeightLayer[], seen: (layer: WeightLayer, out: Tensor) => void, fn: () => T): T {
  const originals = layers.map((l) => Object.getOwnPropertyDescriptor(l, 'forward'));
  layers.forEach((l) => {
    const f = Object.getPrototypeOf(l).forward as (...xs: Tensor[]) => Tensor;
    Object.defineProperty(l, 'forward', {
      configurable: true,
      value: (...xs: Tensor[]) => {
        const y = f.apply(l, xs);
        seen(l, y);
        return y;
      },
    });
  });
  try {
    return fn();
  } finally {
    layers.forEach((l, i) => {
      const d = originals[i];
      if (d === undefined) delete (l as { forward?: unknown }).forward;
      else Object.defineProperty(l, 'forward', d);
    });
  }
}

/**
 * Layer-sequential unit-variance init on `batch`. Returns each layer's
 * output variance after its last rescale, in forward order.
 */
export function lsuv(model: Module, batch: Tensor, { tolerance = 0.1, maxIterations = 10 }: LsuvOptions = {}): number[] {
  if (!(tolerance > 0)) throw new RangeError(`lsuv: tolerance must be positive, got ${tolerance}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new RangeError(`lsuv: maxIterations must be a positive integer, got ${maxIterations}`);
  const layers = [...model.modules()].filter(isWeightLayer);
  if (layers.length === 0) throw new Error('lsuv: the model has no Linear or Conv2d layers');
  for (const l of layers) orthogonal_(l.weight);
  // forward order: the order in which the layers first run
  const order: WeightLayer[] = [];
  noGrad(() => scope(() => observing(layers, (l) => { if (!order.includes(l)) order.push(l); }, () => model.call(batch))));
  const variances: number[] = [];
  for (const layer of order) {
    let v = NaN;
    for (let it = 0; it < maxIterations; it++) {
      v = noGrad(() => scope(() => {
        let out: number = NaN;
        observing([layer], (_, y) => { if (Number.isNaN(out)) out = variance(y).item(); }, () => model.call(batch));
        return out;
      }));
      if (!Number.isFinite(v) || v <= 0) throw new Error(`lsuv: output variance of a ${layer.constructor.name} is ${v}; cannot rescale (is the batch constant?)`);
      if (Math.abs(v - 1) < tolerance) break;
      noGrad(() => scope(() => copy_(layer.weight, div(layer.weight, Math.sqrt(v)))));
      if (it === maxIterations - 1) {
        v = noGrad(() => scope(() => {
          let out: number = NaN;
          observing([layer], (_, y) => { if (Number.isNaN(out)) out = variance(y).item(); }, () => model.call(batch));
          return out;
        }));
      }
    }
    variances.push(v);
  }
  return variances;
}

/**
 * Looks-linear initialisation of a CReLU network, in registration order (the
 * forward order of a Sequential): every weight layer gets zero bias; one
 * that follows a CReLU, with 2d input features (channels), gets [W, -W]
 * along dim 1 with W orthogonal of d input features; others get an
 * orthogonal W. Returns the model.
 */
export function looksLinear_<M extends Module>(model: M): M {
  let afterCrelu = false;
  for (const m of model.modules()) {
    if (m instanceof CReLU) {
      if (m.dim !== 1 && m.dim !== -1) throw new Error(`looksLinear_: CReLU must concatenate along the feature/channel dim, got dim ${m.dim}`);
      afterCrelu = true;
      continue;
    }
    if (!isWeightLayer(m)) continue;
    const w = m.weight;
    if (m.bias !== null) zeros_(m.bias);
    if (!afterCrelu) {
      orthogonal_(w);
      continue;
    }
    afterCrelu = false;
    if (w.shape[1] % 2 !== 0) throw new RangeError(`looksLinear_: a ${m.constructor.name} after a CReLU needs an even number of input features, got weight ${fmtShape(w.shape)}`);
    noGrad(() => scope(() => {
      const half = orthogonal_(empty([w.shape[0], w.shape[1] / 2, ...w.shape.slice(2)]));
      copy_(w, cat([half, neg(half)], 1));
    }));
  }
  return model;
}

