// Network builders for the experiments, on simdgrad's nn modules. A builder
// that needs a module the library does not have yet throws MissingModule,
// and the experiment reports itself incomplete instead of inventing a result.
import { LabError } from './datasets.mjs';

/** A library piece an experiment needs and the build lacks. */
export class MissingModule extends Error {
  constructor(names) {
    super(`missing in this build: ${names.join(', ')}`);
    this.names = names;
  }
}

/** Returns sg.<path> for each dotted path, or throws MissingModule naming the absent ones. */
export function need(sg, ...paths) {
  const got = paths.map((p) => p.split('.').reduce((o, k) => (o == null ? undefined : o[k]), sg));
  const missing = paths.filter((_, i) => got[i] === undefined);
  if (missing.length) throw new MissingModule(missing);
  return got;
}

/** BatchNorm options from a builder's `batchNorm` argument (true: the defaults). */
const bnOptions = (batchNorm) => (typeof batchNorm === 'object' ? batchNorm : {});

/** The layers applied in order (nn.Sequential). */
export const chain = (sg, layers) => new (need(sg, 'nn.Sequential')[0])(...layers);
export const residual = (sg, body) => new (need(sg, 'nn.Residual')[0])(body);

/** The activations compared by the rectifier experiment. */
export const ACTIVATIONS = ['tanh', 'relu', 'leakyrelu', 'prelu', 'maxout', 'crelu'];

/**
 * An activation as [layers, widthFactor]: layers to put after an affine map to
 * `width` units, and how many units they emit per unit of `width` (2 for
 * CReLU). Maxout is an affine map of its own (k = 2 pieces), so for it the
 * caller's affine layer is replaced: see `affineAct`.
 */
function activation(sg, kind, width, conv) {
  switch (kind) {
    case 'tanh': return [[new (need(sg, 'nn.Tanh')[0])()], 1];
    case 'relu': return [[new (need(sg, 'nn.ReLU')[0])()], 1];
    case 'sigmoid': return [[new (need(sg, 'nn.Sigmoid')[0])()], 1];
    case 'leakyrelu': return [[new (need(sg, 'nn.LeakyReLU')[0])(0.01)], 1];
    case 'prelu': return [[new (need(sg, 'nn.PReLU')[0])(conv ? { numParameters: width } : {})], 1];
    case 'crelu': return [[new (need(sg, 'nn.CReLU')[0])({ dim: 1 })], 2];
    default: throw new LabError(`unknown activation ${kind}`);
  }
}

/** An affine map (Linear, or a 3x3 conv with `conv`) from `inW` to `outW` units followed by activation `kind`; returns [layers, emitted width]. */
export function affineAct(sg, kind, inW, outW, { conv = false, dropConnect = 0 } = {}) {
  const affine = (i, o) =>
    conv ? new (need(sg, 'nn.Conv2d')[0])(i, o, 3, { padding: 1 })
      : dropConnect > 0 ? new (need(sg, 'nn.DropConnect')[0])(i, o, { p: dropConnect })
      : new (need(sg, 'nn.Linear')[0])(i, o);
  if (kind === 'maxout') {
    if (!conv) return [[new (need(sg, 'nn.Maxout')[0])(inW, outW, 2)], outW];
    return [[affine(inW, outW * 2), new (need(sg, 'nn.ChannelMaxout')[0])(2)], outW];
  }
  const [acts, factor] = activation(sg, kind, outW, conv);
  return [[affine(inW, outW), ...acts], outW * factor];
}

/**
 * A plain fully connected classifier: `depth` weight layers (depth-1 hidden
 * layers of `width` units with activation `kind`), optional BatchNorm1d
 * after each hidden affine map (`batchNorm`: true, or its options) and
 * dropout before each weight layer.
 */
export function mlp(sg, { inputs, classes: nClasses = 10, width, depth, kind = 'relu', batchNorm = false, dropout = 0, inputDropout = 0, dropConnect = 0 }) {
  const [Linear, Flatten] = need(sg, 'nn.Linear', 'nn.Flatten');
  const layers = [new Flatten()];
  let w = inputs;
  for (let d = 0; d < depth - 1; d++) {
    const p = d === 0 ? inputDropout : dropout;
    if (p > 0) layers.push(new (need(sg, 'nn.Dropout')[0])(p));
    const [block, out] = affineAct(sg, kind, w, width, { dropConnect: d === 0 ? 0 : dropConnect });
    if (batchNorm) block.splice(1, 0, new (need(sg, 'nn.BatchNorm1d')[0])(width, bnOptions(batchNorm)));
    layers.push(...block);
    w = out;
  }
  if (dropout > 0) layers.push(new (need(sg, 'nn.Dropout')[0])(dropout));
  layers.push(new Linear(w, nClasses));
  return chain(sg, layers);
}

/**
 * A fully connected residual network: a stem Linear to `width`, then blocks
 * y = x + W2 act(W1 x) (each block two weight layers, `depth` weight layers in
 * all counting stem and head), optional BatchNorm1d in each block
 * (`batchNorm`: true, or its options).
 */
export function resMlp(sg, { inputs, classes: nClasses = 10, width, depth, kind = 'relu', batchNorm = false }) {
  const [Linear, Flatten] = need(sg, 'nn.Linear', 'nn.Flatten');
  const blocks = Math.max(1, Math.round((depth - 2) / 2));
  const layers = [new Flatten(), new Linear(inputs, width), ...activation(sg, kind, width, false)[0]];
  for (let b = 0; b < blocks; b++) {
    const body = [new Linear(width, width)];
    if (batchNorm) body.push(new (need(sg, 'nn.BatchNorm1d')[0])(width, bnOptions(batchNorm)));
    body.push(...activation(sg, kind, width, false)[0], new Linear(width, width));
    layers.push(residual(sg, chain(sg, body)));
  }
  layers.push(new Linear(width, nClasses));
  return chain(sg, layers);
}

/**
 * The 4-layer CNN of the rectifier experiment (sized for 2 cores): two 3x3
 * conv layers with 2x2 max pooling, then two fully connected layers, all
 * with activation `kind`. [B,1,28,28] -> conv c1 -> pool -> conv c2 -> pool -> fc 64 -> fc classes.
 */
export function cnn4(sg, { channels = [8, 16], side = 28, classes: nClasses = 10, kind = 'relu', spatialDropout = 0, inChannels = 1 }) {
  const [MaxPool2d, Flatten, Linear] = need(sg, 'nn.MaxPool2d', 'nn.Flatten', 'nn.Linear');
  const layers = [];
  let c = inChannels, s = side;
  for (const out of channels) {
    const [block, emitted] = affineAct(sg, kind, c, out, { conv: true });
    layers.push(...block, new MaxPool2d(2));
    if (spatialDropout > 0) layers.push(new (need(sg, 'nn.Dropout2d')[0])(spatialDropout));
    c = emitted;
    s = Math.floor(s / 2);
  }
  layers.push(new Flatten());
  const [fc, w] = affineAct(sg, kind, c * s * s, 64);
  layers.push(...fc, new Linear(w, nClasses));
  return chain(sg, layers);
}

/** The Linear layers of a model, in order (for per-layer gradient norms and activation statistics). */
export function linearLayers(sg, model) {
  const [Linear] = need(sg, 'nn.Linear');
  return [...model.modules()].filter((m) => m instanceof Linear);
}

/** Frees a model's parameters and buffers. */
export function disposeModel(model) {
  model.zeroGrad?.();
  if (typeof model.dispose === 'function') model.dispose();
}

/**
 * He et al.'s CIFAR network (resnetCifar, depth 6n + 2: 3x3 convs with batch
 * norm, three stages of widths w, 2w, 4w, global average pooling), plain
 * (residual: false) or residual with option-A shortcuts, behind a 2x2 average
 * pooling of the input that halves the image side (28 -> 14 for MNIST,
 * 32 -> 16 for CIFAR-10) to fit the lab's budget.
 */
export function cifarNet(sg, { depth, residual, width, inChannels, classes: nClasses = 10 }) {
  const [AvgPool2d, resnetCifar] = need(sg, 'nn.AvgPool2d', 'nn.resnetCifar');
  return chain(sg, [new AvgPool2d(2), resnetCifar(depth, { residual, width, inChannels, numClasses: nClasses, shortcut: 'A' })]);
}
