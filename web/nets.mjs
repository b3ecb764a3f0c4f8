// The playground's networks, built from the page's switches on simdgrad's nn
// modules (the same ideas as lab/nets.mjs, without its Node-side pieces).
//
// A network is a flat nn.Sequential; `probes` are the modules whose outputs
// are the hidden layers' activations (their variance is charted), and
// `weights` the weight tensors (ndim >= 2) in forward order (their gradient
// norms are charted).

export const ACTIVATIONS = ['tanh', 'relu', 'leakyrelu', 'prelu', 'maxout', 'crelu'];
export const DROPOUTS = ['none', 'dropout', 'dropout2d', 'dropconnect'];
export const INITS = ['default', 'orthogonal', 'lsuv', 'looks-linear'];


/**
 * One hidden layer: affine map (Linear / DropConnect / 3x3 Conv2d, or Maxout)
 * from `inW` to `width` units, optional batch norm, activation. Returns
 * { layers, out: emitted width, probe: the module whose output is the activation }.
 */
function hiddenLayer(sg, { kind, inW, width, conv, batchNorm, dropConnect }) {
  const nn = sg.nn;
  const { ChannelMaxout } = sg.nn;
  const affine = (i, o) => (conv ? new nn.Conv2d(i, o, 3, { padding: 1 }) : dropConnect > 0 ? new nn.DropConnect(i, o, { p: dropConnect }) : new nn.Linear(i, o));
  const norm = () => (conv ? new nn.BatchNorm2d(width) : new nn.BatchNorm1d(width));
  if (kind === 'maxout') {
    // the max over 2 affine pieces; batch norm (if any) after the max
    const layers = conv ? [affine(inW, width * 2), new ChannelMaxout(2)] : [new nn.Maxout(inW, width, 2)];
    if (batchNorm) layers.push(norm());
    return { layers, out: width, probe: layers[layers.length - 1] };
  }
  const act = {
    tanh: () => new nn.Tanh(),
    relu: () => new nn.ReLU(),
    leakyrelu: () => new nn.LeakyReLU(0.01),
    prelu: () => new nn.PReLU(conv ? { numParameters: width } : {}),
    crelu: () => new nn.CReLU({ dim: 1 }),
  }[kind];
  if (!act) throw new Error(`unknown activation ${kind}`);
  const a = act();
  const layers = [affine(inW, width), ...(batchNorm ? [norm()] : []), a];
  return { layers, out: kind === 'crelu' ? 2 * width : width, probe: a };
}

/**
 * The network of a configuration:
 *   arch 'mlp':  Flatten, depth-1 hidden layers of `width` units, Linear to 10;
 *   arch 'cnn':  depth-1 3x3 conv layers of `width` channels (2x2 max pooling
 *                after the first two), Flatten, Linear to 10.
 * residual: every hidden layer after the first is wrapped as y = x + layer(x)
 * (widths match there). dropout 'dropout' / 'dropout2d' (conv only) follows
 * each hidden layer; 'dropconnect' replaces the MLP's hidden Linear maps after
 * the first by DropConnect.
 */
export function buildNet(sg, cfg) {
  const { arch = 'mlp', depth, width, activation: kind, dropout = 'none', dropoutP = 0.2, batchNorm = false, residual = false } = cfg;
  const nn = sg.nn;
  const { Residual } = sg.nn;
  const conv = arch === 'cnn';
  if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`depth must be a positive integer, got ${depth}`);
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be a positive integer, got ${width}`);
  if (dropout === 'dropout2d' && !conv) throw new RangeError('Dropout2d drops whole channels: it needs the convolutional network');
  const layers = conv ? [] : [new nn.Flatten()];
  const probes = [];
  let w = conv ? 1 : 28 * 28, side = 28;
  for (let d = 0; d < depth - 1; d++) {
    const h = hiddenLayer(sg, { kind, inW: w, width, conv, batchNorm, dropConnect: dropout === 'dropconnect' && !conv && d > 0 ? dropoutP : 0 });
    if (residual && d > 0 && h.out === w) {
      const block = new Residual(new nn.Sequential(...h.layers));
      layers.push(block);
      probes.push(block);
    } else {
      layers.push(...h.layers);
      probes.push(h.probe);
    }
    w = h.out;
    if (conv && d < 2) {
      layers.push(new sg.nn.MaxPool2d(2));
      side /= 2;
    }
    if (dropout === 'dropout') layers.push(new nn.Dropout(dropoutP));
    if (dropout === 'dropout2d') layers.push(new nn.Dropout2d(dropoutP));
  }
  if (conv) {
    layers.push(new nn.Flatten());
    w *= side * side;
  }
  layers.push(new nn.Linear(w, 10));
  const model = new nn.Sequential(...layers);
  const weights = [...model.namedParameters()].filter(([, p]) => p.ndim >= 2);
  return { model, probes, weights };
}

/** Gain of the activation for orthogonal init (PyTorch's calculate_gain). */
function gainOf(sg, kind) {
  if (kind === 'tanh') return sg.nn.init.calculateGain('tanh');
  if (kind === 'relu' || kind === 'prelu' || kind === 'crelu') return sg.nn.init.calculateGain('relu');
  if (kind === 'leakyrelu') return sg.nn.init.calculateGain('leakyRelu', 0.01);
  return 1;
}

/**
 * Applies the initialisation: 'default' keeps the modules' own (PyTorch's),
 * 'orthogonal' sets every weight orthogonal (gain of the activation, zero
 * biases), 'lsuv' runs nn.init.lsuv on `batch`, 'looks-linear' runs
 * nn.init.looksLinear_ (a CReLU net starts as a linear map; others get
 * orthogonal weights and zero biases).
 */
export function initialise(sg, net, init, kind, batch) {
  const init_ = sg.nn.init;
  if (init === 'default') return;
  if (init === 'orthogonal') {
    const gain = gainOf(sg, kind);
    sg.noGrad(() => {
      for (const [name, p] of net.model.namedParameters()) {
        if (p.ndim >= 2) init_.orthogonal_(p, gain);
        else if (name.endsWith('bias') && !name.includes('.running')) init_.zeros_(p);
      }
    });
  } else if (init === 'lsuv') {
    init_.lsuv(net.model, batch);
  } else if (init === 'looks-linear') {
    init_.looksLinear_(net.model);
  } else {
    throw new Error(`unknown initialisation ${init}`);
  }
}
