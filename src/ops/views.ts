/**
 * Views: new shape/strides/offset over the same storage, no copy (reshape
 * copies only when no view can express the result, like PyTorch).
 * Backward: reshape-like ops reshape g back; transpose/permute apply the
 * inverse permutation; expand's g is summed back by the autograd walk;
 * narrow/slice/select scatter g into zeros of the input's shape.
 */
import { Tensor } from '../tensor';
import { checkInt, checkShape, contiguousStrides, fmtShape, normDim, numel, shown, type Shape } from '../shape';
import { needsGrad, record } from '../autograd/graph';
import { traced } from '../autograd/trace';
import { clone, copyInto, zeros } from './create';
import { tensor as tensorArg } from '../validate';

/** Strides that let (shape, strides) be viewed as newShape, or null (PyTorch's computeStride). */
function viewStrides(shape: Shape, strides: Shape, newShape: Shape): number[] | null {
  if (numel(shape) === 0 || shape.length === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let base = strides[strides.length - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d];
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * base)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * base;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        base = strides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

/** Resolves one -1 and checks the element count. */
function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d))) checkShape(op, shape);
  const s = [...shape];
  const free = s.indexOf(-1);
  if (free !== s.lastIndexOf(-1)) throw new RangeError(`${op}: only one dimension can be inferred (-1) in ${fmtShape(shape)}`);
  if (free >= 0) {
    const known = numel(s.filter((_, i) => i !== free));
    if (known === 0 || x.numel() % known !== 0) throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${x.numel()}`);
    s[free] = x.numel() / known;
  }
  checkShape(op, s);
  if (numel(s) !== x.numel()) throw new RangeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${x.numel()} (shape ${fmtShape(x.shape)})`);
  return s;
}

function viewWithGrad(x: Tensor, shape: number[], strides: number[], offset: number, name: string, back: (g: Tensor) => Tensor): Tensor {
  const out = x.viewOf(shape, strides, offset);
  if (needsGrad(x)) record(out, name, [x], [], (g) => [back(g)]);
  return out;
}

/** A view with the new shape; refuses (like PyTorch's view) when strides make that impossible. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  tensorArg(x, { where: 'view', name: 'input' });
  const s = inferShape('view', x, shape);
  const st = viewStrides(x.shape, x.strides, s);
  if (st === null) throw new Error(`view: size ${fmtShape(s)} is not compatible with the input's strides (shape ${fmtShape(x.shape)}); use reshape`);
  const inShape = x.shape;
  return traced(viewWithGrad(x, s, st, x.offset, 'ViewBackward', (g) => reshape(g, inShape)), 'reshape', [x]);
}

/** The tensor with a new shape: a view when possible, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  tensorArg(x, { where: 'reshape', name: 'input' });
  const s = inferShape('reshape', x, shape);
  const st = viewStrides(x.shape, x.strides, s);
  const inShape = x.shape;
  if (st !== null) return traced(viewWithGrad(x, s, st, x.offset, 'ReshapeBackward', (g) => reshape(g, inShape)), 'reshape', [x]);
  const c = clone(x);
  const out = reshape(c, s);
  c.dispose();
  return out;
}

/** Dims startDim..endDim merged into one (a view when possible). @example x.flatten(1)   // [N, C, H, W] -> [N, C*H*W] */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  tensorArg(x, { where: 'flatten', name: 'input' });
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normDim('flatten', startDim, x.ndim), b = normDim('flatten', endDim, x.ndim);
  if (a > b) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, a), numel(x.shape.slice(a, b + 1)), ...x.shape.slice(b + 1)]);
}

/** Removes size-1 dims (all, or just `dim` if it has size 1). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  tensorArg(x, { where: 'squeeze', name: 'input' });
  const d = dim === undefined ? -1 : normDim('squeeze', dim, x.ndim);
  const keep = x.shape.map((s, i) => (dim === undefined ? s !== 1 : i !== d || s !== 1));
  const inShape = x.shape;
  const out = viewWithGrad(x, x.shape.filter((_, i) => keep[i]), x.strides.filter((_, i) => keep[i]), x.offset, 'SqueezeBackward', (g) => reshape(g, inShape));
  return traced(out, 'squeeze', [x], { dims: x.shape.flatMap((_, i) => (keep[i] ? [] : [i])) });
}

/** Inserts a size-1 dim at `dim` (in [-ndim-1, ndim]). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  tensorArg(x, { where: 'unsqueeze', name: 'input' });
  const d = normDim('unsqueeze', dim, x.ndim + 1);
  const shape = [...x.shape], strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x.strides[d] * x.shape[d] : 1);
  const inShape = x.shape;
  return traced(viewWithGrad(x, shape, strides, x.offset, 'UnsqueezeBackward', (g) => reshape(g, inShape)), 'unsqueeze', [x], { dim: d });
}

/** The dims reordered (a view). @example x.permute(0, 2, 3, 1)   // NCHW -> NHWC */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  tensorArg(x, { where: 'permute', name: 'input' });
  if (!Array.isArray(dims)) throw new TypeError(`permute: dims must be an array of integers, got ${shown(dims)}`);
  if (dims.length !== x.ndim) throw new RangeError(`permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor of rank ${x.ndim}`);
  const p = dims.map((d) => normDim('permute', d, x.ndim));
  if (new Set(p).size !== p.length) throw new RangeError(`permute: dims ${fmtShape(dims)} repeat a dim`);
  const inverse = new Array<number>(p.length);
  p.forEach((d, i) => (inverse[d] = i));
  return traced(viewWithGrad(x, p.map((d) => x.shape[d]), p.map((d) => x.strides[d]), x.offset, 'PermuteBackward', (g) => permute(g, inverse)), 'permute', [x], { dims: p });
}

/** dim0 and dim1 swapped (a view). @example x.transpose(-1, -2) */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  tensorArg(x, { where: 'transpose', name: 'input' });
  const a = normDim('transpose', dim0, x.ndim), b = normDim('transpose', dim1, x.ndim);
  if (x.ndim < 2) return permute(x, x.shape.map((_, i) => i));
  const p = x.shape.map((_, i) => i);
  [p[a], p[b]] = [p[b], p[a]];
  return permute(x, p);
}

/** Matrix transpose for rank <= 2 (PyTorch's t()). */
export function t(x: Tensor): Tensor {
  tensorArg(x, { where: 't', name: 'input' });
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor of rank <= 2, got shape ${fmtShape(x.shape)}; use transpose`);
  return x.ndim < 2 ? permute(x, x.shape.map((_, i) => i)) : transpose(x, 0, 1);
}

/** Broadcasts size-1 dims (and new leading dims) to `shape`; -1 keeps a size. No copy. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  tensorArg(x, { where: 'expand', name: 'input' });
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number')) throw new TypeError(`expand: shape must be an array of integers, got ${shown(shape)}`);
  if (shape.length < x.ndim) throw new RangeError(`expand: target ${fmtShape(shape)} has fewer dims than the tensor's ${fmtShape(x.shape)}`);
  const lead = shape.length - x.ndim;
  const outShape: number[] = [], outStrides: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i];
    if (i < lead) {
      if (!Number.isInteger(want) || want < 0) throw new RangeError(`expand: invalid size ${want} for a new leading dim in ${fmtShape(shape)}`);
      outShape.push(want);
      outStrides.push(0);
      continue;
    }
    const have = x.shape[i - lead];
    if (want === -1 || want === have) {
      outShape.push(have);
      outStrides.push(x.strides[i - lead]);
    } else if (have === 1 && Number.isInteger(want) && want >= 0) {
      outShape.push(want);
      outStrides.push(0);
    } else {
      throw new RangeError(`expand: the tensor's shape ${fmtShape(x.shape)} cannot be expanded to ${fmtShape(shape)} (dim ${i}: ${have} to ${want})`);
    }
  }
  return traced(viewWithGrad(x, outShape, outStrides, x.offset, 'ExpandBackward', (g) => g), 'expand', [x]);
}

/** g written into zeros of `inShape` through the same view the forward took. */
function embed(g: Tensor, inShape: Shape, take: (z: Tensor) => Tensor): Tensor {
  const z = zeros(inShape);
  const v = take(z);
  copyInto(v, g);
  v.dispose();
  return z;
}

/** Elements start..start+length-1 along dim. */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  tensorArg(x, { where: 'narrow', name: 'input' });
  const d = normDim('narrow', dim, x.ndim);
  checkInt('narrow', 'start', start);
  checkInt('narrow', 'length', length);
  const size = x.shape[d];
  const s = start < 0 ? start + size : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > size) {
    throw new RangeError(`narrow: start ${start} and length ${length} out of range for dim ${d} of size ${size} (shape ${fmtShape(x.shape)})`);
  }
  return slice(x, d, s, s + length, 1);
}

/** Python-style slice along dim: start:end:step (negative indices count from the end, bounds clamp). */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  tensorArg(x, { where: 'slice', name: 'input' });
  const d = normDim('slice', dim, x.ndim);
  if (checkInt('slice', 'step', step) <= 0) throw new RangeError(`slice: step must be a positive integer, got ${step}`);
  if (start != null) checkInt('slice', 'start', start);
  if (end != null) checkInt('slice', 'end', end);
  const size = x.shape[d];
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const a = start == null ? 0 : clampIdx(start);
  const b = end == null ? size : clampIdx(end);
  const len = Math.max(0, Math.ceil((b - a) / step));
  const shape = [...x.shape], strides = [...x.strides];
  shape[d] = len;
  strides[d] = x.strides[d] * step;
  const inShape = x.shape;
  const out = viewWithGrad(x, shape, strides, x.offset + a * x.strides[d], 'SliceBackward', (g) =>
    embed(g, inShape, (z) => slice(z, d, a, b, step)),
  );
  return traced(out, 'slice', [x], { dim: d, start: a, end: b, step });
}

/** The sub-tensor at `index` along dim (that dim removed). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  tensorArg(x, { where: 'select', name: 'input' });
  const d = normDim('select', dim, x.ndim);
  checkInt('select', 'index', index);
  const size = x.shape[d];
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`select: index ${index} out of range for dim ${d} of size ${size}`);
  const shape = x.shape.filter((_, k) => k !== d), strides = x.strides.filter((_, k) => k !== d);
  const inShape = x.shape;
  return traced(viewWithGrad(x, shape, strides, x.offset + i * x.strides[d], 'SelectBackward', (g) => embed(g, inShape, (z) => select(z, d, i))), 'select', [x], { dim: d, index: i });
}
