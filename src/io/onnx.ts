/**
 * ONNX export: a trained model as an ONNX file (opset 17) that any ONNX
 * runtime can serve (onnxruntime on servers, phones and in browsers,
 * TensorRT, OpenVINO).
 *
 * The export traces: it runs the model's forward once on the example input in
 * evaluation mode and records the ops that actually ran (each op of src/ops
 * reports itself through src/autograd/trace.ts; src/io/onnx-ops.ts holds the
 * ONNX form of each). Parameters and buffers become float32 initializers
 * under PyTorch's state-dict names (`layer1.0.bn1.running_mean`). As with
 * torch.jit.trace, JavaScript control flow is fixed at the example's path,
 * and a tensor made inside forward (zeros(...), tensor([...])) is stored as a
 * constant. Anything without an ONNX form is refused with its name: an op
 * (by the autograd node it recorded, e.g. `CumsumBackward`), or a toolkit
 * module not listed in MODULES below (losses, and modules added later until
 * their export is written and tested).
 */
import { Tensor } from '../tensor';
import { scope } from '../autograd/scope';
import { enableGrad } from '../autograd/graph';
import { setTracer, type TraceAttrs, type Tracer } from '../autograd/trace';
import { boolean, describe, invalid, options, param, type Check } from '../validate';
import * as nn from '../nn/index';
import { Module } from '../nn/module';
import { toTorchKey } from './keys';
import { BasicBlock } from '../nn/resnet';
import { flip } from '../ops/shaping';
import { Graph, type Value } from './onnx-graph';
import { OPS, type Emitted } from './onnx-ops';
import { recurrent } from './onnx-rnn';


/**
 * Options of exportOnnx/saveOnnx: graph input/output names and a symbolic batch dim.
 * @example exportOnnx(model, [zeros([1, 3, 32, 32])], { inputNames: ['image'], dynamicBatch: true })
 */
export interface ExportOnnxOptions {
  /** Names of the graph inputs, one per example input (default ['input'], or input0, input1, ...). */
  inputNames?: string[];
  /** Name of the graph output (default ['output']). */
  outputNames?: string[];
  /** Whether dim 0 of the inputs (the batch) is symbolic, so the file runs at any batch size (default true). */
  dynamicBatch?: boolean;
}

/** A list of distinct non-empty strings. */
const names: Check<string[]> = (v, at) => {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '') || new Set(v).size !== v.length) {
    throw invalid(at, 'an array of distinct non-empty strings', v);
  }
  return [...v];
};

const EXPORT_OPTIONS = {
  inputNames: param<string[] | null>(names, null),
  outputNames: param<string[] | null>(names, null),
  dynamicBatch: param(boolean, true),
};

/**
 * Converts a whole module call, given the values of its inputs (null for an
 * absent one), once its forward has run (whose own ops are then dead nodes):
 * one Emitted per tensor the forward returned, in order (a tuple such as
 * LSTM's [output, [hN, cN]] read flat).
 */
type ModuleConverter = (t: Trace, m: Module, ins: readonly (Value | null)[], out: Tensor) => Emitted | Emitted[];

/** The tensors in a forward's arguments or result, nested arrays read flat (null and undefined kept as null). */
function tensorsIn(v: unknown): (Tensor | null)[] {
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap(tensorsIn);
  return v === null || v === undefined ? [null] : [];
}

/** nn.LSTM / nn.GRU: one ONNX LSTM / GRU node per layer (src/io/onnx-rnn.ts). */
const rnn = (kind: 'LSTM' | 'GRU'): ModuleConverter => (t, m, [x, ...states]) =>
  recurrent(t.graph, kind, m as nn.LSTM, (p) => t.valueOf(p), x as Value, kind === 'LSTM' ? [states[0] ?? null, states[1] ?? null] : [states[0] ?? null]);

/**
 * BasicBlock: its convolutions and batch norms are traced as they ran; the
 * block itself is written here because shortcut A's zero channels are a
 * tensor of the example's batch size in forward, and in ONNX a Pad.
 */
const basicBlock: ModuleConverter = (t, m, [input]) => {
  const x = input as Value;
  const b = m as BasicBlock;
  const g = t.graph;
  const y = t.outputOf(b.bn2).name;
  if (!b.residual) return g.op('Relu', [y]);
  let s = x.name;
  if (b.shortcut !== null) {
    s = t.outputOf(b.shortcut).name;
  } else if (b.shortcutKind === 'A') {
    if (b.stride !== 1) {
      const big = Number.MAX_SAFE_INTEGER;
      s = g.op('Slice', [s, g.constInts([0, 0]), g.constInts([big, big]), g.constInts([2, 3]), g.constInts([b.stride, b.stride])]);
    }
    const extra = b.outChannels - b.inChannels;
    if (extra > 0) s = g.op('Pad', [s, g.constInts([0, 0, 0, 0, 0, extra, 0, 0])]);
  }
  return g.op('Relu', [g.op('Add', [y, s])]);
};

/**
 * The toolkit modules the export supports: 'ops' when their evaluation-mode
 * forward is traced op by op (dropout's is the identity), or a converter for
 * the whole module. A module class exported by nn and missing here is refused
 * by name.
 */
const MODULES = new Map<unknown, 'ops' | ModuleConverter>([
  ...[
    nn.Sequential, nn.ModuleList, nn.Linear, nn.Identity, nn.Flatten,
    nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.Maxout, nn.ChannelMaxout, nn.CReLU, nn.Tanh, nn.Sigmoid,
    nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish, nn.Softplus, nn.Hardtanh, nn.ReLU6, nn.Hardsigmoid, nn.Hardswish, nn.LogSigmoid, nn.Softsign,
    nn.Dropout, nn.Dropout2d, nn.DropConnect,
    nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm,
    nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d,
    nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d,
    nn.Embedding, nn.ResNetCifar, nn.Residual,
    nn.Softmax, nn.LogSoftmax, nn.ZeroPad2d, nn.ConstantPad2d, nn.ReflectionPad2d, nn.ReplicationPad2d,
    nn.Upsample, nn.PixelShuffle, nn.PixelUnshuffle, nn.InstanceNorm1d, nn.InstanceNorm2d, nn.AdaptiveMaxPool2d, nn.Unflatten,
    nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerEncoder,
  ].map((c) => [c, 'ops'] as [unknown, 'ops']),
  [BasicBlock, basicBlock],
  [nn.LSTM, rnn('LSTM')],
  [nn.GRU, rnn('GRU')],
]);

/** Every module class the nn namespace exports (the toolkit's own modules). */
const TOOLKIT = new Set<unknown>(Object.values(nn).filter((v) => typeof v === 'function' && v.prototype instanceof Module));

/** 'ExpBackward' -> 'exp'. */
const opOfNode = (node: string): string => node.replace(/Backward\d*$/, '').replace(/^[A-Z]/, (c) => c.toLowerCase());

/** The tracer of one export: maps each tensor the forward computes to its graph value. */
class Trace implements Tracer {
  private readonly values = new Map<Tensor, Value>();
  private readonly lastOutput = new Map<Module, Tensor>();
  private readonly owned = new Map<Tensor, string>();
  private readonly moduleNames = new Map<Module, string>();
  private readonly path: string[] = [];
  /** The tensors made inside forward, stored as constants, in the order they were first used. */
  readonly constants: { name: string; shape: number[]; data: Float32Array; where: string }[] = [];

  constructor(readonly graph: Graph, model: Module) {
    for (const [name, m] of model.namedModules()) this.moduleNames.set(m, name);
    for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) if (!this.owned.has(t)) this.owned.set(t, toTorchKey(name));
  }

  /** Binds an input tensor to a graph input. */
  input(t: Tensor, name: string, batch: number): Value {
    const v: Value = { name, shape: [...t.shape], batch, kind: 'input' };
    this.values.set(t, v);
    return v;
  }

  /** Where the forward is: `module 'layer1.0' (BasicBlock)`, for messages. */
  private where(): string {
    const top = this.path[this.path.length - 1];
    return top === undefined ? 'in the model' : `in ${top}`;
  }

  private poison(message: string): Value {
    return { name: '', shape: [], batch: -1, kind: 'node', error: `${this.where()}: ${message}` };
  }

  /** The graph value of a tensor the forward uses. */
  valueOf(t: Tensor): Value {
    const known = this.values.get(t);
    if (known !== undefined) return known;
    let v: Value;
    const key = this.owned.get(t);
    if (t.gradFn !== null) {
      v = this.poison(`the forward uses an op with no ONNX form yet: ${opOfNode(t.gradFn)} (autograd node ${t.gradFn}), on a tensor of shape [${t.shape}]`);
    } else if (t.disposed) {
      v = this.poison(`a tensor of shape [${t.shape}] used by the forward was disposed before the export could read it`);
    } else if (key !== undefined) {
      v = { name: this.graph.floats(key, t.shape, t.toArray()), shape: [...t.shape], batch: -1, kind: 'param' };
    } else {
      const data = t.toArray();
      const name = this.graph.floats(`${this.graph.scope === '' ? '' : `/${this.graph.scope}`}/constant`, t.shape, data);
      this.constants.push({ name, shape: [...t.shape], data, where: this.where() });
      v = { name, shape: [...t.shape], batch: -1, kind: 'const' };
    }
    this.values.set(t, v);
    return v;
  }

  /** The value a child module returned the last time it ran. */
  outputOf(m: Module): Value {
    const out = this.lastOutput.get(m);
    if (out === undefined) throw new Error(`${m.constructor.name} did not run during the forward`);
    const v = this.valueOf(out);
    if (v.error !== undefined) throw new Error(v.error);
    return v;
  }

  /** Binds the tensors `outs` to the values emit() adds to the graph (one per tensor), or to the reason it cannot. */
  private bind(outs: readonly Tensor[], ins: readonly (Value | null)[], emit: () => Emitted | Emitted[]): void {
    const bad = ins.find((v) => v !== null && v.error !== undefined);
    if (bad !== undefined) {
      for (const out of outs) this.values.set(out, bad as Value);
      return;
    }
    try {
      const r = emit();
      const emitted = Array.isArray(r) ? r : [r];
      outs.forEach((out, i) => {
        const e = emitted[i];
        const name = typeof e === 'string' ? e : e.name;
        let batch = typeof e === 'string' ? -1 : e.batch;
        if (typeof e === 'string') {
          // default: the first batched input's batch dim, if the result has the same rank and size there
          const first = ins.find((v) => v !== null && v.batch >= 0);
          if (first && first.shape.length === out.ndim && out.shape[first.batch] === first.shape[first.batch]) batch = first.batch;
        }
        this.values.set(out, { name, shape: [...out.shape], batch, kind: 'node' });
      });
    } catch (e) {
      const poisoned = this.poison(e instanceof Error ? e.message : String(e));
      for (const out of outs) this.values.set(out, poisoned);
    }
  }

  op(name: string, inputs: readonly (Tensor | null)[], out: Tensor, attrs: TraceAttrs): void {
    const ins = inputs.map((t) => (t === null ? null : this.valueOf(t)));
    const convert = OPS[name];
    if (convert === undefined) {
      this.values.set(out, this.poison(`the op ${name} has no ONNX form yet`));
      return;
    }
    this.graph.scope = this.path[this.path.length - 1] ?? '';
    this.bind([out], ins, () => convert(this.graph, ins, attrs as Record<string, unknown>, out));
  }

  module(m: Module, inputs: unknown[]): Tensor {
    const cls = m.constructor;
    const name = this.moduleNames.get(m) ?? '';
    const label = name === '' ? `the model (${cls.name})` : `module '${name}' (${cls.name})`;
    const kind = MODULES.get(cls);
    if (TOOLKIT.has(cls) && kind === undefined) {
      throw new Error(`exportOnnx: nn.${cls.name} (${name === '' ? 'the model' : `module '${name}'`}) has no ONNX export yet; the supported modules are listed in the README under "Export to ONNX"`);
    }
    this.path.push(label);
    try {
      const out = m.forward(...inputs);
      if (typeof kind === 'function') {
        const ins = tensorsIn(inputs).map((t) => (t === null ? null : this.valueOf(t)));
        this.graph.scope = name;
        this.bind(tensorsIn(out).filter((t) => t !== null), ins, () => kind(this, m, ins, out));
      }
      this.lastOutput.set(m, out);
      return out;
    } finally {
      this.path.pop();
    }
  }
}

/**
 * Exports a model as the bytes of an ONNX file (opset 17, IR version 8).
 *
 * The model runs once on `exampleInput` in evaluation mode (dropout off,
 * batch norm with its running statistics) and the ops that ran are written
 * as a graph: a model in training mode is switched to eval for the export
 * and switched back afterwards (the file's doc string and its metadata
 * `simdgrad.mode` say so). Inputs are named `input` (or inputNames), the
 * output `output`; dim 0 of the inputs is the symbolic `batch` unless
 * dynamicBatch is false (use an example batch of 2 or more, so the batch can
 * be told apart from dims of size 1). Parameters and buffers are float32
 * initializers named by their PyTorch state-dict keys.
 *
 * Refused with a message naming it: an op or toolkit module with no ONNX form
 * yet, a disposed parameter, a tensor made inside forward with the example's
 * batch size (it would freeze the batch). Nothing is allocated that outlives
 * the call.
 *
 *   const bytes = exportOnnx(net, randn([2, 1, 28, 28]));
 *   // onnxruntime: (await InferenceSession.create(bytes)).run({ input: new Tensor('float32', data, [n, 1, 28, 28]) })
 *
 * @param model the model (its forward takes the example inputs)
 * @param exampleInput a tensor, or an array of tensors for a forward of several inputs
 */
export function exportOnnx(model: Module, exampleInput: Tensor | readonly Tensor[], opts?: ExportOnnxOptions): Uint8Array {
  const where = 'exportOnnx';
  if (!(model instanceof Module)) throw invalid({ where, name: 'model' }, 'an nn.Module', model);
  const examples = exampleInput instanceof Tensor ? [exampleInput] : exampleInput;
  if (!Array.isArray(examples) || examples.length === 0 || !examples.every((t) => t instanceof Tensor)) {
    throw invalid({ where, name: 'exampleInput' }, 'a Tensor or a non-empty array of Tensors', exampleInput);
  }
  examples.forEach((t, i) => t.assertAlive(`${where} (exampleInput${examples.length > 1 ? ` ${i}` : ''})`));
  const o = options(where, opts, EXPORT_OPTIONS);
  const inputNames = o.inputNames ?? (examples.length === 1 ? ['input'] : examples.map((_, i) => `input${i}`));
  const outputNames = o.outputNames ?? ['output'];
  if (inputNames.length !== examples.length) throw invalid({ where, name: 'inputNames' }, `${examples.length} name${examples.length === 1 ? '' : 's'} (one per example input)`, o.inputNames);
  if (outputNames.length !== 1) throw invalid({ where, name: 'outputNames' }, 'one name (the forward returns one tensor)', o.outputNames);
  if (o.dynamicBatch && examples.some((t) => t.ndim === 0)) throw new RangeError(`${where}: a 0-d example input has no batch dim; export with { dynamicBatch: false }`);
  for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) {
    if (t.disposed) throw new Error(`${where}: ${toTorchKey(name)} (shape [${t.shape}]) of ${model.constructor.name} was disposed; export a model whose parameters and buffers are alive`);
  }
  const batchSize = examples[0].ndim === 0 ? 1 : examples[0].shape[0];
  const modes = [...model.modules()].map((m) => [m, m.training] as const);
  const wasTraining = modes.some(([, training]) => training);
  const run = (xs: readonly Tensor[]) => traceForward(model, xs, inputNames, new Graph(batchSize, o.dynamicBatch));
  return scope(() => {
    let first: Traced;
    let second: Traced | null = null;
    try {
      model.eval();
      first = run(examples);
      if (first.output.error !== undefined) throw new Error(`${where}: ${first.output.error}`);
      // the same forward on the example's elements in reverse order: a path or a constant that changes with the values is not a traced graph
      const reversed = examples.map((t) => flip(t, t.shape.map((_, d) => d)));
      try {
        second = run(reversed);
      } catch {
        // a model that refuses the reordered input: nothing to compare
      }
    } finally {
      for (const [m, training] of modes) m.training = training;
    }
    if (second !== null) checkSameTrace(first, second);
    const docString = `Exported by simdgrad in evaluation mode (dropout off, batch norm with running statistics)${wasTraining ? '; the model was in training mode and was switched to eval for the export only' : ''}.`;
    return first.graph.encode(first.inputs, first.output, outputNames[0], {
      graphName: model.constructor.name,
      docString,
      metadata: { 'simdgrad.mode': 'eval', 'simdgrad.trainingModeAtExport': String(wasTraining) },
    });
  });
}

/** One traced forward pass. */
interface Traced {
  readonly graph: Graph;
  readonly trace: Trace;
  readonly inputs: Value[];
  readonly output: Value;
}

/** Runs the model's forward on xs (as graph inputs) under a new tracer. */
function traceForward(model: Module, xs: readonly Tensor[], inputNames: readonly string[], graph: Graph): Traced {
  const trace = new Trace(graph, model);
  const leaves = xs.map((t) => {
    const x = t.detach();
    x.requiresGrad = true;
    return x;
  });
  const inputs = leaves.map((x, i) => trace.input(x, inputNames[i], graph.dynamicBatch ? 0 : -1));
  const previous = setTracer(trace);
  try {
    const y = enableGrad(() => model.call(...leaves));
    if (!(y instanceof Tensor)) throw new TypeError(`exportOnnx: the forward of ${model.constructor.name} returned ${describe(y)}; it must return one Tensor`);
    return { graph, trace, inputs, output: trace.valueOf(y) };
  } finally {
    setTracer(previous);
  }
}

/**
 * Refuses an export whose trace depends on the input's values: the two runs
 * must run the same ops and make the same constants (a constant that differs
 * came from an op that records no gradient and has no ONNX form, from random
 * numbers, or from values read into JavaScript).
 */
function checkSameTrace(a: Traced, b: Traced): void {
  const opsA = a.graph.opTypes(), opsB = b.graph.opTypes();
  if (opsA.length !== opsB.length || opsA.some((op, i) => op !== opsB[i]) || a.trace.constants.length !== b.trace.constants.length) {
    throw new Error('exportOnnx: the forward runs different ops when the example input\'s elements are reordered: its path depends on the values (an if on tensor data, or values read with item() / toArray()), which one traced graph cannot hold; export a forward whose ops do not depend on the data');
  }
  // only the constants the file holds: an op's own scratch tensors (seen while it runs) are not in the graph
  const used = a.graph.inputsOf(a.output.name);
  a.trace.constants.forEach((c, i) => {
    const d = b.trace.constants[i];
    if (used.has(c.name) && !sameBits(c.data, d.data)) {
      throw new Error(
        `exportOnnx: ${c.where}: a tensor of shape [${c.shape}] made inside forward changes with the input's values, but no op with an ONNX form computes it: ` +
          'it comes from an op with no ONNX form yet that records no gradient (nonzero, any/all, ...), from random numbers, or from values read into JavaScript',
      );
    }
  });
}

/** Whether two float arrays hold the same bytes. */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((v, i) => v === y[i]);
}

/**
 * Node, Deno: exports the model (see exportOnnx) and writes the file at
 * `path`. In browsers, use exportOnnx's bytes, e.g.
 * `new Blob([exportOnnx(model, x)], { type: 'application/octet-stream' })`.
 */
export async function saveOnnx(path: string, model: Module, exampleInput: Tensor | readonly Tensor[], opts?: ExportOnnxOptions): Promise<void> {
  if (typeof path !== 'string' || path === '') throw invalid({ where: 'saveOnnx', name: 'path' }, 'a non-empty string', path);
  const bytes = exportOnnx(model, exampleInput, opts);
  const fs = await import('node:fs/promises');
  await fs.writeFile(path, bytes);
}
