/**
 * Tensor: a float32 view (shape, strides, offset) of a reference-counted
 * Storage on the wasm heap, with optional autograd state.
 *
 * Lifetime: a tensor is freed by dispose(), by `using`, at the end of the
 * scope() that created it, or, as a safety net, when the garbage collector
 * reclaims a tensor that was dropped without any of these.
 */
import { countTensor, countUnscoped, heapF32 } from './runtime/engine';
import { Storage } from './storage';
import { contiguousStrides, fmtShape, numel, type Shape } from './shape';
import { Node, releaseNode, runBackward, type BackwardOptions } from './autograd/graph';
import { track } from './autograd/scope';
import { traced } from './autograd/trace';
import { formatTensor } from './format';
import * as binary from './ops/binary';
import * as unary from './ops/unary';
import * as reduce from './ops/reduce';
import * as views from './ops/views';
import * as create from './ops/create';
import * as random from './ops/random';
import * as inplace from './ops/inplace';
import { matmul } from './ops/matmul';
import { softmax, logSoftmax } from './ops/softmax';
import { indexSelect, gather } from './ops/gather';
import * as math from './ops/math';
import * as scan from './ops/scan';
import * as shaping from './ops/shaping';
import * as indexing from './ops/indexing';
import * as products from './ops/products';

/** What the garbage-collection safety net frees for a dropped tensor. */
interface Held {
  storage: Storage;
  node: Node | null;
}

const registry = new FinalizationRegistry<Held>((held) => {
  held.storage.release();
  if (held.node !== null) releaseNode(held.node);
  countTensor(-1);
  countUnscoped(-1);
});

export type Scalar = number;
/**
 * A tensor, or a number standing for a scalar tensor (broadcast against the other operand).
 * @example add(x, 1)   // the same as add(x, tensor(1))
 */
export type TensorLike = Tensor | number;

/**
 * An n-d float32 array on the WebAssembly heap: `shape`, element `strides` and `offset` into a
 * reference-counted storage (views share it), with autograd (`requiresGrad`, `grad`, `backward()`).
 * Create one with tensor(), zeros(), randn(), ...; free it with dispose() or inside scope().
 * @example const x = tensor([[1, 2], [3, 4]], { requiresGrad: true }); x.mul(x).sum().backward(); x.grad // [[2, 4], [6, 8]]
 */
export class Tensor {
  /** Size of each dim, e.g. [N, C, H, W]; [] for a scalar. */
  readonly shape: readonly number[];
  /** Elements to step in the storage per unit of each dim (row-major [W*H*C, W*H, W, 1] when contiguous). */
  readonly strides: readonly number[];
  /** Offset of element [0, ..., 0] in the storage, in elements. */
  readonly offset: number;
  /** @internal The reference-counted block on the wasm heap. */
  readonly storage: Storage;
  /** Always 'float32': simdgrad stores and computes float32 only. */
  readonly dtype = 'float32';
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  private requires = false;
  private node: Node | null = null;
  private held: Held | null;
  private dead = false;

  /**
   * Internal: wraps `storage` (whose reference the tensor takes over).
   * `tracked` handles join the current scope, or, outside any scope, the GC
   * safety net (a scope frees what it does not hand out, and registers what
   * it hands to no enclosing scope); untracked ones (saved for backward) are
   * freed by their owner.
   */
  constructor(storage: Storage, shape: readonly number[], strides: readonly number[], offset: number, tracked = true) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.held = null;
    countTensor(1);
    if (tracked && !track(this)) this.joinSafetyNet();
  }

  /** @internal From now on, if this handle is dropped undisposed, the garbage collector frees its memory. */
  joinSafetyNet(): void {
    if (this.held !== null || this.dead) return;
    this.held = { storage: this.storage, node: this.node };
    registry.register(this, this.held, this);
    countUnscoped(1);
  }

  /** A new contiguous tensor with uninitialised content. */
  static empty(shape: Shape): Tensor {
    const s = [...shape];
    return new Tensor(new Storage(numel(s)), s, contiguousStrides(s), 0);
  }

  /** Number of dims (shape.length); 0 for a scalar. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  numel(): number {
    return numel(this.shape);
  }

  /** The size of one dim, or the shape (like PyTorch's size()). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[dim < 0 ? dim + this.ndim : dim];
  }

  /** @internal Byte offset of element [0, ..., 0] in the wasm memory. */
  get ptr(): number {
    return this.storage.ptr + this.offset * 4;
  }

  /** Whether dispose() (or the end of its scope) freed this handle; a disposed tensor refuses every op. */
  get disposed(): boolean {
    return this.dead;
  }

  /** Whether ops on this tensor record the graph so backward() reaches it. Set true on a leaf to train it: `w.requiresGrad = true`. */
  get requiresGrad(): boolean {
    return this.requires;
  }

  /** Only leaves can be set back to false (use detach() for a non-leaf). */
  set requiresGrad(v: boolean) {
    if (!v && this.node !== null) throw new Error('requiresGrad: only leaf tensors can stop requiring grad; use detach()');
    this.requires = v;
  }

  /** @internal The autograd node that produced this tensor, or null for a leaf (gradFn names it). */
  get gradNode(): Node | null {
    return this.node;
  }

  /** The name of the op that produced this tensor (PyTorch's grad_fn), or null. */
  get gradFn(): string | null {
    return this.node === null ? null : this.node.name;
  }

  /** True for a tensor no recorded op produced (created directly, under noGrad, or from tensors not requiring grad); backward() fills .grad only on leaves. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** @internal Makes this tensor the output of `node`. */
  attachNode(node: Node): void {
    this.node = node;
    this.requires = true;
    if (this.held !== null) this.held.node = node;
  }

  /** Whether the elements lie row-major without gaps (strides of a fresh tensor of this shape); see contiguous(). */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  /** @internal Contiguous, the only handle on its storage, covering all of it. */
  isOwnedContiguous(): boolean {
    return this.storage.refs === 1 && this.offset === 0 && this.storage.length === this.numel() && this.isContiguous();
  }

  /** @internal Throws a named error if this tensor was disposed. */
  assertAlive(op: string): void {
    if (this.dead) throw new Error(`${op}: tensor of shape ${fmtShape(this.shape)} was disposed`);
  }

  /** @internal Another handle on the same view (no gradient history), tracked like a new tensor. */
  alias(): Tensor {
    this.assertAlive('alias');
    return new Tensor(this.storage.retain(), this.shape, this.strides, this.offset);
  }

  /** @internal An untracked handle on the same view, for an autograd node to save. */
  keep(): Tensor {
    return new Tensor(this.storage.retain(), this.shape, this.strides, this.offset, false);
  }

  /** @internal A view of the same storage, tracked, no gradient history. */
  viewOf(shape: readonly number[], strides: readonly number[], offset: number): Tensor {
    return new Tensor(this.storage.retain(), shape, strides, offset);
  }

  /** Frees this handle now (its storage goes when its last view goes). Idempotent. */
  dispose(): void {
    if (this.dead) return;
    this.dead = true;
    if (this.held !== null) {
      registry.unregister(this);
      countUnscoped(-1);
    }
    this.storage.release();
    if (this.node !== null) {
      releaseNode(this.node);
      this.node = null;
    }
    if (this.grad !== null) {
      this.grad.dispose();
      this.grad = null;
    }
    countTensor(-1);
  }

  /** dispose() for `using x = ...` (explicit resource management). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- autograd ----

  /**
   * Accumulates d(this)/d(leaf) into every leaf's .grad (seed: 1 for one
   * element, else `grad`, of this tensor's shape).
   * @example loss.backward();  y.backward(onesLike(y), { retainGraph: true })
   */
  backward(grad?: Tensor | null | BackwardOptions, opts?: BackwardOptions): void {
    if (grad !== null && typeof grad === 'object' && !(grad instanceof Tensor) && opts === undefined) runBackward(this, undefined, grad);
    else runBackward(this, (grad ?? undefined) as Tensor | undefined, opts);
  }

  /** The same data without gradient history. */
  detach(): Tensor {
    return traced(this.alias(), 'identity', [this]);
  }

  /** Sets requiresGrad on a leaf; returns this (PyTorch's requires_grad_). */
  requiresGrad_(v = true): this {
    this.requiresGrad = v;
    return this;
  }

  // ---- reading back ----

  /** A copy of the elements in row-major order. */
  toArray(): Float32Array {
    this.assertAlive('toArray');
    if (this.isContiguous()) {
      const start = this.ptr >> 2;
      return heapF32().slice(start, start + this.numel());
    }
    const c = create.contiguous(this);
    try {
      return c.toArray();
    } finally {
      c.dispose();
    }
  }

  /** Nested arrays of numbers (a number for a 0-d tensor). */
  tolist(): unknown {
    const data = this.toArray();
    const build = (dim: number, at: number): unknown => {
      if (dim === this.ndim) return data[at];
      const step = numel(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, at + i * step));
    };
    return build(0, 0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    this.assertAlive('item');
    if (this.numel() !== 1) throw new RangeError(`item: only one-element tensors can be converted to a number, got shape ${fmtShape(this.shape)}`);
    return heapF32()[this.ptr >> 2];
  }

  /** The values as text, PyTorch-style, with the grad_fn or requires_grad when set; `tensor(<disposed>, shape=...)` once freed. */
  toString(): string {
    if (this.dead) return `tensor(<disposed>, shape=${fmtShape(this.shape)})`;
    return formatTensor(this.toArray(), this.shape, this.node !== null ? this.node.name : null, this.requires);
  }

  /** Node's console.log(tensor) and util.inspect show the values, as toString() does. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- ops as methods (see src/ops for the math) ----
  /** this + o, broadcast (see add()): `x.add(1)`, `x.add(y)`. */
  add(o: TensorLike): Tensor { return binary.add(this, o); }
  /** this - o, broadcast (see sub()). */
  sub(o: TensorLike): Tensor { return binary.sub(this, o); }
  /** this * o elementwise, broadcast (see mul()). */
  mul(o: TensorLike): Tensor { return binary.mul(this, o); }
  /** this / o, broadcast (see div()). */
  div(o: TensorLike): Tensor { return binary.div(this, o); }
  /** Elementwise larger of this and o, broadcast (see maximum()). */
  maximum(o: TensorLike): Tensor { return binary.maximum(this, o); }
  /** Elementwise smaller of this and o, broadcast (see minimum()). */
  minimum(o: TensorLike): Tensor { return binary.minimum(this, o); }
  /** 1 where this > o, else 0 (float32, no gradient); broadcast. */
  gt(o: TensorLike): Tensor { return binary.gt(this, o); }
  /** 1 where this < o, else 0 (float32, no gradient); broadcast. */
  lt(o: TensorLike): Tensor { return binary.lt(this, o); }
  /** 1 where this >= o, else 0 (float32, no gradient); broadcast. */
  ge(o: TensorLike): Tensor { return binary.ge(this, o); }
  /** 1 where this <= o, else 0 (float32, no gradient); broadcast. */
  le(o: TensorLike): Tensor { return binary.le(this, o); }
  /** 1 where this == o, else 0 (float32, no gradient); broadcast. */
  eq(o: TensorLike): Tensor { return binary.eq(this, o); }
  /** 1 where this != o, else 0 (float32, no gradient); broadcast. */
  ne(o: TensorLike): Tensor { return binary.ne(this, o); }
  /** -this elementwise. */
  neg(): Tensor { return unary.neg(this); }
  /** e^x elementwise. */
  exp(): Tensor { return unary.exp(this); }
  /** Natural log elementwise (-Infinity at 0, NaN below). */
  log(): Tensor { return unary.log(this); }
  /** Square root elementwise. */
  sqrt(): Tensor { return unary.sqrt(this); }
  /** |x| elementwise (gradient 0 at 0). */
  abs(): Tensor { return unary.abs(this); }
  /** tanh(x) elementwise. */
  tanh(): Tensor { return unary.tanh(this); }
  /** 1 / (1 + e^-x) elementwise. */
  sigmoid(): Tensor { return unary.sigmoid(this); }
  /** The error function elementwise. */
  erf(): Tensor { return unary.erf(this); }
  /** max(x, 0) elementwise (gradient 0 at 0). */
  relu(): Tensor { return unary.relu(this); }
  /** x^p elementwise for a number p: `x.pow(2)`. */
  pow(p: number): Tensor { return unary.pow(this, p); }
  /** Clamps into [min, max] (either may be null): `x.clamp(0, 1)`, `x.clamp({ min: 0 })`. */
  clamp(min?: number | null | { min?: number | null; max?: number | null }, max?: number | null): Tensor { return unary.clamp(this, min, max); }
  /** Sum over dims (all by default): `x.sum(1)`, `x.sum(1, true)`, `x.sum({ dim: 1, keepdim: true })`. */
  sum(dim?: number | number[] | null | reduce.DimOptions, keepdim?: boolean): Tensor { return reduce.sum(this, dim, keepdim); }
  /** Mean over dims (all by default), as sum. */
  mean(dim?: number | number[] | null | reduce.DimOptions, keepdim?: boolean): Tensor { return reduce.mean(this, dim, keepdim); }
  /** The largest element; with a dim, `{ values, indices }` along it (gradient to the index), as torch.max. */
  max(): Tensor;
  max(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): indexing.ValuesIndices;
  max(dim?: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): Tensor | indexing.ValuesIndices { return (reduce.max as (x: Tensor, ...a: unknown[]) => Tensor | indexing.ValuesIndices)(this, dim, keepdim); }
  /** The smallest element; with a dim, `{ values, indices }` along it (gradient to the index), as torch.min. */
  min(): Tensor;
  min(dim: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): indexing.ValuesIndices;
  min(dim?: number | { dim: number; keepdim?: boolean }, keepdim?: boolean): Tensor | indexing.ValuesIndices { return (reduce.min as (x: Tensor, ...a: unknown[]) => Tensor | indexing.ValuesIndices)(this, dim, keepdim); }
  /** Largest value over dims (all by default), the gradient split evenly among ties (torch.amax). */
  amax(dim?: number | number[] | null | reduce.DimOptions, keepdim?: boolean): Tensor { return reduce.amax(this, dim, keepdim); }
  /** Smallest value over dims (all by default), the gradient split evenly among ties (torch.amin). */
  amin(dim?: number | number[] | null | reduce.DimOptions, keepdim?: boolean): Tensor { return reduce.amin(this, dim, keepdim); }
  /** Index of the first maximum along dim (flattened by default). */
  argmax(dim?: number | null | { dim?: number | null; keepdim?: boolean }, keepdim?: boolean): Tensor { return reduce.argmax(this, dim, keepdim); }
  /** Index of the first minimum along dim (flattened by default). */
  argmin(dim?: number | null | { dim?: number | null; keepdim?: boolean }, keepdim?: boolean): Tensor { return reduce.argmin(this, dim, keepdim); }
  /** Variance over dims (correction 1 by default): `x.var(0, { correction: 0 })`. */
  var(dim?: number | number[] | null | reduce.VarOptions, opts?: reduce.VarOptions): Tensor { return reduce.variance(this, dim, opts); }
  /** Standard deviation over dims, as var. */
  std(dim?: number | number[] | null | reduce.VarOptions, opts?: reduce.VarOptions): Tensor { return reduce.std(this, dim, opts); }
  /** p-norm over dims (p 2, all dims by default). */
  norm(p?: number | { p?: number; dim?: number | number[] | null; keepdim?: boolean }, dim?: number | number[] | null, keepdim?: boolean): Tensor { return reduce.norm(this, p, dim, keepdim); }
  /** Matrix product with broadcast batch dims, as matmul(): (..., n, k) @ (..., k, m) -> (..., n, m). */
  matmul(o: Tensor): Tensor { return matmul(this, o); }
  /** The same elements in a new shape (a view when possible, else a copy); one dim may be -1: `x.reshape(2, -1)`. */
  reshape(...shape: number[] | [number[]]): Tensor { return views.reshape(this, shapeArgs(shape)); }
  /** A view with a new shape sharing the storage (throws where the strides do not allow it; use reshape): `x.view(-1)`. */
  view(...shape: number[] | [number[]]): Tensor { return views.view(this, shapeArgs(shape)); }
  /** Dims startDim..endDim (default all) merged into one: `x.flatten(1)` turns (N, C, H, W) into (N, C H W). */
  flatten(startDim = 0, endDim = -1): Tensor { return views.flatten(this, startDim, endDim); }
  /** Drops size-1 dims (all, or just `dim`): (1, 3, 1) -> (3). */
  squeeze(dim?: number): Tensor { return views.squeeze(this, dim); }
  /** Inserts a size-1 dim at `dim`: `x.unsqueeze(0)` turns (3) into (1, 3). */
  unsqueeze(dim: number): Tensor { return views.unsqueeze(this, dim); }
  /** A view with dims dim0 and dim1 swapped: `x.transpose(0, 1)`. */
  transpose(dim0: number, dim1: number): Tensor { return views.transpose(this, dim0, dim1); }
  /** Transpose of a matrix (rank <= 2), like PyTorch's .t(). */
  t(): Tensor { return views.t(this); }
  /** A view with the dims reordered: `x.permute(0, 2, 3, 1)` turns (N, C, H, W) into (N, H, W, C). */
  permute(...dims: number[] | [number[]]): Tensor { return views.permute(this, shapeArgs(dims)); }
  /** A view broadcasting size-1 dims to `shape` (-1 keeps a dim) without copying: `x.expand(4, -1)`. */
  expand(...shape: number[] | [number[]]): Tensor { return views.expand(this, shapeArgs(shape)); }
  /** A view of `length` elements of `dim` from `start`: `x.narrow(1, 0, 2)`. */
  narrow(dim: number, start: number, length: number): Tensor { return views.narrow(this, dim, start, length); }
  /** A view of dim `dim` from start to end (exclusive, negative from the end) by step, like x[:, start:end:step]. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return views.slice(this, dim, start, end, step); }
  /** A view at `index` of `dim`, that dim removed: `x.select(0, 1)` is x[1]. */
  select(dim: number, index: number): Tensor { return views.select(this, dim, index); }
  /** e^x / sum e^x along `dim` (see softmax()). */
  softmax(dim: number): Tensor { return softmax(this, dim); }
  /** log(softmax(x)) along `dim`, computed stably (see logSoftmax()). */
  logSoftmax(dim: number): Tensor { return logSoftmax(this, dim); }
  /** The entries at `index` (integer values) along `dim` (see indexSelect()). */
  indexSelect(dim: number, index: Tensor | readonly number[]): Tensor { return indexSelect(this, dim, index); }
  /** out[i][j] = x[index[i][j]][j] along `dim` (see gather()). */
  gather(dim: number, index: Tensor): Tensor { return gather(this, dim, index); }
  /** A contiguous copy with its own storage; gradients flow back to this tensor. */
  clone(): Tensor { return create.clone(this); }
  /** This tensor if already contiguous, else a row-major copy. */
  contiguous(): Tensor { return create.contiguous(this); }
  /** Fills with 0 in place (records no history: use on leaves under noGrad); returns this. */
  zero_(): this { inplace.fill_(this, 0); return this; }
  /** Fills with `v` in place (records no history); returns this. */
  fill_(v: number): this { inplace.fill_(this, v); return this; }
  /** Copies src (broadcast to this shape) into this in place (records no history); returns this. */
  copy_(src: Tensor): this { inplace.copy_(this, src); return this; }
  /** Fills in place with normal samples (defaults mean 0, std 1) from the seeded generator; returns this. */
  normal_(mean = 0, std = 1): this { random.normal_(this, mean, std); return this; }
  /** Fills in place with uniform samples in [from, to) (defaults 0, 1) from the seeded generator; returns this. */
  uniform_(from = 0, to = 1): this { random.uniform_(this, from, to); return this; }
  /** Fills in place with 1 with probability p (default 0.5), else 0, from the seeded generator; returns this. */
  bernoulli_(p = 0.5): this { random.bernoulli_(this, p); return this; }
  // math, scans and logical reductions (src/ops/math.ts, src/ops/scan.ts)
  /** sin(x) elementwise. */
  sin(): Tensor { return math.sin(this); }
  /** cos(x) elementwise. */
  cos(): Tensor { return math.cos(this); }
  /** x * x elementwise. */
  square(): Tensor { return math.square(this); }
  /** 1 / sqrt(x) elementwise. */
  rsqrt(): Tensor { return math.rsqrt(this); }
  /** 1 / x elementwise. */
  reciprocal(): Tensor { return math.reciprocal(this); }
  /** Rounds down elementwise (zero gradient). */
  floor(): Tensor { return math.floor(this); }
  /** Rounds up elementwise (zero gradient). */
  ceil(): Tensor { return math.ceil(this); }
  /** Rounds toward zero elementwise (zero gradient). */
  trunc(): Tensor { return math.trunc(this); }
  /** Rounds halves to even, optionally to `decimals` places (see round()): `x.round({ decimals: 2 })`. */
  round(opts?: math.RoundOptions): Tensor { return math.round(this, opts); }
  /** max(x, min) elementwise. */
  clampMin(min: number): Tensor { return math.clampMin(this, min); }
  /** min(x, max) elementwise. */
  clampMax(max: number): Tensor { return math.clampMax(this, max); }
  /** this + weight (end - this), broadcast (see lerp()). */
  lerp(end: Tensor, weight: TensorLike): Tensor { return math.lerp(this, end, weight); }
  /** Product over `dim` (all by default), keepdim default false (see prod()). */
  prod(dim?: number | null, keepdim?: boolean): Tensor { return scan.prod(this, dim, keepdim); }
  /** Running sum along `dim`. */
  cumsum(dim: number): Tensor { return scan.cumsum(this, dim); }
  /** Running product along `dim`. */
  cumprod(dim: number): Tensor { return scan.cumprod(this, dim); }
  /** 1 where any element (over `dim`, or all) is non-zero, else 0. */
  any(dim?: number | null, keepdim?: boolean): Tensor { return scan.any(this, dim, keepdim); }
  /** 1 where every element (over `dim`, or all) is non-zero, else 0. */
  all(dim?: number | null, keepdim?: boolean): Tensor { return scan.all(this, dim, keepdim); }
  // shaping (src/ops/shaping.ts)
  /** Pieces along `dim` (default 0) of the given size, or of the given sizes (see split()). */
  split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[] { return shaping.split(this, splitSizeOrSections, dim); }
  /** At most `chunks` views of ceil(size / chunks) along `dim` (default 0) (see chunk()). */
  chunk(chunks: number, dim?: number): Tensor[] { return shaping.chunk(this, chunks, dim); }
  /** The slices along `dim` (default 0), that dim removed. */
  unbind(dim?: number): Tensor[] { return shaping.unbind(this, dim); }
  /** The elements in reverse order along `dims`: `x.flip(0)`. */
  flip(...dims: number[] | [number[]]): Tensor { return shaping.flip(this, shapeArgs(dims)); }
  /** Elements shifted circularly by `shifts` along `dims` (flattened when no dims) (see roll()). */
  roll(shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor { return shaping.roll(this, shifts, dims); }
  /** The tensor repeated along each dim: x.repeat(2, 3) or x.repeat([2, 3]) (PyTorch's Tensor.repeat). */
  repeat(...sizes: number[] | [number[]]): Tensor { return shaping.repeat(this, shapeArgs(sizes)); }
  /** repeat() with fewer counts than dims read as leading 1s (PyTorch's Tensor.tile): `x.tile(2, 1)`. */
  tile(...dims: number[] | [number[]]): Tensor { return shaping.tile(this, shapeArgs(dims)); }
  /** Each element repeated `repeats` times along `dim` (flattened when no dim) (see repeatInterleave()). */
  repeatInterleave(repeats: number | Tensor | readonly number[], dim?: number | null, opts?: { outputSize?: number | null }): Tensor { return shaping.repeatInterleave(this, repeats, dim, opts); }
  /** expand() to `other`'s shape. */
  expandAs(other: Tensor): Tensor { return shaping.expandAs(this, other); }
  /** Dim `dim` split into `sizes` (one may be -1): `x.unflatten(1, [C, H, W])`. */
  unflatten(dim: number, sizes: readonly number[]): Tensor { return shaping.unflatten(this, dim, sizes); }
  /** The upper triangle (on and above `diagonal`, default 0) of the last two dims, the rest 0. */
  triu(diagonal?: number): Tensor { return shaping.triu(this, diagonal); }
  /** The lower triangle (on and below `diagonal`, default 0) of the last two dims, the rest 0. */
  tril(diagonal?: number): Tensor { return shaping.tril(this, diagonal); }
  /** Of a vector, the matrix with it on `diagonal` (default 0); of a matrix, that diagonal as a vector. */
  diag(diagonal?: number): Tensor { return shaping.diag(this, diagonal); }
  // indexing (src/ops/indexing.ts)
  /** `value` where mask (broadcast) is non-zero, this elsewhere (see maskedFill()). */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor { return indexing.maskedFill(this, mask, value); }
  /** A copy with src written at `index` along `dim` (see scatter()). */
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return indexing.scatter(this, dim, index, src); }
  /** A copy with src added at `index` along `dim` (see scatterAdd()). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return indexing.scatterAdd(this, dim, index, src); }
  /** [values, indices] sorted along `dim` (default -1), ascending unless `descending`; stable (see sort()). */
  sort(dim?: number, descending?: boolean): indexing.ValuesIndices { return indexing.sort(this, dim, descending); }
  /** The indices that sort along `dim` (default -1), ascending unless `descending`. */
  argsort(dim?: number, descending?: boolean): Tensor { return indexing.argsort(this, dim, descending); }
  /** [values, indices] of the k largest (or smallest) along `dim` (default -1) (see topk()). */
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): indexing.ValuesIndices { return indexing.topk(this, k, dim, largest, sorted); }
  /** The indices of the non-zero elements as (count, ndim), or one tensor per dim with { asTuple: true }. */
  nonzero(opts?: { asTuple?: boolean }): Tensor | Tensor[] { return indexing.nonzero(this, opts); }
  // products (src/ops/products.ts)
  /** Batched matrix product: (B, n, k) @ (B, k, m) -> (B, n, m). */
  bmm(mat2: Tensor): Tensor { return products.bmm(this, mat2); }
  /** beta this + alpha (batch1 @ batch2) (defaults beta 1, alpha 1) (see baddbmm()). */
  baddbmm(batch1: Tensor, batch2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor { return products.baddbmm(this, batch1, batch2, opts); }
  /** Outer product of two vectors: (n) x (m) -> (n, m). */
  outer(vec2: Tensor): Tensor { return products.outer(this, vec2); }
  /** Inner product of two 1-d tensors, as a scalar tensor. */
  dot(other: Tensor): Tensor { return products.dot(this, other); }
}

function shapeArgs(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}
