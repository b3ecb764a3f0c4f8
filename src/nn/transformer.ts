/**
 * Transformer encoder blocks (torch.nn.TransformerEncoderLayer,
 * torch.nn.TransformerEncoder; Vaswani et al., 2017): self-attention and a
 * two-layer feed-forward network, each in a residual branch with layer
 * normalisation after the sum (post-norm, the paper's) or at the branch's
 * input (pre-norm, normFirst; Xiong et al., 2020), which keeps an identity
 * path through every layer and trains deep stacks without warm-up.
 */
import { Tensor } from '../tensor';
import { add } from '../ops/binary';
import { gelu, relu } from '../ops/unary';
import { scope } from '../autograd/scope';
import { Module, ModuleList } from './module';
import { Linear } from './linear';
import { Dropout } from './dropout';
import { LayerNorm } from './layernorm';
import { MultiheadAttention } from './attention';
import { boolean, instanceOf, integer, nullable, number, oneOf, param, parseArgs, required, tensor, type Parsed } from '../validate';

/** Options of TransformerEncoderLayer after dModel and nhead (PyTorch's names in camelCase). */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward network's hidden layer (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability on the attention weights, the feed-forward hidden layer and both branches (default 0.1). */
  dropout?: number;
  /** The feed-forward network's nonlinearity (default 'relu'). */
  activation?: 'relu' | 'gelu';
  /** eps of both layer norms (default 1e-5). */
  layerNormEps?: number;
  /** Input and output as (N, L, dModel) instead of (L, N, dModel) (default false). */
  batchFirst?: boolean;
  /** Pre-norm: normalise each branch's input instead of the residual sum (default false). */
  normFirst?: boolean;
  /** Biases in the linear layers, the attention and the layer norms (default true). */
  bias?: boolean;
}

const LAYER_ARGS = {
  dModel: param(integer({ min: 1 }), required),
  nhead: param(integer({ min: 1 }), required),
  dimFeedforward: param(integer({ min: 1 }), 2048),
  dropout: param(number({ min: 0, max: 1 }), 0.1),
  activation: param(oneOf(['relu', 'gelu'] as const), 'relu'),
  layerNormEps: param(number({ gt: 0 }), 1e-5),
  batchFirst: param(boolean, false),
  normFirst: param(boolean, false),
  bias: param(boolean, true),
};

/** Options of the encoders' forward after the input. */
export interface TransformerEncoderForwardOptions {
  /** Attention mask (L, S) or (N nhead, L, S), as MultiheadAttention's attnMask (default none). */
  mask?: Tensor | null;
  /** (N, S): padded keys, as MultiheadAttention's keyPaddingMask (default none). */
  srcKeyPaddingMask?: Tensor | null;
  /** Hint that mask is the causal mask (which must be given); the fused causal kernel then runs (default false). */
  isCausal?: boolean;
  /** The masks hold 0 / 1 booleans, nonzero = masked out (default false: float masks, added). */
  boolMask?: boolean;
}

const FORWARD_ARGS = {
  src: param(tensor, required),
  mask: param(nullable(tensor), null),
  srcKeyPaddingMask: param(nullable(tensor), null),
  isCausal: param(boolean, false),
  boolMask: param(boolean, false),
};

/**
 * One transformer encoder layer (torch.nn.TransformerEncoderLayer):
 *   post-norm: x = norm1(x + SA(x)),        x = norm2(x + FF(x))
 *   pre-norm:  x = x + SA(norm1(x)),        x = x + FF(norm2(x))
 * with SA(x) = dropout1(selfAttn(x, x, x)) and
 * FF(x) = dropout2(linear2(dropout(activation(linear1(x))))).
 * Submodules under PyTorch's names (selfAttn, linear1, dropout, linear2,
 * norm1, norm2, dropout1, dropout2; state-dict keys self_attn.in_proj_weight,
 * linear1.weight, norm1.bias, ...), so PyTorch state dicts load.
 * Shape: (L, N, dModel), or (N, L, dModel) with batchFirst, or (L, dModel) -> the same.
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true, normFirst: true });
 * const y = layer.forward(sg.randn([2, 10, 32]), { mask: nn.generateSquareSubsequentMask(10), isCausal: true });
 */
export class TransformerEncoderLayer extends Module {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly normFirst: boolean;
  readonly activation: 'relu' | 'gelu';
  /** The constructor's arguments, for copies (TransformerEncoder). */
  readonly #args: Parsed<typeof LAYER_ARGS>;

  /**
   * `new TransformerEncoderLayer(dModel, nhead, dimFeedforward?, dropout?, activation?, layerNormEps?, batchFirst?, normFirst?, bias?)`,
   * PyTorch's positional order, or the optional ones as a trailing options object.
   */
  constructor(dModel: number, nhead: number, opts?: TransformerEncoderLayerOptions);
  constructor(dModel: number, nhead: number, dimFeedforward?: number, dropout?: number, activation?: 'relu' | 'gelu', layerNormEps?: number, batchFirst?: boolean, normFirst?: boolean, bias?: boolean);
  constructor(...args: unknown[]) {
    const a = parseArgs('TransformerEncoderLayer', args, LAYER_ARGS);
    if (a.dModel % a.nhead !== 0) throw new RangeError(`TransformerEncoderLayer: dModel ${a.dModel} must be divisible by nhead ${a.nhead}`);
    super();
    this.#args = a;
    this.selfAttn = this.registerModule('selfAttn', new MultiheadAttention(a.dModel, a.nhead, { dropout: a.dropout, bias: a.bias, batchFirst: a.batchFirst }));
    this.linear1 = this.registerModule('linear1', new Linear(a.dModel, a.dimFeedforward, a.bias));
    this.dropout = this.registerModule('dropout', new Dropout(a.dropout));
    this.linear2 = this.registerModule('linear2', new Linear(a.dimFeedforward, a.dModel, a.bias));
    this.normFirst = a.normFirst;
    this.norm1 = this.registerModule('norm1', new LayerNorm(a.dModel, { eps: a.layerNormEps, bias: a.bias }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(a.dModel, { eps: a.layerNormEps, bias: a.bias }));
    this.dropout1 = this.registerModule('dropout1', new Dropout(a.dropout));
    this.dropout2 = this.registerModule('dropout2', new Dropout(a.dropout));
    this.activation = a.activation;
  }

  /** A new layer with the same settings, parameters copied and the same training mode (PyTorch's deepcopy). */
  copy(): TransformerEncoderLayer {
    const a = this.#args;
    const c = new TransformerEncoderLayer(a.dModel, a.nhead, a.dimFeedforward, a.dropout, a.activation, a.layerNormEps, a.batchFirst, a.normFirst, a.bias);
    const state = this.stateDict();
    c.loadStateDict(state);
    // stateDict's entries are handles of their own (detached views): release them
    for (const t of state.values()) t.dispose();
    c.train(this.training);
    return c;
  }

  /** The layer applied to src (shapes in the class comment). */
  override forward(src: Tensor, opts?: TransformerEncoderForwardOptions): Tensor;
  override forward(src: Tensor, srcMask?: Tensor | null, srcKeyPaddingMask?: Tensor | null, isCausal?: boolean, opts?: Pick<TransformerEncoderForwardOptions, 'boolMask'>): Tensor;
  override forward(...args: unknown[]): Tensor {
    const a = parseArgs('TransformerEncoderLayer.forward', args, FORWARD_ARGS, 4);
    const src = a.src;
    return scope(() => {
      const sa = (x: Tensor): Tensor => this.dropout1.call(this.selfAttn.forward(x, x, x, {
        attnMask: a.mask, keyPaddingMask: a.srcKeyPaddingMask, needWeights: false, isCausal: a.isCausal, boolMask: a.boolMask,
      })[0]);
      const act = (x: Tensor): Tensor => (this.activation === 'relu' ? relu(x) : gelu(x));
      const ff = (x: Tensor): Tensor => this.dropout2.call(this.linear2.call(this.dropout.call(act(this.linear1.call(x)))));
      let x = src;
      if (this.normFirst) {
        x = add(x, sa(this.norm1.call(x)));
        x = add(x, ff(this.norm2.call(x)));
      } else {
        x = this.norm1.call(add(x, sa(x)));
        x = this.norm2.call(add(x, ff(x)));
      }
      return x;
    });
  }

  override extraRepr(): string {
    const a = this.#args;
    return `dModel=${a.dModel}, nhead=${a.nhead}, dimFeedforward=${a.dimFeedforward}, activation=${a.activation}, normFirst=${a.normFirst}`;
  }
}

const ENCODER_ARGS = {
  encoderLayer: param(instanceOf(TransformerEncoderLayer, 'a TransformerEncoderLayer', '; construct one: new nn.TransformerEncoderLayer(dModel, nhead)'), required),
  numLayers: param(integer({ min: 1 }), required),
  norm: param(nullable(instanceOf(Module, 'a Module (e.g. nn.LayerNorm)')), null),
};

/**
 * A stack of numLayers copies of an encoder layer (torch.nn.TransformerEncoder),
 * then an optional norm: each copy is independent (PyTorch deep-copies the
 * layer; the layer passed in is only the template). State-dict keys
 * layers.0.self_attn.in_proj_weight, ..., norm.weight as PyTorch's.
 * Shape: the layer's.
 *
 * @example
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64 }), 2, new nn.LayerNorm(32));
 * const y = enc.forward(sg.randn([10, 3, 32]));   // (L, N, dModel)
 */
export class TransformerEncoder extends Module {
  readonly layers: ModuleList;
  readonly norm: Module | null;
  readonly numLayers: number;

  /** `new TransformerEncoder(encoderLayer, numLayers, norm?)`, PyTorch's positional order, or norm as an option. */
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, norm?: Module | null);
  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, opts: { norm?: Module | null });
  constructor(...args: unknown[]) {
    const a = parseArgs('TransformerEncoder', args, ENCODER_ARGS);
    super();
    this.numLayers = a.numLayers;
    this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: a.numLayers }, () => a.encoderLayer.copy())));
    this.norm = this.registerModule('norm', a.norm);
  }

  /** Every layer in turn, then the norm (options as TransformerEncoderLayer.forward's). */
  override forward(src: Tensor, opts?: TransformerEncoderForwardOptions): Tensor;
  override forward(src: Tensor, mask?: Tensor | null, srcKeyPaddingMask?: Tensor | null, isCausal?: boolean, opts?: Pick<TransformerEncoderForwardOptions, 'boolMask'>): Tensor;
  override forward(...args: unknown[]): Tensor {
    const a = parseArgs('TransformerEncoder.forward', args, FORWARD_ARGS, 4);
    return scope(() => {
      let x = a.src;
      const { mask, srcKeyPaddingMask, isCausal, boolMask } = a;
      for (const layer of this.layers) x = (layer as TransformerEncoderLayer).forward(x, { mask, srcKeyPaddingMask, isCausal, boolMask });
      return this.norm === null ? x : this.norm.call(x);
    });
  }

  override extraRepr(): string {
    return `numLayers=${this.numLayers}`;
  }
}
