/** Data- and architecture-aware initialisation of whole models: lsuv and looksLinear_. */
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
import { instanceOf, integer, number, param, parseArgs, required, tensor } from '../validate';

/** Layers with a `weight` (and optional `bias`) that the initialisers treat as affine maps: Linear, Conv2d, DropConnect. */
interface WeightLayer extends Module {
  weight: Tensor;
  bias: Tensor | null;
}

const isWeightLayer = (m: Module): m is WeightLayer => m instanceof Linear || m instanceof Conv2d || m instanceof DropConnect;

/** Options of lsuv. */
export interface LsuvOptions {
  /** Stop rescaling a layer once |var - 1| < tolerance (default 0.1). */
  tolerance?: number;
  /** At most this many rescales per layer (default 10). */
  maxIterations?: number;
}

const modelArg = param(instanceOf(Module, 'a Module'), required);
const LSUV_ARGS = { model: modelArg, batch: param(tensor, required), tolerance: param(number({ gt: 0 }), 0.1), maxIterations: param(integer({ min: 1 }), 10) };

/** Runs fn while every layer's call() also hands its output to `seen` (forward hooks, removed afterwards). */
function observing<T>(layers: WeightLayer[], seen: (layer: WeightLayer, out: Tensor) => void, fn: () => T): T {
  const handles = layers.map((l) => l.registerForwardHook((_, __, out) => void seen(l, out)));
  try {
    return fn();
  } finally {
    for (const h of handles) h.remove();
  }
}

/** The variance of `layer`'s output (its first call) when the model runs on batch. */
function outputVariance(model: Module, layer: WeightLayer, batch: Tensor): number {
  return noGrad(() => scope(() => {
    let out = NaN;
    observing([layer], (_, y) => { if (Number.isNaN(out)) out = variance(y).item(); }, () => model.call(batch));
    return out;
  }));
}

/**
 * Layer-sequential unit-variance init (Mishkin & Matas 2016, "All you need
 * is a good init") on a data batch: every Linear, Conv2d and DropConnect
 * weight is first made orthogonal; then, in forward order, each layer's
 * weight is scaled by 1 / sqrt(var(output)) until |var - 1| < tolerance (or
 * maxIterations). Biases are left as they are. Returns each layer's output
 * variance after its last rescale, in forward order.
 * @example nn.init.lsuv(model, firstBatch.x, { tolerance: 0.05 })
 */
export function lsuv(model: Module, batch: Tensor, opts?: LsuvOptions): number[];
export function lsuv(...args: unknown[]): number[] {
  const { model, batch, tolerance, maxIterations } = parseArgs('lsuv', args, LSUV_ARGS, 2);
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
      v = outputVariance(model, layer, batch);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`lsuv: output variance of a ${layer.constructor.name} is ${v}; cannot rescale (is the batch constant?)`);
      if (Math.abs(v - 1) < tolerance) break;
      noGrad(() => scope(() => copy_(layer.weight, div(layer.weight, Math.sqrt(v)))));
      if (it === maxIterations - 1) v = outputVariance(model, layer, batch);
    }
    variances.push(v);
  }
  return variances;
}

/**
 * Looks-linear initialisation of a CReLU network (Balduzzi et al. 2017, "The
 * shattered gradients problem"): a layer after a CReLU sees
 * [relu(z), relu(-z)], so weights [W, -W] give W relu(z) - W relu(-z) = W z;
 * with zero biases the whole network is linear at initialisation (W
 * orthogonal), and training starts from a linear map that CReLU lets it leave.
 * In registration order (the forward order of a Sequential): every weight
 * layer gets zero bias; one that follows a CReLU, with 2d input features
 * (channels), gets [W, -W] along dim 1 with W orthogonal of d input
 * features; others get an orthogonal W. Returns the model.
 * @example nn.init.looksLinear_(new nn.Sequential(new nn.Linear(784, 128), new nn.CReLU(), new nn.Linear(256, 10)))
 */
export function looksLinear_<M extends Module>(model: M): M;
export function looksLinear_(...args: unknown[]): Module {
  const { model } = parseArgs('looksLinear_', args, { model: modelArg });
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

