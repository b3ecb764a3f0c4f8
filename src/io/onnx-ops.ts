/**
 * The ONNX form of each traced op (opset 17): one converter per op name that
 * src/ops reports through `traced`, in one table (OPS). A converter gets the
 * graph, the input values (null for an absent optional input), the op's
 * settings and its result tensor (for the shape), adds nodes, and returns the
 * output's name (and its batch dim when the default rule, "same rank, same
 * size at the input's batch dim", does not hold). A converter that throws
 * marks its output unexportable with that message; the export fails with it
 * only if the model's output needs that value.
 *
 * The symbolic batch dim: values carry which dim holds the batch. Ops whose
 * settings are sizes (reshape, expand) write the batch dim so it stays
 * symbolic (-1 or 1); ops that would freeze it (slicing or indexing the
 * batch, a constant made inside forward with the example's batch size) refuse.
 */
import type { Tensor } from '../tensor';
import { SELU_ALPHA, SELU_SCALE } from '../ops/unary';
import { DType, Float, type Graph, type Value } from './onnx-graph';

type In = Value | null;
/** What a converter returns: the output's name, or the name with its batch dim. */
export type Emitted = string | { name: string; batch: number };
export type OpConverter = (g: Graph, ins: readonly In[], attrs: Record<string, unknown>, out: Tensor) => Emitted;

const f = (v: number): Float => new Float(v);
const req = (v: In): Value => v as Value;
const INT64_MAX = Number.MAX_SAFE_INTEGER;

/** The batch dim of a broadcast result: the first batched input's dim, right-aligned. */
function broadcastBatch(ins: readonly In[], out: Tensor): number {
  for (const v of ins) if (v !== null && v.batch >= 0) return v.batch + out.ndim - v.shape.length;
  return -1;
}

/**
 * Refuses a constant made inside forward whose size along the batch dim of a
 * batched operand is the example's batch size: the file would keep that size
 * (zeros([x.shape[0], ...]) is the usual case).
 */
function refuseBatchSizedConstants(g: Graph, ins: readonly In[], out: Tensor): void {
  const b = broadcastBatch(ins, out);
  if (b < 0 || !g.dynamicBatch || g.batchSize <= 1) return;
  for (const v of ins) {
    if (v === null || v.kind !== 'const') continue;
    const d = b - (out.ndim - v.shape.length);
    if (d >= 0 && v.shape[d] === g.batchSize) {
      throw new Error(
        `a tensor of shape [${v.shape}] created inside forward has the example's batch size ${g.batchSize} in dim ${d}, which the file would keep fixed; ` +
          'derive it from the input instead (e.g. x.mul(0) for zeros), or export with { dynamicBatch: false }',
      );
    }
  }
}

const unary = (op: string): OpConverter => (g, [x]) => g.op(op, [req(x).name]);

const binary = (op: string): OpConverter => (g, ins, _, out) => {
  refuseBatchSizedConstants(g, ins, out);
  return { name: g.op(op, ins.map((v) => req(v).name)), batch: broadcastBatch(ins, out) };
};

/** A comparison as 0/1 floats: Cast(op(a, b)), or Cast(Not(op(a, b))). */
const comparison = (op: string, negate = false): OpConverter => (g, ins, _, out) => {
  refuseBatchSizedConstants(g, ins, out);
  let r = g.op(op, ins.map((v) => req(v).name));
  if (negate) r = g.op('Not', [r]);
  return { name: g.op('Cast', [r], { to: DType.FLOAT }), batch: broadcastBatch(ins, out) };
};

/** The activations of src/ops/unary.ts's `activation`, by their forward kernel. */
function activation(g: Graph, [xv]: readonly In[], a: Record<string, unknown>): string {
  const x = req(xv).name;
  const params = a.params as number[];
  const c = (v: number) => g.constFloats([v], []);
  switch (a.kernel) {
    case 'erf_f32':
      return g.op('Erf', [x]);
    case 'elu_f32': {
      // params: [alpha scale, scale, inputScale] (elu: scale 1, inputScale 1; selu: its constants; celu: inputScale 1 / alpha)
      const [alphaScale, scale, inputScale] = params;
      if (scale === SELU_SCALE && inputScale === 1) return g.op('Selu', [x], { alpha: f(SELU_ALPHA), gamma: f(SELU_SCALE) });
      if (scale === 1 && inputScale === 1) return g.op('Elu', [x], { alpha: f(alphaScale) });
      if (scale === 1) return g.op('Celu', [x], { alpha: f(alphaScale) });
      throw new Error(`elu with scale ${scale} and input scale ${inputScale} has no ONNX form`);
    }
    case 'gelu_f32': {
      // x (1 + erf(x / sqrt 2)) / 2 (opset 17 has no Gelu)
      const e = g.op('Erf', [g.op('Mul', [x, c(Math.SQRT1_2)])]);
      return g.op('Mul', [g.op('Mul', [x, c(0.5)]), g.op('Add', [e, c(1)])]);
    }
    case 'gelu_tanh_f32': {
      // x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2
      const x3 = g.op('Mul', [g.op('Mul', [x, x]), x]);
      const u = g.op('Mul', [g.op('Add', [x, g.op('Mul', [x3, c(0.044715)])]), c(Math.sqrt(2 / Math.PI))]);
      return g.op('Mul', [g.op('Mul', [x, c(0.5)]), g.op('Add', [g.op('Tanh', [u]), c(1)])]);
    }
    case 'silu_f32':
      return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    case 'mish_f32':
      return g.op('Mul', [x, g.op('Tanh', [g.op('Softplus', [x])])]);
    case 'softplus_f32': {
      // beta x > threshold ? x : softplus(beta x) / beta
      const [beta, threshold] = params;
      const z = beta === 1 ? x : g.op('Mul', [x, c(beta)]);
      const sp = beta === 1 ? g.op('Softplus', [z]) : g.op('Div', [g.op('Softplus', [z]), c(beta)]);
      if (threshold === Infinity) return sp;
      return g.op('Where', [g.op('Greater', [z, c(threshold)]), x, sp]);
    }
    case 'clamp_f32':
      return clip(g, x, params[0], params[1]);
    case 'hardsigmoid_f32':
      return g.op('HardSigmoid', [x], { alpha: f(1 / 6), beta: f(0.5) });
    case 'hardswish_f32':
      return g.op('HardSwish', [x]);
    case 'log_sigmoid_f32':
      // log sigmoid(x) = -softplus(-x)
      return g.op('Neg', [g.op('Softplus', [g.op('Neg', [x])])]);
    case 'softsign_f32':
      return g.op('Softsign', [x]);
    default:
      throw new Error(`the activation kernel '${String(a.kernel)}' has no ONNX form yet`);
  }
}

/** Clip with either bound omitted when infinite. */
function clip(g: Graph, x: string, lo: number, hi: number): string {
  const bound = (v: number) => (Number.isFinite(v) ? g.constFloats([v], []) : '');
  const ins = [x, bound(lo), bound(hi)];
  while (ins[ins.length - 1] === '') ins.pop();
  return g.op('Clip', ins);
}

/** The batch dim after reducing `dims` (gone when reduced over). */
function reducedBatch(v: Value, dims: readonly number[], keepdim: boolean): number {
  if (v.batch < 0 || dims.includes(v.batch)) return -1;
  return keepdim ? v.batch : v.batch - dims.filter((d) => d < v.batch).length;
}

const reduction = (op: string, axesAsInput: boolean): OpConverter => (g, [xv], a) => {
  const x = req(xv);
  const dims = a.dims as number[];
  const keepdim = a.keepdim as boolean;
  if (dims.length === 0) return x.name;
  const keepdims = keepdim ? 1 : 0;
  const name = axesAsInput ? g.op(op, [x.name, g.constInts(dims)], { keepdims }) : g.op(op, [x.name], { axes: dims, keepdims });
  return { name, batch: reducedBatch(x, dims, keepdim) };
};

const argExtreme = (op: string): OpConverter => (g, [xv], a, out) => {
  const x = req(xv);
  const keepdims = a.keepdim ? 1 : 0;
  if (a.dim === null) {
    // over the flattened tensor
    const flat = g.op('Reshape', [x.name, g.constInts([-1])]);
    const i = g.op(op, [flat], { axis: 0, keepdims: 0 });
    const shaped = g.op('Reshape', [i, g.constInts(out.shape as number[])]);
    return { name: g.op('Cast', [shaped], { to: DType.FLOAT }), batch: -1 };
  }
  const d = a.dim as number;
  return { name: g.op('Cast', [g.op(op, [x.name], { axis: d, keepdims })], { to: DType.FLOAT }), batch: reducedBatch(x, [d], keepdims === 1) };
};

/**
 * Reshape to `out`'s shape with the batch kept symbolic: the output dim k
 * that holds the whole input batch dim (with only fixed sizes before it) is
 * written -1, every other size as it is.
 */
const reshape: OpConverter = (g, [xv], _, out) => {
  const x = req(xv);
  const target = [...out.shape];
  if (x.batch < 0 || !g.dynamicBatch) return { name: g.op('Reshape', [x.name, g.constInts(target)]), batch: -1 };
  const before = x.shape.slice(0, x.batch).reduce((p, d) => p * d, 1);
  const through = before * x.shape[x.batch];
  let prefix = 1;
  for (let k = 0; k < target.length; k++) {
    const next = prefix * target[k];
    if (before % prefix === 0 && next % through === 0) {
      target[k] = -1;
      return { name: g.op('Reshape', [x.name, g.constInts(target)]), batch: k };
    }
    prefix = next;
  }
  throw new Error(`reshape from [${x.shape}] to [${out.shape}] splits the batch dim ${x.batch}, so the file could only keep the example's batch size; reshape so the batch dim stays whole, or export with { dynamicBatch: false }`);
};

/** Refuses an op that picks positions of the batch dim (its result would hold only the example's batch). */
function refuseBatchIndexing(g: Graph, x: Value, dim: number, what: string): void {
  if (g.dynamicBatch && x.batch === dim) throw new Error(`${what} along the batch dim ${dim} ties the file to the example's batch size; export with { dynamicBatch: false }`);
}

/** Conv or ConvTranspose from conv2d's / convTranspose2d's options (a number or an [h, w] pair each). */
const convolution = (op: 'Conv' | 'ConvTranspose'): OpConverter => (g, [x, w, b], a) => {
  const pair = (v: unknown, d: number) => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [...(v as number[])]);
  const [ph, pw] = pair(a.padding, 0);
  const weight = req(w);
  const attrs: Record<string, number | number[]> = {
    kernel_shape: weight.shape.slice(2),
    strides: pair(a.stride, 1),
    pads: [ph, pw, ph, pw],
    dilations: pair(a.dilation, 1),
    group: (a.groups as number | undefined) ?? 1,
  };
  if (op === 'ConvTranspose') attrs.output_padding = pair(a.outputPadding, 0);
  return g.op(op, [req(x).name, weight.name, ...(b !== null ? [b.name] : [])], attrs);
};

/** The 2-d pool window settings PyTorch's pools and ONNX's share. */
function poolAttrs(p: Record<string, number | boolean>, dilation: boolean): Record<string, number[] | number> {
  const attrs: Record<string, number[] | number> = {
    kernel_shape: [p.kh as number, p.kw as number],
    strides: [p.sh as number, p.sw as number],
    pads: [p.ph as number, p.pw as number, p.ph as number, p.pw as number],
    ceil_mode: p.ceilMode ? 1 : 0,
  };
  if (dilation) attrs.dilations = [p.dh as number, p.dw as number];
  return attrs;
}

function need4d(x: Value, op: string): void {
  if (x.shape.length !== 4) throw new Error(`${op} on a ${x.shape.length}-d input [${x.shape}]: the ONNX form needs a batch dim (N, C, H, W)`);
}

const maxPool2d: OpConverter = (g, [xv], a) => {
  const x = req(xv);
  need4d(x, 'maxPool2d');
  return g.op('MaxPool', [x.name], poolAttrs(a as Record<string, number | boolean>, true));
};

const avgPool2d: OpConverter = (g, [xv], a) => {
  const x = req(xv);
  need4d(x, 'avgPool2d');
  const p = a as Record<string, number | boolean>;
  const divisor = p.divisorOverride as number;
  const attrs = { ...poolAttrs(p, false), count_include_pad: p.includePad || divisor > 0 ? 1 : 0 };
  const avg = g.op('AveragePool', [x.name], attrs);
  if (divisor === 0) return avg;
  // window sums over divisorOverride: AveragePool with the padding counted divides by kh kw
  const k = (p.kh as number) * (p.kw as number);
  return g.op('Mul', [avg, g.constFloats([k / divisor], [])]);
};

/**
 * Adaptive pooling of the last two dims: a global pool for 1x1, a pool with
 * kernel = stride when the output size divides the input size, otherwise
 * PyTorch's windows [floor(o n / out), ceil((o + 1) n / out)) one dim at a
 * time (the window is a rectangle, so max and mean separate): a Slice and a
 * keepdims reduction per output position, joined by Concat.
 */
const adaptivePool = (kind: 'Max' | 'Average'): OpConverter => (g, [xv], a) => {
  const x = req(xv);
  const { H, W, OH, OW } = a as Record<string, number>;
  const rank = x.shape.length;
  if (rank === 4 && OH === 1 && OW === 1) return g.op(`Global${kind}Pool`, [x.name]);
  if (rank === 4 && H % OH === 0 && W % OW === 0) {
    const k = [H / OH, W / OW];
    return g.op(`${kind}Pool`, [x.name], { kernel_shape: k, strides: k });
  }
  const reduce = kind === 'Max' ? 'ReduceMax' : 'ReduceMean';
  let y = x.name;
  for (const [axis, n, out] of [[rank - 2, H, OH], [rank - 1, W, OW]]) {
    if (n === out) continue;
    const parts = Array.from({ length: out }, (_, o) => {
      const start = Math.floor((o * n) / out), end = Math.ceil(((o + 1) * n) / out);
      const window = g.op('Slice', [y, g.constInts([start]), g.constInts([end]), g.constInts([axis])]);
      return g.op(reduce, [window], { axes: [axis], keepdims: 1 });
    });
    y = parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis });
  }
  return y;
};

/** A per-channel vector [C] as [C, 1, ..., 1] to broadcast over (N, C, *) of rank r. */
const channelVector = (g: Graph, v: Value, rank: number): string => g.op('Reshape', [v.name, g.constInts([v.shape[0], ...new Array<number>(rank - 2).fill(1)])]);

const batchNorm: OpConverter = (g, [xv, mean, variance, w, b], a) => {
  const x = req(xv);
  if (a.training) throw new Error('batch norm with batch statistics in evaluation (a BatchNorm with trackRunningStats: false) has no ONNX BatchNormalization form; train with running statistics');
  const C = x.shape[1];
  const scale = w !== null ? w.name : g.constFloats(new Array<number>(C).fill(1));
  const bias = b !== null ? b.name : g.constFloats(new Array<number>(C).fill(0));
  return g.op('BatchNormalization', [x.name, scale, bias, req(mean).name, req(variance).name], { epsilon: f(a.eps as number) });
};

const layerNorm: OpConverter = (g, [xv, w, b], a, out) => {
  const x = req(xv);
  const axes = a.axes as number;
  const ns = out.shape.slice(out.ndim - axes);
  const count = ns.reduce((p, d) => p * d, 1);
  const scale = w !== null ? w.name : g.constFloats(new Array<number>(count).fill(1), ns);
  const ins = [x.name, scale, ...(b !== null ? [b.name] : [])];
  if (x.batch >= x.shape.length - axes && g.dynamicBatch) throw new Error('layerNorm over the batch dim ties the file to the example batch size; export with { dynamicBatch: false }');
  return g.op('LayerNormalization', ins, { axis: -axes, epsilon: f(a.eps as number) });
};

/** Group norm as InstanceNormalization over (N, G, C/G * spatial), then the per-channel affine. */
const groupNorm: OpConverter = (g, [xv, w, b], a) => {
  const x = req(xv);
  if (x.batch > 0) throw new Error(`groupNorm with the batch in dim ${x.batch}: expected it in dim 0`);
  const G = a.numGroups as number;
  const grouped = g.op('Reshape', [x.name, g.constInts(x.batch === 0 && g.dynamicBatch ? [-1, G, (x.shape.slice(1).reduce((p, d) => p * d, 1)) / G] : [x.shape[0], G, -1])]);
  const normed = g.op('InstanceNormalization', [grouped, g.constFloats(new Array<number>(G).fill(1)), g.constFloats(new Array<number>(G).fill(0))], { epsilon: f(a.eps as number) });
  let y = g.op('Reshape', [normed, g.op('Shape', [x.name])]);
  if (w !== null) y = g.op('Mul', [y, channelVector(g, w, x.shape.length)]);
  if (b !== null) y = g.op('Add', [y, channelVector(g, b, x.shape.length)]);
  return y;
};


/** F.pad's amounts ([left, right] of the last dim, then the one before, ...) as ONNX Pad's [begins..., ends...] over every dim. */
const PAD_MODES: Record<string, string> = { constant: 'constant', reflect: 'reflect', replicate: 'edge' };

const pad: OpConverter = (g, [xv], a) => {
  const x = req(xv);
  const amounts = a.pad as number[];
  const rank = x.shape.length;
  const begin = new Array<number>(rank).fill(0), end = new Array<number>(rank).fill(0);
  for (let i = 0; i < amounts.length / 2; i++) {
    begin[rank - 1 - i] = amounts[2 * i];
    end[rank - 1 - i] = amounts[2 * i + 1];
  }
  if (g.dynamicBatch && x.batch >= 0 && (begin[x.batch] !== 0 || end[x.batch] !== 0)) throw new Error(`pad [${amounts}] pads the batch dim ${x.batch}, which ties the file to the example's batch size; export with { dynamicBatch: false }`);
  const ins = [x.name, g.constInts([...begin, ...end])];
  if (a.mode === 'constant' && a.value !== 0) ins.push(g.constFloats([a.value as number], []));
  return g.op('Pad', ins, { mode: PAD_MODES[a.mode as string] });
};

/**
 * interpolate as Resize, PyTorch's source coordinates matched:
 * nearest floor(o in / out) = asymmetric + floor; nearest-exact
 * floor((o + 0.5) in / out) = half_pixel + round_prefer_ceil; linear
 * max((o + 0.5) in / out - 0.5, 0) = half_pixel (Resize clamps at the
 * edge), or align_corners. A scale factor is passed as Resize's scales
 * (PyTorch then maps with 1 / factor too), a size as sizes with the batch
 * and channel dims read from the input's shape.
 */
const interpolate: OpConverter = (g, [xv], a) => {
  const x = req(xv);
  const mode = a.mode as string;
  const linear = mode === 'linear' || mode === 'bilinear' || mode === 'trilinear';
  const attrs: Record<string, string> = linear
    ? { mode: 'linear', coordinate_transformation_mode: a.alignCorners ? 'align_corners' : 'half_pixel' }
    : { mode: 'nearest', coordinate_transformation_mode: mode === 'nearest' ? 'asymmetric' : 'half_pixel', nearest_mode: mode === 'nearest' ? 'floor' : 'round_prefer_ceil' };
  const factors = a.factors as number[] | null;
  if (factors !== null) return g.op('Resize', [x.name, '', g.constFloats([1, 1, ...factors])], attrs);
  const lead = g.op('Slice', [g.op('Shape', [x.name]), g.constInts([0]), g.constInts([2])]);
  return g.op('Resize', [x.name, '', '', g.op('Concat', [lead, g.constInts(a.sizes as number[])], { axis: 0 })], attrs);
};

/** instanceNorm: InstanceNormalization with the input's statistics, BatchNormalization with running ones. */
const instanceNorm: OpConverter = (g, [xv, rm, rv, w, b], a) => {
  const x = req(xv);
  const C = x.shape[1];
  const scale = w !== null ? w.name : g.constFloats(new Array<number>(C).fill(1));
  const bias = b !== null ? b.name : g.constFloats(new Array<number>(C).fill(0));
  const epsilon = f(a.eps as number);
  if (a.useInputStats) return g.op('InstanceNormalization', [x.name, scale, bias], { epsilon });
  return g.op('BatchNormalization', [x.name, scale, bias, req(rm).name, req(rv).name], { epsilon });
};

/**
 * cumprod (ONNX has no cumulative product) by doubling steps: y = x, then
 * for s = 1, 2, 4, ... < n: y = y * (y shifted by s along dim, ones shifted in).
 * log2(n) Slice/Pad/Mul steps; the products are grouped differently from a
 * running product, so results agree to float32 rounding.
 */
const cumprod: OpConverter = (g, [xv], a) => {
  const x = req(xv);
  if (x.shape.length === 0) return x.name;
  const d = a.dim as number;
  refuseBatchIndexing(g, x, d, 'cumprod');
  const rank = x.shape.length;
  let y = x.name;
  for (let s = 1; s < x.shape[d]; s *= 2) {
    const head = g.op('Slice', [y, g.constInts([0]), g.constInts([-s]), g.constInts([d])]);
    const pads = new Array<number>(2 * rank).fill(0);
    pads[d] = s;
    const shifted = g.op('Pad', [head, g.constInts(pads), g.constFloats([1], [])], { mode: 'constant' });
    y = g.op('Mul', [y, shifted]);
  }
  return y;
};

/** The sorting permutation of a dim (sort, argsort, topk): TopK's indices as floats. */
const topk: OpConverter = (g, [xv], a) => {
  const x = req(xv);
  if (x.shape.length === 0) return g.constFloats([0], []);
  const d = a.dim as number;
  refuseBatchIndexing(g, x, d, 'sorting');
  const [, indices] = g.node('TopK', [x.name, g.constInts([a.k as number])], { axis: d, largest: a.largest ? 1 : 0, sorted: 1 }, 2);
  return g.op('Cast', [indices], { to: DType.FLOAT });
};

/** scatter / scatterAdd as ScatterElements: src cut to the index's shape (or a number broadcast to it). */
const scatter = (reduction: 'none' | 'add'): OpConverter => (g, [xv, iv, sv], a) => {
  const x = req(xv), index = req(iv), src = req(sv);
  const idx = g.op('Cast', [index.name], { to: DType.INT64 });
  let updates = src.name;
  if (src.shape.length === 0) updates = g.op('Expand', [src.name, g.op('Shape', [idx])]);
  else {
    const cut = index.shape.flatMap((n, i) => (n !== src.shape[i] ? [i] : []));
    if (cut.length > 0) {
      if (g.dynamicBatch && cut.includes(src.batch)) throw new Error(`scatter with src [${src.shape}] larger than the index [${index.shape}] in the batch dim ${src.batch}: cutting src ties the file to the example's batch size; export with { dynamicBatch: false }`);
      updates = g.op('Slice', [src.name, g.constInts(cut.map(() => 0)), g.constInts(cut.map((i) => index.shape[i])), g.constInts(cut)]);
    }
  }
  return g.op('ScatterElements', [x.name, idx, updates], { axis: a.dim as number, reduction });
};

/**
 * The output dim of an einsum that holds the batch: the batched operand's
 * label there, found in the output; or, in a leading '...' of an operand
 * with the most broadcast dims, the same dim of an output that leads with '...'.
 */
function einsumBatch(equation: string, ins: readonly In[]): number {
  const [lhs, rhs] = equation.split('->');
  const terms = lhs.split(',');
  const i = ins.findIndex((v) => v !== null && v.batch >= 0);
  if (i < 0) return -1;
  const batch = ins[i]!.batch;
  if (terms[i].includes('...')) {
    const broadcast = (j: number) => (terms[j].includes('...') ? ins[j]!.shape.length - terms[j].replace('...', '').length : 0);
    const most = Math.max(...terms.map((_, j) => broadcast(j)));
    const leads = terms[i].startsWith('...') && (rhs === undefined || rhs.startsWith('...'));
    return leads && broadcast(i) === most && batch < most ? batch : -1;
  }
  const label = terms[i][batch];
  const out = rhs ?? [...new Set(lhs.replace(/[,.]/g, ''))].filter((c) => lhs.split(c).length === 2).sort().join('');
  return rhs !== undefined && rhs.includes('...') && rhs.indexOf('...') < rhs.indexOf(label) ? -1 : out.indexOf(label);
}

/**
 * unfold (im2col) as a grouped Conv whose weights pick one tap each: output
 * channel c kh kw + i kw + j reads x[c] at tap (i, j) (PyTorch's order);
 * fold (col2im) as the adjoint ConvTranspose with the same weights.
 */
function tapWeights(g: Graph, C: number, kh: number, kw: number): string {
  const taps = kh * kw;
  const w = new Array<number>(C * taps * taps).fill(0);
  for (let c = 0; c < C; c++) for (let t = 0; t < taps; t++) w[(c * taps + t) * taps + t] = 1;
  return g.constFloats(w, [C * taps, 1, kh, kw]);
}

function windowAttrs(b: Record<string, number>): Record<string, number[]> {
  return { kernel_shape: [b.kh, b.kw], strides: [b.sh, b.sw], pads: [b.ph, b.pw, b.ph, b.pw], dilations: [b.dh, b.dw] };
}

const unfold: OpConverter = (g, [xv], a) => {
  const x = req(xv);
  const b = a as Record<string, number>;
  const C = x.shape[1];
  const cols = g.op('Conv', [x.name, tapWeights(g, C, b.kh, b.kw)], { ...windowAttrs(b), group: C });
  const N = x.batch === 0 && g.dynamicBatch ? -1 : x.shape[0];
  return { name: g.op('Reshape', [cols, g.constInts([N, C * b.kh * b.kw, b.OH * b.OW])]), batch: N === -1 ? 0 : -1 };
};

const fold: OpConverter = (g, [xv], a) => {
  const x = req(xv);
  const b = a as Record<string, number>;
  const C = x.shape[1] / (b.kh * b.kw);
  const N = x.batch === 0 && g.dynamicBatch ? -1 : x.shape[0];
  const grid = g.op('Reshape', [x.name, g.constInts([N, x.shape[1], b.OH, b.OW])]);
  const full = (o: number, s: number, p: number, d: number, k: number) => (o - 1) * s - 2 * p + d * (k - 1) + 1;
  const outputPadding = [b.H - full(b.OH, b.sh, b.ph, b.dh, b.kh), b.W - full(b.OW, b.sw, b.pw, b.dw, b.kw)];
  return { name: g.op('ConvTranspose', [grid, tapWeights(g, C, b.kh, b.kw)], { ...windowAttrs(b), group: C, output_padding: outputPadding }), batch: N === -1 ? 0 : -1 };
};

/**
 * diag: a vector onto diagonal k of a zero matrix (ScatterND), or diagonal
 * k of a matrix as a vector (GatherND), at the positions (i, i + k) or (i - k, i).
 */
const diag: OpConverter = (g, [xv], a, out) => {
  const x = req(xv);
  const k = a.k as number;
  const len = x.shape.length === 1 ? x.shape[0] : out.shape[0];
  const at = Array.from({ length: len }, (_, i) => (k >= 0 ? [i, i + k] : [i - k, i])).flat();
  const positions = g.constInts(at, [len, 2]);
  if (x.shape.length === 2) return g.op('GatherND', [x.name, positions]);
  const s = out.shape[0];
  return g.op('ScatterND', [g.constFloats(new Array<number>(s * s).fill(0), [s, s]), positions, x.name]);
};

/**
 * scaledDotProductAttention, composed: P = softmax(scale Q K^T + M) over the
 * keys, out = P V, with M the float mask (a bool mask arrives converted to
 * 0 / -inf) and, with isCausal, -inf above the diagonal (top-left aligned).
 * A query row whose keys are all masked gives zeros, as the fused kernel
 * (Softmax would give NaN there). Dropout on the weights draws random
 * numbers, so dropoutP > 0 is refused.
 */
const attention: OpConverter = (g, [qv, kv, vv, mv], a, out) => {
  const q = req(qv), k = req(kv), v = req(vv);
  const p = a.dropoutP as number;
  if (p > 0) throw new Error(`scaledDotProductAttention with dropoutP ${p} drops random weights, which a file cannot hold; pass dropoutP 0 for the export (MultiheadAttention does when in eval mode)`);
  const rank = k.shape.length;
  const kt = g.op('Transpose', [k.name], { perm: [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2] });
  let scores = g.op('Mul', [g.op('MatMul', [q.name, kt]), g.constFloats([a.scale as number], [])]);
  if (mv !== null) scores = g.op('Add', [scores, mv.name]);
  const masked = mv !== null || (a.isCausal as boolean);
  if (a.isCausal) {
    const L = q.shape[q.shape.length - 2], S = k.shape[rank - 2];
    const causal = Array.from({ length: L * S }, (_, i) => (i % S > Math.floor(i / S) ? -Infinity : 0));
    scores = g.op('Add', [scores, g.constFloats(causal, [L, S])]);
  }
  let weights = g.op('Softmax', [scores], { axis: -1 });
  if (masked) weights = g.op('Where', [g.op('IsNaN', [weights]), g.constFloats([0], []), weights]);
  return { name: g.op('MatMul', [weights, v.name]), batch: broadcastBatch([q, k, v], out) };
};

/** Every op src/ops reports while tracing, by its `traced` name. */
export const OPS: Readonly<Record<string, OpConverter>> = {
  identity: (_, [x]) => ({ name: req(x).name, batch: req(x).batch }),
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  maximum: binary('Max'),
  minimum: binary('Min'),
  gt: comparison('Greater'),
  lt: comparison('Less'),
  ge: comparison('GreaterOrEqual'),
  le: comparison('LessOrEqual'),
  eq: comparison('Equal'),
  ne: comparison('Equal', true),
  where: (g, [c, a, b], _, out) => {
    refuseBatchSizedConstants(g, [c, a, b], out);
    return { name: g.op('Where', [g.op('Cast', [req(c).name], { to: DType.BOOL }), req(a).name, req(b).name]), batch: broadcastBatch([c, a, b], out) };
  },
  neg: unary('Neg'),
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  abs: unary('Abs'),
  tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'),
  relu: unary('Relu'),
  sign: unary('Sign'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  square: (g, [x]) => g.op('Mul', [req(x).name, req(x).name]),
  rsqrt: (g, [x]) => g.op('Reciprocal', [g.op('Sqrt', [req(x).name])]),
  reciprocal: unary('Reciprocal'),
  floor: unary('Floor'),
  ceil: unary('Ceil'),
  // toward zero: sign(x) floor(|x|)
  trunc: (g, [x]) => g.op('Mul', [g.op('Sign', [req(x).name]), g.op('Floor', [g.op('Abs', [req(x).name])])]),
  round: (g, [xv], a) => {
    // halves to even, as ONNX's Round; with decimals as src/ops/math.ts computes it in float32
    const x = req(xv).name;
    const { decimals, scale } = a as Record<string, number>;
    if (decimals === 0) return g.op('Round', [x]);
    const t = g.constFloats([scale], []);
    return decimals > 0 ? g.op('Div', [g.op('Round', [g.op('Mul', [x, t])]), t]) : g.op('Mul', [g.op('Round', [g.op('Div', [x, t])]), t]);
  },
  cumsum: (g, [x], a) => g.op('CumSum', [req(x).name, g.constInts([a.dim as number], [])]),
  pow: (g, [x], a) => g.op('Pow', [req(x).name, g.constFloats([a.p as number], [])]),
  affine: (g, [x], a) => g.op('Add', [g.op('Mul', [req(x).name, g.constFloats([a.scale as number], [])]), g.constFloats([a.shift as number], [])]),
  clamp: (g, [x], a) => clip(g, req(x).name, a.min as number, a.max as number),
  leakyRelu: (g, [x], a) => g.op('LeakyRelu', [req(x).name], { alpha: f(a.slope as number) }),
  erf: activation, elu: activation, selu: activation, celu: activation, gelu: activation, silu: activation, mish: activation, softplus: activation,
  hardtanh: activation, relu6: activation, hardsigmoid: activation, hardswish: activation, logSigmoid: activation, softsign: activation,
  sum: reduction('ReduceSum', true),
  max: reduction('ReduceMax', false),
  min: reduction('ReduceMin', false),
  argmax: argExtreme('ArgMax'),
  argmin: argExtreme('ArgMin'),
  softmax: (g, [x], a) => g.op('Softmax', [req(x).name], { axis: a.dim as number }),
  logSoftmax: (g, [x], a) => g.op('LogSoftmax', [req(x).name], { axis: a.dim as number }),
  reshape,
  squeeze: (g, [xv], a) => {
    const x = req(xv);
    const dims = a.dims as number[];
    if (dims.length === 0) return x.name;
    if (g.dynamicBatch && dims.includes(x.batch)) throw new Error(`squeeze removes the batch dim ${x.batch} (the example's batch size is 1); export with a batch of 2 or more, or with { dynamicBatch: false }`);
    return { name: g.op('Squeeze', [x.name, g.constInts(dims)]), batch: reducedBatch(x, dims, false) };
  },
  unsqueeze: (g, [xv], a) => {
    const x = req(xv);
    const d = a.dim as number;
    return { name: g.op('Unsqueeze', [x.name, g.constInts([d])]), batch: x.batch < 0 ? -1 : x.batch >= d ? x.batch + 1 : x.batch };
  },
  permute: (g, [xv], a) => {
    const x = req(xv);
    const perm = a.dims as number[];
    return { name: g.op('Transpose', [x.name], { perm }), batch: x.batch < 0 ? -1 : perm.indexOf(x.batch) };
  },
  expand: (g, [xv], _, out) => {
    const x = req(xv);
    const b = x.batch < 0 ? -1 : x.batch + out.ndim - x.shape.length;
    if (b < 0 && g.dynamicBatch && g.batchSize > 1) {
      // a tensor without the batch broadcast to the example's batch size (h0.expand([layers, x.shape[0], H])): the file would keep that size
      const lead = out.ndim - x.shape.length;
      const grown = out.shape.findIndex((d, i) => d === g.batchSize && (i < lead || x.shape[i - lead] === 1));
      if (grown >= 0) {
        throw new Error(
          `expand from [${x.shape}] to [${out.shape}] gives dim ${grown} the example's batch size ${g.batchSize}, which the file would keep fixed; ` +
            'expand with expandAs(t, other) against a batched tensor, or export with an example batch size no other dim has, or with { dynamicBatch: false }',
        );
      }
    }
    const target = out.shape.map((d, i) => (i === b ? 1 : d));
    return { name: g.op('Expand', [x.name, g.constInts(target)]), batch: b };
  },
  // to other's shape as it is at run time (its batch dim included)
  expandAs: (g, [x, other]) => ({ name: g.op('Expand', [req(x).name, g.op('Shape', [req(other).name])]), batch: req(other).batch }),
  slice: (g, [xv], a) => {
    const x = req(xv);
    const { dim, start, end, step } = a as Record<string, number>;
    if (start === 0 && end === x.shape[dim] && step === 1) return { name: x.name, batch: x.batch };
    refuseBatchIndexing(g, x, dim, 'slicing');
    return g.op('Slice', [x.name, g.constInts([start]), g.constInts([end === x.shape[dim] ? INT64_MAX : end]), g.constInts([dim]), g.constInts([step])]);
  },
  select: (g, [xv], a) => {
    const x = req(xv);
    const { dim, index } = a as Record<string, number>;
    refuseBatchIndexing(g, x, dim, 'select');
    return { name: g.op('Gather', [x.name, g.constInts([index], [])], { axis: dim }), batch: reducedBatch(x, [dim], false) };
  },
  cat: (g, ins, a, out) => {
    refuseBatchSizedConstants(g, ins, out);
    const batched = ins.find((v) => v !== null && v.batch >= 0);
    return { name: g.op('Concat', ins.map((v) => req(v).name), { axis: a.dim as number }), batch: batched ? batched.batch : -1 };
  },
  matmul: (g, [a, b], _, out) => {
    const A = req(a), B = req(b);
    // a batch dim among a's rows or b's columns stays; one in the contracted dim disappears
    let batch = -1;
    if (A.batch >= 0 && A.batch !== A.shape.length - 1) batch = A.batch + out.ndim - A.shape.length;
    else if (B.batch >= 0 && B.batch !== B.shape.length - 2) batch = B.batch + out.ndim - B.shape.length;
    return { name: g.op('MatMul', [A.name, B.name]), batch };
  },
  linear: (g, [xv, w, b]) => {
    const x = req(xv);
    if (x.shape.length === 2) return g.op('Gemm', [x.name, req(w).name, ...(b !== null ? [b.name] : [])], { transB: 1 });
    const y = g.op('MatMul', [x.name, g.op('Transpose', [req(w).name], { perm: [1, 0] })]);
    return b !== null ? g.op('Add', [y, b.name]) : y;
  },
  addmm: (g, [input, a, b]) => g.op('Gemm', [req(a).name, req(b).name, req(input).name]),
  conv2d: convolution('Conv'),
  convTranspose2d: convolution('ConvTranspose'),
  maxPool2d,
  avgPool2d,
  adaptiveAvgPool2d: adaptivePool('Average'),
  adaptiveMaxPool2d: adaptivePool('Max'),
  batchNorm,
  layerNorm,
  groupNorm,
  embedding: (g, [idx, w]) => {
    const i = req(idx);
    return { name: g.op('Gather', [req(w).name, g.op('Cast', [i.name], { to: DType.INT64 })], { axis: 0 }), batch: i.batch };
  },
  indexSelect: (g, [xv, idx], a) => {
    const x = req(xv);
    refuseBatchIndexing(g, x, a.dim as number, 'indexSelect');
    return { name: g.op('Gather', [x.name, g.op('Cast', [req(idx).name], { to: DType.INT64 })], { axis: a.dim as number }), batch: x.batch };
  },
  pad,
  interpolate,
  pixelShuffle: (g, [x], a) => g.op('DepthToSpace', [req(x).name], { blocksize: a.r as number, mode: 'CRD' }),
  instanceNorm,
  prod: (g, [xv], a) => {
    const x = req(xv);
    if (a.dim === null) return { name: g.op('ReduceProd', [x.name], { keepdims: 0 }), batch: -1 };
    const d = a.dim as number;
    return { name: g.op('ReduceProd', [x.name], { axes: [d], keepdims: a.keepdim ? 1 : 0 }), batch: reducedBatch(x, [d], a.keepdim as boolean) };
  },
  cumprod,
  topk,
  scatter: scatter('none'),
  scatterAdd: scatter('add'),
  einsum: (g, ins, a) => ({ name: g.op('Einsum', ins.map((v) => req(v).name), { equation: a.equation as string }), batch: einsumBatch(a.equation as string, ins) }),
  unfold,
  fold,
  diag,
  scaledDotProductAttention: attention,
  gather: (g, [xv, idx], a) => {
    const x = req(xv);
    return g.op('GatherElements', [x.name, g.op('Cast', [req(idx).name], { to: DType.INT64 })], { axis: a.dim as number });
  },
};
