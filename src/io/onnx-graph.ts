/**
 * An ONNX graph under construction and its encoding as a ModelProto
 * (onnx/onnx.proto, IR version 8, default-domain opset 17): nodes in the
 * order they ran, float32 and int64 initializers, named inputs and outputs
 * whose batch dim may be symbolic. The tracer (src/io/onnx.ts) fills it;
 * the converters (src/io/onnx-ops.ts) add nodes through node() and the
 * constant helpers.
 */
import { Message } from './protobuf';

/** The opset every exported model imports (ONNX 1.12 and later; onnxruntime 1.12 and later). */
export const OPSET = 17;
const IR_VERSION = 8;

/** A value of the graph: its name, its shape at the example input, and which dim is the batch. */
export interface Value {
  readonly name: string;
  readonly shape: readonly number[];
  /** The dim whose size is (a multiple of) the batch size, or -1 when the shape does not depend on it. */
  readonly batch: number;
  /** 'const': a tensor made inside forward (its values frozen into the file). */
  readonly kind: 'input' | 'param' | 'const' | 'node';
  /** Set when this value cannot be exported: the reason, raised only if the output needs the value. */
  readonly error?: string;
}

/** A float attribute (a plain number is an int attribute). */
export class Float {
  constructor(readonly value: number) {}
}

/** Attribute values: int, ints, float (Float), string. */
export type AttrValue = number | readonly number[] | Float | string;

interface GraphNode {
  readonly op: string;
  readonly name: string;
  readonly inputs: string[];
  readonly outputs: string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

/** TensorProto.DataType codes. */
export const DType = { FLOAT: 1, INT64: 7, BOOL: 9 } as const;

interface Initializer {
  readonly dims: readonly number[];
  readonly type: number;
  readonly raw: Uint8Array;
}

export class Graph {
  private readonly nodes: GraphNode[] = [];
  private readonly inits = new Map<string, Initializer>();
  private readonly used = new Set<string>();
  /** Where new nodes are named from: the path of the module running (e.g. `layer1.0.conv1`). */
  scope = '';

  /**
   * @param batchSize the example input's batch size
   * @param dynamicBatch whether the batch dim is symbolic in the file
   */
  constructor(readonly batchSize: number, readonly dynamicBatch: boolean) {}

  /** A name not used yet, from a hint. */
  fresh(hint: string): string {
    let name = hint;
    for (let k = 1; this.used.has(name); k++) name = `${hint}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns the names of its outputs (`outputs` of them). */
  node(op: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, outputs = 1): string[] {
    const base = `${this.scope === '' ? '' : `/${this.scope}`}/${op}`;
    const name = this.fresh(base);
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(`${name}_output_${i}`));
    this.nodes.push({ op, name, inputs: [...inputs], outputs: outs, attrs });
    return outs;
  }

  /** The op type of every node so far, in order (to compare two traces of one forward). */
  opTypes(): string[] {
    return this.nodes.map((n) => n.op);
  }

  /** Adds a node with one output; returns its name. */
  op(op: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}): string {
    return this.node(op, inputs, attrs)[0];
  }

  /** Registers a float32 initializer under `name` (made unique); returns the name. */
  floats(name: string, dims: readonly number[], data: Float32Array): string {
    const n = this.fresh(name);
    this.inits.set(n, { dims: [...dims], type: DType.FLOAT, raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return n;
  }

  /** A float32 constant (a scalar when dims is []). */
  constFloats(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.floats(`${this.scope === '' ? '' : `/${this.scope}`}/const`, dims, Float32Array.from(values));
  }

  /** An int64 constant (shapes, axes, pads, indices). */
  constInts(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    const n = this.fresh(`${this.scope === '' ? '' : `/${this.scope}`}/const_int64`);
    this.inits.set(n, { dims: [...dims], type: DType.INT64, raw });
    return n;
  }

  /**
   * The ModelProto bytes of the graph that computes `output` from `inputs`:
   * nodes and initializers the output does not need are left out, and the
   * output value is renamed to outputName.
   */
  encode(inputs: readonly Value[], output: Value, outputName: string, meta: { graphName: string; docString: string; metadata: Record<string, string> }): Uint8Array {
    const kept = this.needed(output.name);
    const last = kept.find((n) => n.outputs.includes(output.name));
    if (last !== undefined && output.name !== outputName) {
      last.outputs[last.outputs.indexOf(output.name)] = outputName;
    } else if (last === undefined) {
      kept.push({ op: 'Identity', name: this.fresh('/Identity'), inputs: [output.name], outputs: [outputName], attrs: {} });
    }
    const referenced = new Set(kept.flatMap((n) => n.inputs));

    const graph = new Message();
    for (const n of kept) graph.message(1, encodeNode(n));
    graph.string(2, meta.graphName);
    for (const [name, init] of this.inits) if (referenced.has(name)) graph.message(5, encodeInitializer(name, init));
    for (const v of inputs) graph.message(11, this.valueInfo(v.name, v, true));
    graph.message(12, this.valueInfo(outputName, output, false));

    const model = new Message().varint(1, IR_VERSION).string(2, 'simdgrad').string(6, meta.docString);
    model.message(7, graph);
    model.message(8, new Message().string(1, '').varint(2, OPSET));
    for (const [k, v] of Object.entries(meta.metadata)) model.message(14, new Message().string(1, k).string(2, v));
    return model.finish();
  }

  /** The nodes `output` depends on, in graph order. */
  private needed(output: string): GraphNode[] {
    const producer = new Map<string, GraphNode>();
    for (const n of this.nodes) for (const o of n.outputs) producer.set(o, n);
    const needed = new Set<GraphNode>();
    const stack = [output];
    while (stack.length > 0) {
      const v = stack.pop()!;
      const n = producer.get(v);
      if (n === undefined || needed.has(n)) continue;
      needed.add(n);
      for (const i of n.inputs) if (i !== '') stack.push(i);
    }
    return this.nodes.filter((n) => needed.has(n));
  }

  /** The names (initializers, inputs) that the nodes computing `output` read, and output itself. */
  inputsOf(output: string): Set<string> {
    return new Set([output, ...this.needed(output).flatMap((n) => n.inputs)]);
  }

  /** ValueInfoProto of a float tensor: the batch dim named 'batch' (or left open when it is a multiple of it). */
  private valueInfo(name: string, v: Value, isInput: boolean): Message {
    const shape = new Message();
    v.shape.forEach((d, i) => {
      const dim = new Message();
      if (this.dynamicBatch && i === v.batch) {
        if (isInput || d === this.batchSize) dim.string(2, 'batch');
      } else {
        dim.varint(1, d);
      }
      shape.message(1, dim);
    });
    const tensorType = new Message().varint(1, DType.FLOAT).message(2, shape);
    return new Message().string(1, name).message(2, new Message().message(1, tensorType));
  }
}

function encodeNode(n: GraphNode): Message {
  const m = new Message();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name).string(4, n.op);
  for (const [key, v] of Object.entries(n.attrs)) m.message(5, encodeAttribute(key, v));
  return m;
}

/** AttributeProto: name (1), f (2), i (3), s (4), ints (8), type (20: FLOAT 1, INT 2, STRING 3, INTS 7). */
function encodeAttribute(name: string, v: AttrValue): Message {
  const a = new Message().string(1, name);
  if (v instanceof Float) return a.float(2, v.value).varint(20, 1);
  if (typeof v === 'number') return a.varint(3, v).varint(20, 2);
  if (typeof v === 'string') return a.string(4, v).varint(20, 3);
  for (const x of v) a.varint(8, x);
  return a.varint(20, 7);
}

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
function encodeInitializer(name: string, t: Initializer): Message {
  const m = new Message();
  for (const d of t.dims) m.varint(1, d);
  return m.varint(2, t.type).string(8, name).bytes(9, t.raw);
}
