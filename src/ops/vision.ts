/**
 * Vision ops with PyTorch's semantics (g: the output's gradient):
 *   interpolate: resizing the spatial dims of [N, C, ...] by index selection
 *     ('nearest', 'nearest-exact') or linear interpolation per dim ('linear',
 *     'bilinear', 'trilinear': separable, y = w0 x[i0] + w1 x[i1] per dim),
 *     with PyTorch's source coordinates in float32 (below); g flows back
 *     through the selections (summed where outputs share a source)
 *   pixelShuffle / pixelUnshuffle: [*, C r^2, H, W] <-> [*, C, H r, W r] (a permuted copy)
 *   unfold / fold: the convolution's im2col and its adjoint col2im (each the other's gradient)
 *   normalize: x / max(||x||_p, eps) along dim; cosineSimilarity: sum over dim of
 *     (x1 / max(||x1||, eps)) (x2 / max(||x2||, eps)), x1 and x2 broadcast.
 *     The norm's gradient is sign(x) (|x| / n)^(p-1), and 0 where n = 0 (PyTorch's rule).
 * Source coordinates (aten/src/ATen/native/UpSample.h), scale s = in / out,
 * or 1 / scaleFactor when a scale factor is given (recomputeScaleFactor unset):
 *   nearest: min(floor(o s), in - 1)    nearest-exact: min(floor((o + 0.5) s), in - 1)
 *   linear, alignCorners: x = o (in - 1) / (out - 1) (0 when out = 1)
 *   linear, otherwise: x = max((o + 0.5) s - 0.5, 0)
 *   i0 = floor(x), i1 = min(i0 + 1, in - 1), w1 = x - i0, w0 = 1 - w1.
 */
import { Tensor } from '../tensor';
import { im2col, type Blocks } from '../drivers/im2col';
import { broadcastShapes, fmtShape, normDim } from '../shape';
import { needsGrad, noGrad, record } from '../autograd/graph';
import { atomic } from '../autograd/scope';
import { traced } from '../autograd/trace';
import { boolean, either, integer, intList, invalid, nullable, number, oneOf, pair, param, parseArgs, required, tensor, type Check } from '../validate';
import { tensor as fromData } from './create';
import { add, div, eq, mul } from './binary';
import { abs, pow, sign } from './unary';
import { norm, sum } from './reduce';
import { indexSelect } from './gather';
import { expand, permute, reshape } from './views';
import { where } from './where';
import { clampMin } from './math';

// ---------------------------------------------------------------------------
// interpolate

/**
 * interpolate's sampling: 'nearest' (PyTorch's legacy rule), 'nearest-exact', or (bi/tri)linear for 3/4/5-d inputs.
 * @example F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' })
 */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear' | 'trilinear';

/**
 * Options of interpolate: exactly one of size or scaleFactor; mode (default 'nearest'), alignCorners, recomputeScaleFactor.
 * Input (N, C, ...spatial) with 1-3 spatial dims; output (N, C, ...new spatial).
 * @example F.interpolate(x, { size: [64, 64], mode: 'bilinear', alignCorners: false })   // (N, C, H, W) -> (N, C, 64, 64)
 */
export interface InterpolateOptions {
  /** Output spatial size: one number for every spatial dim, or one per dim. */
  size?: number | number[] | null;
  /** Multiplier of the spatial sizes (output = floor(input scaleFactor)). */
  scaleFactor?: number | number[] | null;
  /** 'nearest' (default), 'nearest-exact', 'linear' (3-d input), 'bilinear' (4-d), 'trilinear' (5-d). */
  mode?: InterpolateMode;
  /** Linear modes: map the corner pixels' centres onto each other (default false). */
  alignCorners?: boolean | null;
  /** With scaleFactor: compute the coordinates from the output size instead of the factor. */
  recomputeScaleFactor?: boolean | null;
}

const LINEAR_RANK: Record<string, number> = { linear: 3, bilinear: 4, trilinear: 5 };

const sizesCheck: Check<number[]> = intList({ min: 0 });
const positive = number({ gt: 0 });
/** A positive number, or an array of them (one per spatial dim). */
const factorsCheck: Check<number | number[]> = either<number, number[]>(positive, (v, at) => {
  if (!Array.isArray(v)) throw invalid(at, 'an array', v);
  return v.map((x, i) => positive(x, { where: at.where, name: `${at.name}[${i}]` }));
}, 'a positive number or an array of them');

export const INTERPOLATE_ARGS = {
  input: param(tensor, required),
  size: param(nullable(sizesCheck), null),
  scaleFactor: param(nullable(factorsCheck), null),
  mode: param(oneOf(['nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear'] as const), 'nearest'),
  alignCorners: param(nullable(boolean), null),
  recomputeScaleFactor: param(nullable(boolean), null),
} as const;

/** The per-dim sources and weights of one resized dim (index math on the dim's size, in float32 like PyTorch). */
function resample(mode: InterpolateMode, n: number, out: number, factor: number | null, alignCorners: boolean): { i0: number[]; i1: number[] | null; w1: number[] | null } {
  const f = Math.fround;
  const scale = factor !== null ? f(1 / factor) : f(n / out);
  if (mode === 'nearest' || mode === 'nearest-exact') {
    const shift = mode === 'nearest' ? 0 : 0.5;
    const i0 = Array.from({ length: out }, (_, o) => (out === n ? o : Math.min(Math.floor(f(f(o + shift) * scale)), n - 1)));
    return { i0, i1: null, w1: null };
  }
  const lin = alignCorners ? (out > 1 ? f(f(n - 1) / f(out - 1)) : 0) : scale;
  const i0: number[] = [], i1: number[] = [], w1: number[] = [];
  for (let o = 0; o < out; o++) {
    const x = alignCorners ? f(lin * o) : Math.max(f(f(lin * f(o + 0.5)) - 0.5), 0);
    const a = Math.floor(x);
    i0.push(a);
    i1.push(a + (a < n - 1 ? 1 : 0));
    w1.push(f(x - a));
  }
  return { i0, i1, w1 };
}

/**
 * Resizes the spatial dims of [N, C, d1 (, d2 (, d3))] (torch.nn.functional.interpolate):
 * give `size` or `scaleFactor`. Modes: 'nearest' (PyTorch's default, the
 * pixel at floor(o in / out)), 'nearest-exact' (the pixel whose centre is
 * nearest), 'linear' / 'bilinear' / 'trilinear' for 3-d / 4-d / 5-d inputs,
 * with alignCorners. Shape: [N, C, H, W] -> [N, C, outH, outW].
 * @example interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: false })
 * @example interpolate(x, [32, 32]) // nearest to 32 x 32
 */
export function interpolate(input: Tensor, size?: number | number[] | null, scaleFactor?: number | number[] | null, mode?: InterpolateMode, alignCorners?: boolean | null, recomputeScaleFactor?: boolean | null): Tensor;
export function interpolate(input: Tensor, opts: InterpolateOptions): Tensor;
export function interpolate(...args: unknown[]): Tensor {
  const a = parseArgs('interpolate', args, INTERPOLATE_ARGS);
  return resize('interpolate', a.input, a);
}

/** interpolate with its arguments checked (shared with nn.Upsample, which names itself in errors). */
export function resize(op: string, x: Tensor, a: { size: number[] | null; scaleFactor: number | number[] | null; mode: InterpolateMode; alignCorners: boolean | null; recomputeScaleFactor: boolean | null }): Tensor {
  return atomic(() => {
    const spatial = x.ndim - 2;
    if (spatial < 1 || spatial > 3) throw new RangeError(`${op}: input must be 3-d, 4-d or 5-d [N, C, spatial...], got ${fmtShape(x.shape)}`);
    const linear = LINEAR_RANK[a.mode];
    if (linear !== undefined && linear !== x.ndim) throw new RangeError(`${op}: mode '${a.mode}' takes a ${linear}-d input, got ${fmtShape(x.shape)}${x.ndim === 4 ? "; use 'bilinear'" : x.ndim === 3 ? "; use 'linear'" : x.ndim === 5 ? "; use 'trilinear'" : ''}`);
    if (linear === undefined && a.alignCorners !== null) throw new RangeError(`${op}: alignCorners only applies to the linear modes ('linear', 'bilinear', 'trilinear'), not '${a.mode}'`);
    if ((a.size === null) === (a.scaleFactor === null)) throw new RangeError(`${op}: give exactly one of size and scaleFactor`);
    const perDim = <T>(v: T | T[], name: string): T[] => {
      const list = Array.isArray(v) ? v : new Array<T>(spatial).fill(v);
      if (list.length !== spatial) throw new RangeError(`${op}: ${name} has ${list.length} values for ${spatial} spatial dims (input ${fmtShape(x.shape)})`);
      return list;
    };
    const inSizes = x.shape.slice(2);
    const factors = a.scaleFactor === null ? null : perDim(a.scaleFactor, 'scaleFactor');
    const outSizes = a.size !== null ? perDim(a.size.length === 1 ? a.size[0] : a.size, 'size') : inSizes.map((n, i) => Math.floor(Math.fround(n * factors![i])));
    if (outSizes.some((s) => s <= 0) && x.numel() > 0) throw new RangeError(`${op}: the output size ${fmtShape(outSizes)} must be positive (input ${fmtShape(x.shape)})`);
    const useFactor = factors !== null && a.recomputeScaleFactor !== true;
    let cur = x;
    // resize one dim at a time, last first (separable)
    for (let s = spatial - 1; s >= 0; s--) {
      const d = s + 2, n = inSizes[s], out = outSizes[s];
      if (out === n && (factors === null || factors[s] === 1) && a.mode !== 'nearest-exact') continue;
      const r = resample(a.mode, n, out, useFactor ? factors![s] : null, a.alignCorners ?? false);
      const next = r.i1 === null ? indexSelect(cur, d, r.i0) : lerpAlong(cur, d, r.i0, r.i1, r.w1!);
      if (cur !== x) cur.dispose();
      cur = next;
    }
    const out = cur === x ? cur.clone() : cur;
    return traced(out, 'interpolate', [x], { mode: a.mode, alignCorners: a.alignCorners ?? false, sizes: outSizes, factors: useFactor ? factors : null });
  });
}

/** w0 x[i0] + w1 x[i1] along dim d, w0 = 1 - w1 (as PyTorch computes lambda0). */
function lerpAlong(x: Tensor, d: number, i0: number[], i1: number[], w1: number[]): Tensor {
  const shape = x.shape.map((_, i) => (i === d ? w1.length : 1));
  const a = indexSelect(x, d, i0), b = indexSelect(x, d, i1);
  const wb = fromData(Float32Array.from(w1), { shape }), wa = fromData(Float32Array.from(w1, (w) => 1 - w), { shape });
  const pa = mul(a, wa), pb = mul(b, wb);
  const out = add(pa, pb);
  for (const t of [a, b, wa, wb, pa, pb]) t.dispose();
  return out;
}

// ---------------------------------------------------------------------------
// pixelShuffle

function shuffle(op: string, x: Tensor, r: number, up: boolean): Tensor {
  return atomic(() => {
    if (x.ndim < 3) throw new RangeError(`${op}: input must have at least 3 dims [*, C, H, W], got ${fmtShape(x.shape)}`);
    const lead = x.shape.slice(0, -3);
    const [C, H, W] = x.shape.slice(-3);
    const L = lead.length;
    let split: number[], order: number[], shape: number[];
    if (up) {
      if (C % (r * r) !== 0) throw new RangeError(`${op}: channels ${C} of ${fmtShape(x.shape)} must be divisible by upscaleFactor^2 = ${r * r}`);
      split = [...lead, C / (r * r), r, r, H, W];
      order = [0, 3, 1, 4, 2].map((i) => L + i);
      shape = [...lead, C / (r * r), H * r, W * r];
    } else {
      if (H % r !== 0 || W % r !== 0) throw new RangeError(`${op}: height ${H} and width ${W} of ${fmtShape(x.shape)} must be divisible by downscaleFactor ${r}`);
      split = [...lead, C, H / r, r, W / r, r];
      order = [0, 2, 4, 1, 3].map((i) => L + i);
      shape = [...lead, C * r * r, H / r, W / r];
    }
    const v = reshape(x, split);
    const p = permute(v, [...lead.map((_, i) => i), ...order]);
    const out = reshape(p, shape);
    v.dispose();
    p.dispose();
    return up && x.ndim === 4 ? traced(out, 'pixelShuffle', [x], { r }) : out;
  });
}

/**
 * Rearranges [*, C r^2, H, W] into [*, C, H r, W r]: out[c, h r + i, w r + j] =
 * x[c r^2 + i r + j, h, w] (Shi et al. 2016, sub-pixel convolution).
 * @example pixelShuffle(zeros([1, 8, 3, 3]), 2).shape // [1, 2, 6, 6]
 */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor;
export function pixelShuffle(...args: unknown[]): Tensor {
  const { input, upscaleFactor } = parseArgs('pixelShuffle', args, { input: param(tensor, required), upscaleFactor: param(integer({ min: 1 }), required) });
  return shuffle('pixelShuffle', input, upscaleFactor, true);
}

/**
 * The inverse of pixelShuffle: [*, C, H r, W r] -> [*, C r^2, H, W].
 * @example pixelUnshuffle(zeros([1, 2, 6, 6]), 2).shape // [1, 8, 3, 3]
 */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor;
export function pixelUnshuffle(...args: unknown[]): Tensor {
  const { input, downscaleFactor } = parseArgs('pixelUnshuffle', args, { input: param(tensor, required), downscaleFactor: param(integer({ min: 1 }), required) });
  return shuffle('pixelUnshuffle', input, downscaleFactor, false);
}

// ---------------------------------------------------------------------------
// unfold, fold

/** A sliding-window geometry: kernel, dilation, padding, stride per spatial dim, and the block grid. */

function blocks(op: string, H: number, W: number, a: { kernelSize: [number, number]; dilation: [number, number]; padding: [number, number]; stride: [number, number] }): Blocks {
  const [kh, kw] = a.kernelSize, [dh, dw] = a.dilation, [ph, pw] = a.padding, [sh, sw] = a.stride;
  const OH = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const OW = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (OH < 1 || OW < 1) throw new RangeError(`${op}: the ${kh}x${kw} kernel (dilation ${dh}x${dw}, padding ${ph}x${pw}) does not fit the ${H}x${W} input: no block`);
  return { kh, kw, dh, dw, ph, pw, sh, sw, H, W, OH, OW };
}

const WINDOW_ARGS = {
  kernelSize: param(pair({ min: 1 }), required),
  dilation: param(pair({ min: 1 }), [1, 1]),
  padding: param(pair({ min: 0 }), [0, 0]),
  stride: param(pair({ min: 1 }), [1, 1]),
} as const;


/**
 * Extracts sliding blocks (the convolution's im2col, torch.nn.functional.unfold):
 * out[n, (c, i, j), l] = x[n, c, oy sh - ph + i dh, ox sw - pw + j dw] (0 in
 * the padding) for block l = oy OW + ox. Gradient: fold of g.
 * Shape: [N, C, H, W] -> [N, C kh kw, L] ([C, H, W] -> [C kh kw, L]).
 * @example unfold(x, 3, { padding: 1 }) // [N, 9 C, H W]
 */
export function unfold(input: Tensor, kernelSize: number | [number, number], dilation?: number | [number, number], padding?: number | [number, number], stride?: number | [number, number]): Tensor;
export function unfold(input: Tensor, kernelSize: number | [number, number], opts: { dilation?: number | [number, number]; padding?: number | [number, number]; stride?: number | [number, number] }): Tensor;
export function unfold(...args: unknown[]): Tensor {
  return atomic(() => {
    const a = parseArgs('unfold', args, { input: param(tensor, required), ...WINDOW_ARGS });
    const x = a.input;
    if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`unfold: input must be 3-d [C, H, W] or 4-d [N, C, H, W], got ${fmtShape(x.shape)}`);
    const [N, C, H, W] = x.ndim === 4 ? x.shape : [1, ...x.shape];
    const b = blocks('unfold', H, W, a);
    const cols = im2col(b, C, N, x, true);
    if (needsGrad(x)) record(cols, 'Im2ColBackward', [x], [], (g) => [im2col(b, C, N, g, false)]);
    if (x.ndim === 4) return traced(cols, 'unfold', [x], b);
    const out = reshape(cols, cols.shape.slice(1));
    cols.dispose();
    return out;
  });
}

/**
 * Sums sliding blocks back into images (col2im, torch.nn.functional.fold),
 * the adjoint of unfold: overlapping values add up. Gradient: unfold of g.
 * Shape: [N, C kh kw, L] -> [N, C, H, W] with outputSize = [H, W] ([C kh kw, L] -> [C, H, W]).
 * @example fold(unfold(x, 2, { stride: 2 }), [H, W], 2, { stride: 2 }) // equals x
 */
export function fold(input: Tensor, outputSize: number | [number, number], kernelSize: number | [number, number], dilation?: number | [number, number], padding?: number | [number, number], stride?: number | [number, number]): Tensor;
export function fold(input: Tensor, outputSize: number | [number, number], kernelSize: number | [number, number], opts: { dilation?: number | [number, number]; padding?: number | [number, number]; stride?: number | [number, number] }): Tensor;
export function fold(...args: unknown[]): Tensor {
  return atomic(() => {
    const a = parseArgs('fold', args, { input: param(tensor, required), outputSize: param(pair({ min: 1 }), required), ...WINDOW_ARGS });
    const x = a.input;
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`fold: input must be 2-d [C kh kw, L] or 3-d [N, C kh kw, L], got ${fmtShape(x.shape)}`);
    const [N, K, L] = x.ndim === 3 ? x.shape : [1, ...x.shape];
    const b = blocks('fold', a.outputSize[0], a.outputSize[1], a);
    const taps = b.kh * b.kw;
    if (K % taps !== 0) throw new RangeError(`fold: input ${fmtShape(x.shape)}: dim ${x.ndim - 2} (${K}) must be divisible by the kernel's ${b.kh}x${b.kw} = ${taps} taps`);
    if (L !== b.OH * b.OW) throw new RangeError(`fold: input ${fmtShape(x.shape)} has ${L} blocks, but outputSize [${a.outputSize}] with this kernel, dilation, padding and stride gives ${b.OH}x${b.OW} = ${b.OH * b.OW}`);
    const C = K / taps;
    const img = im2col(b, C, N, x, false);
    if (needsGrad(x)) record(img, 'Col2ImBackward', [x], [], (g) => [im2col(b, C, N, g, true)]);
    if (x.ndim === 3) return traced(img, 'fold', [x], b);
    const out = reshape(img, img.shape.slice(1));
    img.dispose();
    return out;
  });
}

// ---------------------------------------------------------------------------
// normalize, cosineSimilarity

/**
 * ||x||_p along dim (kept as size 1) for finite p > 0 or Infinity, with
 * PyTorch's gradient sign(x) (|x| / n)^(p-1) g, which is 0 where n = 0
 * (the composed norm would give 0/0 there).
 */
function vectorNorm(x: Tensor, p: number, dim: number): Tensor {
  if (p === Infinity) return norm(x, p, dim, true);
  const n = noGrad(() => norm(x, p, dim, true));
  if (needsGrad(x)) {
    const sx = x.keep(), sn = n.keep();
    record(n, 'NormBackward', [x], [sx, sn], (g) => {
      const s = sign(sx), ax = abs(sx), ratio = div(ax, sn);
      const slope = p === 1 ? s : mul(s, p === 2 ? ratio : pow(ratio, p - 1));
      const d = mul(slope, g);
      const zero = eq(sn, 0);
      const dx = where(zero, 0, d);
      for (const t of [s, ax, ratio, d, zero]) t.dispose();
      if (slope !== s) slope.dispose();
      return [dx];
    });
  }
  return n;
}

const NORMALIZE_ARGS = { input: param(tensor, required), p: param(number({ gt: 0, infinite: true }), 2), dim: param(integer(), 1), eps: param(number({ min: 0 }), 1e-12) } as const;

/**
 * x / max(||x||_p, eps) along dim (torch.nn.functional.normalize; default p 2, dim 1).
 * A zero vector stays zero, with a finite gradient g / eps.
 * @example normalize(tensor([[3, 4]])) // [[0.6, 0.8]]
 */
export function normalize(input: Tensor, p?: number, dim?: number, eps?: number): Tensor;
export function normalize(input: Tensor, opts: { p?: number; dim?: number; eps?: number }): Tensor;
export function normalize(...args: unknown[]): Tensor {
  return atomic(() => {
    const { input: x, p, dim, eps } = parseArgs('normalize', args, NORMALIZE_ARGS);
    const d = normDim('normalize', dim, x.ndim);
    const n = vectorNorm(x, p, d);
    const denom = clampMin(n, eps);
    const out = div(x, denom);
    n.dispose();
    denom.dispose();
    return out;
  });
}

const COSINE_ARGS = { x1: param(tensor, required), x2: param(tensor, required), dim: param(integer(), 1), eps: param(number({ min: 0 }), 1e-8) } as const;

/**
 * Cosine similarity along dim (torch.nn.functional.cosine_similarity, PyTorch 2's formula):
 * sum_dim (x1 / max(||x1||, eps)) (x2 / max(||x2||, eps)), x1 and x2 broadcast
 * together first. Shape: the broadcast shape without dim.
 * @example cosineSimilarity(tensor([[1, 0]]), tensor([[1, 1]])) // [0.7071]
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim?: number, eps?: number): Tensor;
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts: { dim?: number; eps?: number }): Tensor;
export function cosineSimilarity(...args: unknown[]): Tensor {
  return atomic(() => {
    const { x1, x2, dim, eps } = parseArgs('cosineSimilarity', args, COSINE_ARGS);
    const shape = broadcastShapes('cosineSimilarity', x1.shape, x2.shape);
    const d = normDim('cosineSimilarity', dim, shape.length);
    const e1 = expand(x1, shape), e2 = expand(x2, shape);
    const a = normalize(e1, 2, d, eps), b = normalize(e2, 2, d, eps);
    const prod = mul(a, b);
    const out = sum(prod, d);
    for (const t of [e1, e2, a, b, prod]) t.dispose();
    return out;
  });
}
