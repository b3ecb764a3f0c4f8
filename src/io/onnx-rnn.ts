/**
 * nn.LSTM and nn.GRU as ONNX's LSTM and GRU ops, one node per layer (both
 * directions in one node when bidirectional), instead of the unrolled
 * steps their forward runs: the file then takes any sequence length.
 *
 * Layouts: ONNX's X is (seq, batch, input), Y (seq, directions, batch,
 * hidden), Y_h / Y_c (directions, batch, hidden); a batchFirst input is
 * transposed in and out, an unbatched one gets its batch dim of 1, and a
 * layer's Y becomes the next layer's X as (seq, batch, directions hidden).
 * Gates: PyTorch stacks LSTM's as i, f, g, o and ONNX as i, o, f, c; GRU's
 * r, z, n and z, r, h; the blocks of W_ih, W_hh and the biases are
 * reordered in the graph (Split + Concat of the state-dict initializers).
 * GRU applies r to (W_hn h + b_hn) as ONNX's linear_before_reset = 1.
 */
import type { Tensor } from '../tensor';
import type { Module } from '../nn/module';
import type { Graph, Value } from './onnx-graph';
import type { Emitted } from './onnx-ops';

/** The settings of an nn.LSTM / nn.GRU the conversion reads. */
interface Recurrent extends Module {
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly batchFirst: boolean;
  readonly bidirectional: boolean;
}

/** Where PyTorch's gate blocks go in ONNX's order. */
const GATE_ORDER = { LSTM: [0, 3, 1, 2], GRU: [1, 0, 2] } as const;

/**
 * The outputs of `m.forward(x, states)`: [output, hN, cN] for LSTM, [output, hN]
 * for GRU, each as a graph value. `states` are the given h0 (and c0) or null.
 */
export function recurrent(g: Graph, kind: 'LSTM' | 'GRU', m: Recurrent, valueOf: (t: Tensor) => Value, x: Value, states: readonly (Value | null)[]): Emitted[] {
  const H = m.hiddenSize, D = m.bidirectional ? 2 : 1;
  const params = new Map(m.namedParameters());
  const batched = x.shape.length === 3;
  const order = GATE_ORDER[kind];
  /** A stacked parameter with its gate blocks in ONNX's order. */
  const reorder = (name: string): string => {
    const p = valueOf(params.get(name)!).name;
    const blocks = g.node('Split', [p, g.constInts(order.map(() => H))], { axis: 0 }, order.length);
    return g.op('Concat', order.map((i) => blocks[i]), { axis: 0 });
  };
  /** Per-direction tensors stacked into ONNX's leading num_directions dim. */
  const directions = (make: (suffix: string) => string): string => {
    const each = Array.from({ length: D }, (_, dir) => g.op('Unsqueeze', [make(dir === 1 ? 'Reverse' : ''), g.constInts([0])]));
    return each.length === 1 ? each[0] : g.op('Concat', each, { axis: 0 });
  };
  const stateInput = (s: Value | null, layer: number): string => {
    if (s === null) return '';
    const rows = g.op('Slice', [s.name, g.constInts([layer * D]), g.constInts([(layer + 1) * D]), g.constInts([0])]);
    return batched ? rows : g.op('Unsqueeze', [rows, g.constInts([1])]);
  };

  let seq = batched ? (m.batchFirst ? g.op('Transpose', [x.name], { perm: [1, 0, 2] }) : x.name) : g.op('Unsqueeze', [x.name, g.constInts([1])]);
  const finals: string[][] = states.map(() => []);
  const attrs: Record<string, number | string> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
  if (kind === 'GRU') attrs.linear_before_reset = 1;
  for (let layer = 0; layer < m.numLayers; layer++) {
    const W = directions((r) => reorder(`weightIhL${layer}${r}`));
    const R = directions((r) => reorder(`weightHhL${layer}${r}`));
    const B = params.has(`biasIhL${layer}`) ? directions((r) => g.op('Concat', [reorder(`biasIhL${layer}${r}`), reorder(`biasHhL${layer}${r}`)], { axis: 0 })) : '';
    const ins = [seq, W, R, B, '', ...states.map((s) => stateInput(s, layer))];
    const outs = g.node(kind, ins, attrs, 1 + states.length);
    // (seq, D, batch, H) -> (seq, batch, D H), the batch and sequence sizes read at run time
    seq = g.op('Reshape', [g.op('Transpose', [outs[0]], { perm: [0, 2, 1, 3] }), g.constInts([0, 0, -1])]);
    outs.slice(1).forEach((o, k) => finals[k].push(o));
  }
  const output = batched ? (m.batchFirst ? g.op('Transpose', [seq], { perm: [1, 0, 2] }) : seq) : g.op('Squeeze', [seq, g.constInts([1])]);
  // the input's symbolic dim (the batch, or the sequence when it leads) stays where it was in the output; the states hold the batch at dim 1
  const batchDim = m.batchFirst ? 0 : 1;
  const stateBatch = batched && x.batch === batchDim ? 1 : -1;
  const stacked = finals.map((f) => {
    const s = f.length === 1 ? f[0] : g.op('Concat', f, { axis: 0 });
    return { name: batched ? s : g.op('Squeeze', [s, g.constInts([1])]), batch: stateBatch };
  });
  return [{ name: output, batch: x.batch }, ...stacked];
}
