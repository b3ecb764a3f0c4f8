/**
 * Shaping ops with PyTorch's names and semantics, composed from views,
 * copies and index selection so each inherits an exact gradient:
 *   pad: constant (a copy into a filled tensor; g cut back out), reflect,
 *        replicate and circular (an index selection per padded dim; g summed
 *        back onto the rows each output row came from)
 *   split, chunk, unbind: views (each piece's g lands in its slice)
 *   flip, roll: index selections (g moved back); repeat, tile,
 *   repeatInterleave: broadcast copies (g summed over the copies)
 *   expandAs, unflatten: views; triu, tril: a mask (g masked the same way)
 *   diag: the diagonal copied out of a matrix or into a zero matrix (g the same way back)
 */
import { Tensor } from '../tensor';
import { fmtShape, normDim, numel } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { atomic } from '../autograd/scope';
import { traced } from '../autograd/trace';
import { either, integer, intList, nullable, number, oneOf, param, parseArgs, required, tensor, type Check } from '../validate';
import { arange, clone, copyInto, full, zeros } from './create';
import { indexSelect } from './gather';
import { expand, narrow, reshape, select, unsqueeze } from './views';
import { ge, le, sub } from './binary';
import { where } from './where';

/** Applies steps to x in turn, disposing the intermediate results (never x itself). */
function chain(x: Tensor, steps: ((t: Tensor) => Tensor)[]): Tensor {
  let cur = x;
  for (const step of steps) {
    const next = step(cur);
    if (cur !== x) cur.dispose();
    cur = next;
  }
  return cur === x ? clone(x) : cur;
}

// ---------------------------------------------------------------------------
// pad

/**
 * How pad fills the border: 'constant', 'reflect', 'replicate' or 'circular'.
 * @example F.pad(x, [1, 1], { mode: 'reflect' })
 */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/**
 * Options of pad after input and pad widths: mode (default 'constant'), value (default 0).
 * @example F.pad(x, [1, 1, 2, 2], { value: -1 })   // (N, C, H, W) -> (N, C, H + 4, W + 2)
 */
export interface PadOptions {
  /** 'constant' (default), 'reflect' (mirror without repeating the edge), 'replicate' (repeat the edge) or 'circular' (wrap around). */
  mode?: PadMode;
  /** The fill of 'constant' padding; default 0. */
  value?: number | null;
}

const PAD_ARGS = {
  input: param(tensor, required),
  pad: param(intList({}, { single: false }), required),
  mode: param(oneOf(['constant', 'reflect', 'replicate', 'circular'] as const), 'constant'),
  value: param(nullable(number({ infinite: true })), null),
} as const;

/** Where output position j of a dim of size n padded by `left` reads from, for the non-constant modes. */
function sourceIndex(mode: Exclude<PadMode, 'constant'>, j: number, left: number, n: number): number {
  const i = j - left;
  if (mode === 'replicate') return Math.min(Math.max(i, 0), n - 1);
  if (mode === 'circular') return ((i % n) + n) % n;
  return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

/**
 * Pads (or, with negative amounts in 'constant' mode, crops) the last
 * dims: `pad` = [left, right] for the last dim, then [top, bottom] for the
 * one before, and so on (PyTorch's F.pad order). 'constant' fills with
 * `value` and pads any number of dims; 'reflect', 'replicate' and
 * 'circular' pad the last 1, 2 or 3 dims of an input with one or two more
 * dims (batch and channels), by non-negative amounts (reflect: less than
 * the dim's size; circular: at most the size).
 * Shape: [..., H, W] -> [..., H + top + bottom, W + left + right].
 * @example pad(x, [1, 1, 2, 0]) // W + 2, H + 2, zeros
 * @example pad(x, [2, 2], 'reflect') // [1, 2, 3] -> [3, 2, 1, 2, 3, 2, 1]
 */
export function pad(input: Tensor, pad: readonly number[], mode?: PadMode, value?: number | null): Tensor;
export function pad(input: Tensor, pad: readonly number[], opts: PadOptions): Tensor;
export function pad(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, pad: amounts, mode, value } = parseArgs('pad', args, PAD_ARGS);
    const k = amounts.length / 2;
    if (!Number.isInteger(k)) throw new RangeError(`pad: pad must hold pairs (left, right) per dim, got ${amounts.length} values [${amounts}]`);
    if (k > x.ndim) throw new RangeError(`pad: pad [${amounts}] covers ${k} dims but the input ${fmtShape(x.shape)} has ${x.ndim}`);
    const dims = Array.from({ length: k }, (_, i) => x.ndim - 1 - i);
    if (mode === 'constant') return traced(padConstant(x, amounts, dims, value ?? 0), 'pad', [x], { pad: amounts, mode, value: value ?? 0 });
    if (value !== null && value !== 0) throw new RangeError(`pad: value ${value} only applies to mode 'constant', got mode '${mode}'`);
    if (k > 3 || (x.ndim !== k + 1 && x.ndim !== k + 2)) {
      throw new RangeError(`pad: mode '${mode}' pads the last 1 to 3 dims of a tensor with 1 or 2 more (batch, channels): pad [${amounts}] (${k} dims) needs a ${k + 1}-d or ${k + 2}-d input, got ${fmtShape(x.shape)}`);
    }
    dims.forEach((d, i) => {
      const [l, r] = [amounts[2 * i], amounts[2 * i + 1]], n = x.shape[d];
      if (l < 0 || r < 0) throw new RangeError(`pad: mode '${mode}' takes non-negative padding, got [${amounts}]`);
      const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : Infinity;
      if (l > limit || r > limit || n === 0) {
        throw new RangeError(`pad: padding (${l}, ${r}) of dim ${d} (size ${n}) of ${fmtShape(x.shape)} must be ${mode === 'reflect' ? `< the size for 'reflect'` : mode === 'circular' ? `<= the size for 'circular'` : 'on a non-empty dim'}`);
      }
    });
    const out = chain(
      x,
      dims.map((d, i) => (t: Tensor) => {
        const [l, r] = [amounts[2 * i], amounts[2 * i + 1]], n = t.shape[d];
        return indexSelect(t, d, Array.from({ length: n + l + r }, (_, j) => sourceIndex(mode, j, l, n)));
      }),
    );
    // circular padding is traced as its index selections (opset 17's Pad has no wrap mode)
    return mode === 'circular' ? out : traced(out, 'pad', [x], { pad: amounts, mode, value: 0 });
  });
}

function padConstant(x: Tensor, amounts: readonly number[], dims: readonly number[], value: number): Tensor {
  const shape = [...x.shape];
  dims.forEach((d, i) => {
    shape[d] += amounts[2 * i] + amounts[2 * i + 1];
    if (shape[d] < 0) throw new RangeError(`pad: padding (${amounts[2 * i]}, ${amounts[2 * i + 1]}) of dim ${d} (size ${x.shape[d]}) gives a negative size ${shape[d]}`);
  });
  // the region of x kept (negative padding crops) and where it lands in the output
  const take = (t: Tensor, side: 'in' | 'out'): Tensor => {
    let v = t.alias();
    dims.forEach((d, i) => {
      const l = amounts[2 * i], r = amounts[2 * i + 1];
      const len = x.shape[d] - Math.max(0, -l) - Math.max(0, -r);
      const start = side === 'in' ? Math.max(0, -l) : Math.max(0, l);
      const next = narrow(v, d, start, Math.max(0, len));
      v.dispose();
      v = next;
    });
    return v;
  };
  const out = full(shape, value);
  const src = take(x, 'in'), dst = take(out, 'out');
  copyInto(dst, src);
  src.dispose();
  dst.dispose();
  if (needsGrad(x)) {
    const inShape = [...x.shape];
    record(out, 'ConstantPadBackward', [x], [], (g) => {
      const dx = zeros(inShape);
      const gv = take(g, 'out'), dv = take(dx, 'in');
      copyInto(dv, gv);
      gv.dispose();
      dv.dispose();
      return [dx];
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// split, chunk, unbind

const sizeOrSections: Check<number | number[]> = either<number, number[]>(integer({ min: 0 }), intList({ min: 0 }, { single: false }), 'an integer >= 0 or an array of them');

const SPLIT_ARGS = { tensor: param(tensor, required), splitSizeOrSections: param(sizeOrSections, required), dim: param(integer(), 0) } as const;

/**
 * Splits into views along `dim`: pieces of splitSize (the last may be
 * smaller) or of the listed sizes (which must sum to the dim's size).
 * @example split(arange(5), 2) // [0, 1], [2, 3], [4]
 * @example split(arange(5), [1, 4]) // [0], [1, 2, 3, 4]
 */
export function split(tensor: Tensor, splitSizeOrSections: number | readonly number[], dim?: number): Tensor[];
export function split(...args: unknown[]): Tensor[] {
  const { tensor: x, splitSizeOrSections: s, dim } = parseArgs('split', args, SPLIT_ARGS);
  if (x.ndim === 0) throw new RangeError('split: a 0-d tensor cannot be split');
  const d = normDim('split', dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof s === 'number') {
    if (s === 0 && n !== 0) throw new RangeError(`split: splitSize 0 cannot split dim ${d} of size ${n}`);
    sizes = s === 0 ? [0] : Array.from({ length: Math.max(1, Math.ceil(n / s)) }, (_, i) => Math.min(s, n - i * s));
  } else {
    const total = s.reduce((a, b) => a + b, 0);
    if (total !== n) throw new RangeError(`split: sections [${s}] sum to ${total}, but dim ${d} of ${fmtShape(x.shape)} has size ${n}`);
    sizes = s;
  }
  let at = 0;
  return sizes.map((len) => {
    const piece = narrow(x, d, at, len);
    at += len;
    return piece;
  });
}

const CHUNK_ARGS = { input: param(tensor, required), chunks: param(integer({ min: 1 }), required), dim: param(integer(), 0) } as const;

/**
 * Splits into at most `chunks` views of ceil(size / chunks) along `dim`
 * (fewer when the size does not allow more, as PyTorch).
 * @example chunk(arange(5), 3) // [0, 1], [2, 3], [4]
 */
export function chunk(input: Tensor, chunks: number, dim?: number): Tensor[];
export function chunk(...args: unknown[]): Tensor[] {
  const { input: x, chunks, dim } = parseArgs('chunk', args, CHUNK_ARGS);
  if (x.ndim === 0) throw new RangeError('chunk: a 0-d tensor cannot be chunked');
  const d = normDim('chunk', dim, x.ndim);
  return split(x, Math.ceil(x.shape[d] / chunks), d);
}

/**
 * The slices along `dim`, that dim removed (views).
 * @example unbind(tensor([[1, 2], [3, 4]])) // [1, 2], [3, 4]
 */
export function unbind(input: Tensor, dim?: number): Tensor[];
export function unbind(...args: unknown[]): Tensor[] {
  const { input: x, dim } = parseArgs('unbind', args, { input: param(tensor, required), dim: param(integer(), 0) });
  if (x.ndim === 0) throw new RangeError('unbind: a 0-d tensor cannot be unbound');
  const d = normDim('unbind', dim, x.ndim);
  return Array.from({ length: x.shape[d] }, (_, i) => select(x, d, i));
}

// ---------------------------------------------------------------------------
// flip, roll

/** Normalised, distinct dims. */
function distinctDims(op: string, dims: readonly number[], rank: number): number[] {
  const ds = dims.map((d) => normDim(op, d, rank));
  if (new Set(ds).size !== ds.length) throw new RangeError(`${op}: dims [${dims}] repeat a dim`);
  return ds;
}

/**
 * Reverses the order of elements along each of `dims` (a copy, as PyTorch).
 * @example flip(tensor([[1, 2], [3, 4]]), [1]) // [[2, 1], [4, 3]]
 */
export function flip(input: Tensor, dims: number | readonly number[]): Tensor;
export function flip(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, dims } = parseArgs('flip', args, { input: param(tensor, required), dims: param(intList(), required) });
    const ds = distinctDims('flip', dims, x.ndim);
    if (x.ndim === 0) return clone(x);
    return chain(x, ds.map((d) => (t: Tensor) => indexSelect(t, d, Array.from({ length: t.shape[d] }, (_, i) => t.shape[d] - 1 - i))));
  });
}

const ROLL_ARGS = { input: param(tensor, required), shifts: param(intList(), required), dims: param(nullable(intList()), null) } as const;

/**
 * Rotates elements along `dims` by `shifts` (y[(i + shift) mod n] = x[i]);
 * without dims, over the flattened tensor, the shape kept.
 * @example roll(tensor([1, 2, 3, 4]), 1) // [4, 1, 2, 3]
 * @example roll(x, [1, -1], [0, 1])
 */
export function roll(input: Tensor, shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor;
export function roll(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, shifts, dims } = parseArgs('roll', args, ROLL_ARGS);
    if (dims === null) {
      if (shifts.length !== 1) throw new RangeError(`roll: without dims, shifts must be one integer, got [${shifts}]`);
      const flat = reshape(x, [-1]);
      const rolled = roll(flat, shifts, 0);
      const out = reshape(rolled, x.shape);
      flat.dispose();
      rolled.dispose();
      return out;
    }
    if (dims.length !== shifts.length) throw new RangeError(`roll: shifts [${shifts}] and dims [${dims}] must have the same length`);
    const ds = dims.map((d) => normDim('roll', d, x.ndim));
    if (x.ndim === 0) return clone(x);
    return chain(
      x,
      ds.map((d, i) => (t: Tensor) => {
        const n = t.shape[d];
        return indexSelect(t, d, Array.from({ length: n }, (_, j) => (((j - shifts[i]) % n) + n) % n));
      }),
    );
  });
}

// ---------------------------------------------------------------------------
// repeat, tile, repeatInterleave, expandAs, unflatten

/** x (rank <= sizes.length, leading 1s added) repeated sizes[i] times along each dim. */
function repeatBy(op: string, x: Tensor, sizes: readonly number[]): Tensor {
  return atomic(() => {
    if (sizes.length < x.ndim) throw new RangeError(`${op}: ${sizes.length} repeat counts [${sizes}] for a ${x.ndim}-d tensor ${fmtShape(x.shape)}: give at least one per dim`);
    const shape = [...new Array<number>(sizes.length - x.ndim).fill(1), ...x.shape];
    // [1, s0, 1, s1, ...] broadcast to [r0, s0, r1, s1, ...], copied, merged pairwise
    const spread = shape.flatMap((s) => [1, s]);
    const target = shape.flatMap((s, i) => [sizes[i], s]);
    return chain(x, [(t) => reshape(t, spread), (t) => expand(t, target), (t) => clone(t), (t) => reshape(t, shape.map((s, i) => s * sizes[i]))]);
  });
}

/**
 * The tensor repeated sizes[i] times along each dim (Tensor.repeat; more
 * sizes than dims add leading dims). Shape: [..., s_i] -> [..., s_i r_i].
 * @example repeat(tensor([1, 2]), [2, 2]) // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(input: Tensor, sizes: readonly number[]): Tensor;
export function repeat(...args: unknown[]): Tensor {
  const { input, sizes } = parseArgs('repeat', args, { input: param(tensor, required), sizes: param(intList({ min: 0 }), required) });
  return repeatBy('repeat', input, sizes);
}

/**
 * torch.tile: repeat, with fewer counts than dims read as leading 1s.
 * @example tile(tensor([[1, 2]]), [2]) // [[1, 2, 1, 2]]
 */
export function tile(input: Tensor, dims: readonly number[]): Tensor;
export function tile(...args: unknown[]): Tensor {
  const { input: x, dims } = parseArgs('tile', args, { input: param(tensor, required), dims: param(intList({ min: 0 }), required) });
  return repeatBy('tile', x, [...new Array<number>(Math.max(0, x.ndim - dims.length)).fill(1), ...dims]);
}

const REPEAT_INTERLEAVE_ARGS = {
  input: param(tensor, required),
  repeats: param(either<number, Tensor | number[]>(integer({ min: 0 }), either<Tensor, number[]>(tensor, intList({ min: 0 }, { single: false }), ''), 'an integer >= 0, a 1-d Tensor or an array of them'), required),
  dim: param(nullable(integer()), null),
  outputSize: param(nullable(integer({ min: 0 })), null),
} as const;

/**
 * Repeats each element (or each slice along `dim`) `repeats` times in
 * place: a number for all, or one count per slice (an array or a 1-d
 * tensor of non-negative integers). Without dim, over the flattened input.
 * outputSize, if given, must equal the result's length along dim.
 * @example repeatInterleave(tensor([1, 2]), 2) // [1, 1, 2, 2]
 * @example repeatInterleave(tensor([[1, 2], [3, 4]]), [1, 2], 0) // [[1, 2], [3, 4], [3, 4]]
 */
export function repeatInterleave(input: Tensor, repeats: number | Tensor | readonly number[], dim?: number | null, opts?: { outputSize?: number | null }): Tensor;
export function repeatInterleave(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input, repeats, dim, outputSize } = parseArgs('repeatInterleave', args, REPEAT_INTERLEAVE_ARGS, 3);
    const x = dim === null ? reshape(input, [-1]) : input;
    try {
      if (x.ndim === 0) throw new RangeError('repeatInterleave: a 0-d input needs dim null');
      const d = dim === null ? 0 : normDim('repeatInterleave', dim, x.ndim);
      const n = x.shape[d];
      let counts = typeof repeats === 'number' ? [repeats] : repeats instanceof Tensor ? countsOf(repeats) : repeats;
      // one count applies to every slice
      if (counts.length === 1) counts = new Array<number>(n).fill(counts[0]);
      if (counts.length !== n) throw new RangeError(`repeatInterleave: ${counts.length} repeat counts for dim ${d} of size ${n}`);
      const total = counts.reduce((a, b) => a + b, 0);
      if (outputSize !== null && outputSize !== total) throw new RangeError(`repeatInterleave: outputSize ${outputSize} does not match the repeats' total ${total}`);
      if (typeof repeats === 'number') {
        // each slice broadcast `repeats` times next to itself
        const shape = [...x.shape];
        shape[d] = total;
        const spread = [...x.shape.slice(0, d + 1), repeats, ...x.shape.slice(d + 1)];
        return chain(x, [(t) => unsqueeze(t, d + 1), (t) => expand(t, spread), (t) => clone(t), (t) => reshape(t, shape)]);
      }
      return indexSelect(x, d, counts.flatMap((c, i) => new Array<number>(c).fill(i)));
    } finally {
      if (x !== input) x.dispose();
    }
  });
}

/** Repeat counts read from a 1-d tensor (a few host reads of integer counts). */
function countsOf(t: Tensor): number[] {
  if (t.ndim > 1) throw new RangeError(`repeatInterleave: repeats must be a number or a 1-d tensor, got shape ${fmtShape(t.shape)}`);
  const v = Array.from(t.toArray());
  const bad = v.findIndex((c) => !Number.isInteger(c) || c < 0);
  if (bad >= 0) throw new RangeError(`repeatInterleave: repeats must be non-negative integers, got ${v[bad]} at position ${bad}`);
  return v;
}

/**
 * input broadcast (a view) to other's shape.
 * @example expandAs(tensor([[1], [2]]), zeros([2, 3])) // [[1, 1, 1], [2, 2, 2]]
 */
export function expandAs(input: Tensor, other: Tensor): Tensor;
export function expandAs(...args: unknown[]): Tensor {
  const { input, other } = parseArgs('expandAs', args, { input: param(tensor, required), other: param(tensor, required) });
  return traced(expand(input, other.shape), 'expandAs', [input, other]);
}

/**
 * Splits dim `dim` into `sizes` (one of them may be -1: inferred); the
 * inverse of flatten. Shape: [..., prod(sizes), ...] -> [..., ...sizes, ...].
 * @example unflatten(zeros([2, 12]), 1, [3, 4]).shape // [2, 3, 4]
 */
export function unflatten(input: Tensor, dim: number, sizes: readonly number[]): Tensor;
export function unflatten(...args: unknown[]): Tensor {
  const { input: x, dim, sizes } = parseArgs('unflatten', args, { input: param(tensor, required), dim: param(integer(), required), sizes: param(intList({ min: -1 }, { single: false }), required) });
  if (x.ndim === 0) throw new RangeError('unflatten: a 0-d tensor has no dim to unflatten');
  const d = normDim('unflatten', dim, x.ndim);
  if (sizes.length === 0) throw new RangeError('unflatten: sizes must not be empty');
  const n = x.shape[d];
  const known = sizes.filter((s) => s !== -1);
  if (sizes.length - known.length > 1) throw new RangeError(`unflatten: only one size can be -1, got [${sizes}]`);
  const prodKnown = numel(known);
  const resolved = sizes.map((s) => (s === -1 ? (prodKnown === 0 ? 0 : n / prodKnown) : s));
  if (numel(resolved) !== n || resolved.some((s) => !Number.isInteger(s))) {
    throw new RangeError(`unflatten: sizes [${sizes}] do not multiply to dim ${d}'s size ${n} (input ${fmtShape(x.shape)})`);
  }
  return reshape(x, [...x.shape.slice(0, d), ...resolved, ...x.shape.slice(d + 1)]);
}

// ---------------------------------------------------------------------------
// triu, tril, diag

function triangle(op: 'triu' | 'tril', args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, diagonal } = parseArgs(op, args, { input: param(tensor, required), diagonal: param(integer(), 0) });
    if (x.ndim < 2) throw new RangeError(`${op}: input must be at least 2-d (matrices in the last two dims), got ${fmtShape(x.shape)}`);
    const n = x.shape[x.ndim - 2], m = x.shape[x.ndim - 1];
    // keep [i, j] where j - i >= diagonal (triu) or <= diagonal (tril)
    const rows = arange(n), cols = arange(m);
    const column = reshape(rows, [n, 1]);
    const offset = sub(cols, column);
    const keep = op === 'triu' ? ge(offset, diagonal) : le(offset, diagonal);
    const out = where(keep, x, 0);
    for (const t of [rows, cols, column, offset, keep]) t.dispose();
    return out;
  });
}

/**
 * The upper triangle of the matrices in the last two dims: elements with
 * j - i >= diagonal kept, the rest 0 (diagonal > 0: above the main one).
 * Gradient: g masked the same way.
 * @example triu(ones([3, 3])) // [[1, 1, 1], [0, 1, 1], [0, 0, 1]]
 */
export function triu(input: Tensor, diagonal?: number): Tensor;
export function triu(...args: unknown[]): Tensor {
  return triangle('triu', args);
}

/**
 * The lower triangle: elements with j - i <= diagonal kept, the rest 0.
 * @example tril(ones([3, 3]), -1) // [[0, 0, 0], [1, 0, 0], [1, 1, 0]]
 */
export function tril(input: Tensor, diagonal?: number): Tensor;
export function tril(...args: unknown[]): Tensor {
  return triangle('tril', args);
}

/** The view of diagonal k of a matrix (no history). */
function diagonalView(t: Tensor, k: number): Tensor {
  const [n, m] = t.shape, [s0, s1] = t.strides;
  const len = Math.max(0, Math.min(n - Math.max(0, -k), m - Math.max(0, k)));
  return t.viewOf([len], [s0 + s1], t.offset + (k >= 0 ? k * s1 : -k * s0));
}

/**
 * diag of a vector: the square matrix with it on diagonal k (0 elsewhere);
 * of a matrix: its diagonal k as a vector (a copy). k > 0 above the main
 * diagonal, k < 0 below. Gradient: g's diagonal / g on a zero matrix's diagonal.
 * @example diag(tensor([1, 2])) // [[1, 0], [0, 2]]
 * @example diag(tensor([[1, 2], [3, 4]]), 1) // [2]
 */
export function diag(input: Tensor, diagonal?: number): Tensor;
export function diag(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, diagonal: k } = parseArgs('diag', args, { input: param(tensor, required), diagonal: param(integer(), 0) });
    if (x.ndim === 1) {
      const size = x.shape[0] + Math.abs(k);
      const out = zeros([size, size]);
      const d = diagonalView(out, k);
      copyInto(d, x);
      d.dispose();
      if (needsGrad(x)) {
        record(out, 'DiagEmbedBackward', [x], [], (g) => {
          const v = diagonalView(g, k);
          const dx = clone(v);
          v.dispose();
          return [dx];
        });
      }
      return traced(out, 'diag', [x], { k });
    }
    if (x.ndim !== 2) throw new RangeError(`diag: input must be 1-d or 2-d, got ${fmtShape(x.shape)}`);
    const view = diagonalView(x, k);
    const out = Tensor.empty(view.shape);
    copyInto(out, view);
    view.dispose();
    if (needsGrad(x)) {
      const inShape = [...x.shape];
      record(out, 'DiagonalBackward', [x], [], (g) => {
        const dx = zeros(inShape);
        const d = diagonalView(dx, k);
        copyInto(d, g);
        d.dispose();
        return [dx];
      });
    }
    return traced(out, 'diag', [x], { k });
  });
}
