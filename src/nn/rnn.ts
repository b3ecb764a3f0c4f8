/**
 * Recurrent layers (torch.nn.LSTM, torch.nn.GRU), composed from the
 * differentiable ops (linear, sigmoid, tanh, mul, add, narrow, stack, cat),
 * so autograd through time is exact and every per-element step runs in wasm.
 */
import { Tensor } from '../tensor';
import { empty, zeros } from '../ops/create';
import { linear } from '../ops/matmul';
import { add, mul, sub } from '../ops/binary';
import { sigmoid, tanh } from '../ops/unary';
import { cat, stack } from '../ops/join';
import { narrow, select, squeeze, transpose, unsqueeze } from '../ops/views';
import { scope } from '../autograd/scope';
import { fmtShape } from '../shape';
import { Module } from './module';
import { uniform_ } from './init';
import { dropout } from '../ops/dropout';
import { arrayOf, boolean, integer, nullable, number, onlyDefault, param, parseArgs, required, tensor } from '../validate';

/** Options of LSTM and GRU after their sizes (PyTorch's names in camelCase). */
export interface RNNOptions {
  /** Stacked recurrent layers, each reading the previous one's output sequence (default 1). */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output as (N, L, features) instead of (L, N, features); the states keep (layers, N, H) (default false). */
  batchFirst?: boolean;
  /** Dropout probability on each layer's output except the last, in training (default 0). */
  dropout?: number;
  /** Run a second direction over the reversed sequence and concatenate both (default false). */
  bidirectional?: boolean;
}

/** Options of LSTM: RNNOptions and PyTorch's projSize, of which only 0 is supported. */
export interface LSTMOptions extends RNNOptions {
  /** Projection size of the hidden state; only 0 (no projection) is implemented. */
  projSize?: number;
}

/** The arguments shared by LSTM and GRU, in PyTorch's positional order. */
const RNN_ARGS = {
  inputSize: param(integer({ min: 1 }), required),
  hiddenSize: param(integer({ min: 1 }), required),
  numLayers: param(integer({ min: 1 }), 1),
  bias: param(boolean, true),
  batchFirst: param(boolean, false),
  dropout: param(number({ min: 0, max: 1 }), 0),
  bidirectional: param(boolean, false),
};

const LSTM_ARGS = { ...RNN_ARGS, projSize: param(onlyDefault(0, 'LSTM projections are not implemented; leave projSize at 0'), 0) };

type Mode = 'LSTM' | 'GRU';

/** The weights of one layer in one direction. */
interface Weights {
  ih: Tensor;
  hh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
}

/**
 * One LSTM step from the gate pre-activations of the input gx = W_ih x + b_ih
 * and of the state gh = W_hh h + b_hh, both (N, 4H) in PyTorch's gate order i, f, g, o:
 * c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c').
 */
function lstmStep(gx: Tensor, gh: Tensor, c: Tensor, H: number): [Tensor, Tensor] {
  const g = add(gx, gh);
  const gate = (k: number): Tensor => narrow(g, -1, k * H, H);
  const c2 = add(mul(sigmoid(gate(1)), c), mul(sigmoid(gate(0)), tanh(gate(2))));
  return [mul(sigmoid(gate(3)), tanh(c2)), c2];
}

/**
 * One GRU step from gx = W_ih x + b_ih and gh = W_hh h + b_hh, both (N, 3H) in
 * PyTorch's gate order r, z, n: r = sigmoid(gx_r + gh_r), z = sigmoid(gx_z + gh_z),
 * n = tanh(gx_n + r gh_n), h' = (1 - z) n + z h = n + z (h - n).
 */
function gruStep(gx: Tensor, gh: Tensor, h: Tensor, H: number): Tensor {
  const part = (t: Tensor, k: number): Tensor => narrow(t, -1, k * H, H);
  const r = sigmoid(add(part(gx, 0), part(gh, 0)));
  const z = sigmoid(add(part(gx, 1), part(gh, 1)));
  const n = tanh(add(part(gx, 2), mul(r, part(gh, 2))));
  return add(n, mul(z, sub(h, n)));
}

/** What LSTM and GRU share: parameters, their names and init, and the loop over layers, directions and time. */
abstract class RNNBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** Weights per layer and direction, index layer * directions + direction (PyTorch's order). */
  readonly #weights: Weights[] = [];

  protected constructor(
    private readonly mode: Mode,
    a: { inputSize: number; hiddenSize: number; numLayers: number; bias: boolean; batchFirst: boolean; dropout: number; bidirectional: boolean },
  ) {
    super();
    this.inputSize = a.inputSize;
    this.hiddenSize = a.hiddenSize;
    this.numLayers = a.numLayers;
    this.bias = a.bias;
    this.batchFirst = a.batchFirst;
    this.dropout = a.dropout;
    this.bidirectional = a.bidirectional;
    const G = (mode === 'LSTM' ? 4 : 3) * a.hiddenSize;
    const D = this.directions;
    for (let layer = 0; layer < a.numLayers; layer++) {
      for (let dir = 0; dir < D; dir++) {
        // camelCase names whose toTorchKey is PyTorch's: weightIhL0Reverse -> weight_ih_l0_reverse
        const suffix = `L${layer}${dir === 1 ? 'Reverse' : ''}`;
        const inSize = layer === 0 ? a.inputSize : a.hiddenSize * D;
        this.#weights.push({
          ih: this.registerParameter(`weightIh${suffix}`, empty([G, inSize])),
          hh: this.registerParameter(`weightHh${suffix}`, empty([G, a.hiddenSize])),
          bih: a.bias ? this.registerParameter(`biasIh${suffix}`, empty([G])) : null,
          bhh: a.bias ? this.registerParameter(`biasHh${suffix}`, empty([G])) : null,
        });
      }
    }
    this.resetParameters();
  }

  /** 2 when bidirectional, else 1. */
  get directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Re-draws every weight and bias from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)) (PyTorch's init). */
  resetParameters(): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -k, k);
  }

  /**
   * Runs every layer and direction over the input. `states` are the initial
   * states (h0, and c0 for LSTM), each (numLayers * directions, N, H), or
   * (numLayers * directions, H) for an unbatched input; null means zeros.
   * Returns the last layer's output sequence and the final states stacked alike.
   */
  protected run(input: Tensor, states: Tensor[] | null): [Tensor, Tensor[]] {
    const where = this.mode;
    const H = this.hiddenSize, D = this.directions, S = this.numLayers * D;
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.inputSize) {
      const form = this.batchFirst ? '(N, L, inputSize)' : '(L, N, inputSize)';
      throw new RangeError(`${where}: input ${fmtShape(input.shape)}: expected ${form} or unbatched (L, inputSize) with inputSize = ${this.inputSize}`);
    }
    const batched = input.ndim === 3;
    const N = batched ? input.shape[this.batchFirst ? 0 : 1]! : 1;
    const stateShape = batched ? [S, N, H] : [S, H];
    const names = this.mode === 'LSTM' ? ['h0', 'c0'] : ['h0'];
    states?.forEach((s, i) => {
      if (s.ndim !== stateShape.length || s.shape.some((d, j) => d !== stateShape[j])) {
        throw new RangeError(`${where}: ${names[i]} ${fmtShape(s.shape)}: expected ${fmtShape(stateShape)} (numLayers * directions${batched ? ', batch' : ''}, hiddenSize) for input ${fmtShape(input.shape)}`);
      }
    });
    return scope(() => {
      let x = !batched ? unsqueeze(input, 1) : this.batchFirst ? transpose(input, 0, 1) : input;
      const initial = (k: number, i: number): Tensor => (states === null ? zeros([N, H]) : batched ? select(states[k]!, 0, i) : unsqueeze(select(states[k]!, 0, i), 0));
      const finals: Tensor[][] = names.map(() => []);
      for (let layer = 0; layer < this.numLayers; layer++) {
        if (layer > 0 && this.dropout > 0 && this.training) x = dropout(x, this.dropout, true);
        const outs: Tensor[] = [];
        for (let dir = 0; dir < D; dir++) {
          const i = layer * D + dir;
          const { out, last } = this.sweep(x, this.#weights[i]!, names.map((_, k) => initial(k, i)), dir === 1);
          outs.push(out);
          last.forEach((s, k) => finals[k]!.push(s));
        }
        x = D === 1 ? outs[0]! : cat(outs, -1);
      }
      const output = !batched ? squeeze(x, 1) : this.batchFirst ? transpose(x, 0, 1) : x;
      return [output, finals.map((f) => (batched ? stack(f, 0) : squeeze(stack(f, 0), 1)))];
    });
  }

  /** One layer in one direction over x (L, N, in): its outputs (L, N, H) and final states. */
  private sweep(x: Tensor, w: Weights, state: Tensor[], reverse: boolean): { out: Tensor; last: Tensor[] } {
    const L = x.shape[0]!, H = this.hiddenSize;
    const gx = linear(x, w.ih, w.bih); // the input's gates for every step in one product
    let [h, c] = state as [Tensor, Tensor | undefined];
    const outs: Tensor[] = new Array<Tensor>(L);
    for (let s = 0; s < L; s++) {
      const t = reverse ? L - 1 - s : s;
      const gh = linear(h, w.hh, w.bhh);
      if (c !== undefined) [h, c] = lstmStep(select(gx, 0, t), gh, c, H);
      else h = gruStep(select(gx, 0, t), gh, h, H);
      outs[t] = h;
    }
    return { out: stack(outs, 0), last: c !== undefined ? [h, c] : [h] };
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/**
 * Long short-term memory (torch.nn.LSTM). Per layer and step, with the gates
 * in PyTorch's order i, f, g, o stacked in W_ih (4H, in), W_hh (4H, H), b_ih, b_hh (4H):
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(...), g = tanh(...), o = σ(...),
 *   c' = f c + i g, h' = o tanh(c').
 * Parameters weightIhL{k}, weightHhL{k}, biasIhL{k}, biasHhL{k} (and ...Reverse
 * for the backward direction) are PyTorch's weight_ih_l{k}... under toTorchKey,
 * so PyTorch state dicts load. Init: every parameter ~ U(-1/sqrt H, 1/sqrt H).
 *
 * forward(input, [h0, c0]?) returns `[output, [hN, cN]]` as PyTorch's tuple:
 * input (L, N, inputSize), or (N, L, inputSize) with batchFirst, or unbatched (L, inputSize);
 * output (L, N, D H) (batchFirst: (N, L, D H); unbatched (L, D H)), D = 2 if bidirectional else 1;
 * h0, c0, hN, cN (numLayers D, N, H) (unbatched (numLayers D, H)); missing states are zeros.
 *
 * @example
 * const lstm = new nn.LSTM(10, 20, 2);                       // PyTorch's positional order
 * const same = new nn.LSTM(10, 20, { numLayers: 2, batchFirst: true });
 * const [out, [hN, cN]] = lstm.forward(sg.randn([5, 3, 10])); // out (5, 3, 20), hN and cN (2, 3, 20)
 */
export class LSTM extends RNNBase {
  /**
   * `new LSTM(inputSize, hiddenSize, numLayers?, bias?, batchFirst?, dropout?, bidirectional?, projSize?)`,
   * PyTorch's positional order, or the optional ones as a trailing options object.
   */
  constructor(inputSize: number, hiddenSize: number, opts?: LSTMOptions);
  constructor(inputSize: number, hiddenSize: number, numLayers?: number, bias?: boolean, batchFirst?: boolean, dropout?: number, bidirectional?: boolean, projSize?: number);
  constructor(inputSize: number, hiddenSize: number, numLayers: number, opts: Omit<LSTMOptions, 'numLayers'>);
  constructor(...args: unknown[]) {
    super('LSTM', parseArgs('LSTM', args, LSTM_ARGS));
  }

  /** `[output, [hN, cN]]` from input and optional initial states [h0, c0] (shapes in the class comment). */
  override forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    const a = parseArgs('LSTM.forward', [input, hx], { input: param(tensor, required), hx: param(nullable(arrayOf(tensor, 'tensors [h0, c0]', { length: 2 })), null) });
    const [output, states] = this.run(a.input, a.hx);
    return [output, states as [Tensor, Tensor]];
  }
}

/**
 * Gated recurrent unit (torch.nn.GRU). Per layer and step, with the gates in
 * PyTorch's order r, z, n stacked in W_ih (3H, in), W_hh (3H, H), b_ih, b_hh (3H):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.
 * Parameter names, init, shapes and options as LSTM's (no cell state).
 *
 * forward(input, h0?) returns `[output, hN]` as PyTorch's tuple.
 *
 * @example
 * const gru = new nn.GRU(8, 16, { bidirectional: true });
 * const [out, hN] = gru.forward(sg.randn([7, 8]));   // unbatched: out (7, 32), hN (2, 16)
 */
export class GRU extends RNNBase {
  /**
   * `new GRU(inputSize, hiddenSize, numLayers?, bias?, batchFirst?, dropout?, bidirectional?)`,
   * PyTorch's positional order, or the optional ones as a trailing options object.
   */
  constructor(inputSize: number, hiddenSize: number, opts?: RNNOptions);
  constructor(inputSize: number, hiddenSize: number, numLayers?: number, bias?: boolean, batchFirst?: boolean, dropout?: number, bidirectional?: boolean);
  constructor(inputSize: number, hiddenSize: number, numLayers: number, opts: Omit<RNNOptions, 'numLayers'>);
  constructor(...args: unknown[]) {
    super('GRU', parseArgs('GRU', args, RNN_ARGS));
  }

  /** `[output, hN]` from input and an optional initial state h0 (shapes in the class comment). */
  override forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor] {
    const a = parseArgs('GRU.forward', [input, hx], { input: param(tensor, required), hx: param(nullable(tensor), null) });
    const [output, states] = this.run(a.input, a.hx === null ? null : [a.hx]);
    return [output, states[0]!];
  }
}
