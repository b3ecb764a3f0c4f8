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

  get disposed(): boolean {
    return this.dead;
  }

  get requiresGrad(): boolean {
    return this.requires;
  }

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

  get isLeaf(): boolean {
    return this.node === null;
  }

  /** @internal Makes this tensor the output of `node`. */
  attachNode(node: Node): void {
    this.node = node;
    this.requires = true;
    if (this.held !== null) this.held.node = node;
  }

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

  toString(): string {
    if (this.dead) return `tensor(<disposed>, shape=${fmtShape(this.shape)})`;
    return formatTensor(this.toArray(), this.shape, this.node !== null ? this.node.name : null, this.requires);
  }

  /** Node's console.log(tensor) and util.inspect show the values, as toString() does. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- ops as methods (see src/ops for the math) ----
  add(o: TensorLike): Tensor { return binary.add(this, o); }
  sub(o: TensorLike): Tensor { return binary.sub(this, o); }
  mul(o: TensorLike): Tensor { return binary.mul(this, o); }
  div(o: TensorLike): Tensor { return binary.div(this, o); }
  maximum(o: TensorLike): Tensor { return binary.maximum(this, o); }
  minimum(o: TensorLike): Tensor { return binary.minimum(this, o); }
  gt(o: TensorLike): Tensor { return binary.gt(this, o); }
  lt(o: TensorLike): Tensor { return binary.lt(this, o); }
  ge(o: TensorLike): Tensor { return binary.ge(this, o); }
  le(o: TensorLike): Tensor { return binary.le(this, o); }
  eq(o: TensorLike): Tensor { return binary.eq(this, o); }
  ne(o: TensorLike): Tensor { return binary.ne(this, o); }
  neg(): Tensor { return unary.neg(this); }
  exp(): Tensor { return unary.exp(this); }
  log(): Tensor { return unary.log(this); }
  sqrt(): Tensor { return unary.sqrt(this); }
  abs(): Tensor { return unary.abs(this); }
  tanh(): Tensor { return unary.tanh(this); }
  sigmoid(): Tensor { return unary.sigmoid(this); }
  erf(): Tensor { return unary.erf(this); }
  relu(): Tensor { return unary.relu(this); }
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
  matmul(o: Tensor): Tensor { return matmul(this, o); }
  reshape(...shape: number[] | [number[]]): Tensor { return views.reshape(this, shapeArgs(shape)); }
  view(...shape: number[] | [number[]]): Tensor { return views.view(this, shapeArgs(shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return views.flatten(this, startDim, endDim); }
  squeeze(dim?: number): Tensor { return views.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return views.unsqueeze(this, dim); }
  transpose(dim0: number, dim1: number): Tensor { return views.transpose(this, dim0, dim1); }
  /** Transpose of a matrix (rank <= 2), like PyTorch's .t(). */
  t(): Tensor { return views.t(this); }
  permute(...dims: number[] | [number[]]): Tensor { return views.permute(this, shapeArgs(dims)); }
  expand(...shape: number[] | [number[]]): Tensor { return views.expand(this, shapeArgs(shape)); }
  narrow(dim: number, start: number, length: number): Tensor { return views.narrow(this, dim, start, length); }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return views.slice(this, dim, start, end, step); }
  select(dim: number, index: number): Tensor { return views.select(this, dim, index); }
  softmax(dim: number): Tensor { return softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return logSoftmax(this, dim); }
  indexSelect(dim: number, index: Tensor | readonly number[]): Tensor { return indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return gather(this, dim, index); }
  clone(): Tensor { return create.clone(this); }
  contiguous(): Tensor { return create.contiguous(this); }
  zero_(): this { inplace.fill_(this, 0); return this; }
  fill_(v: number): this { inplace.fill_(this, v); return this; }
  copy_(src: Tensor): this { inplace.copy_(this, src); return this; }
  normal_(mean = 0, std = 1): this { random.normal_(this, mean, std); return this; }
  uniform_(from = 0, to = 1): this { random.uniform_(this, from, to); return this; }
  bernoulli_(p = 0.5): this { random.bernoulli_(this, p); return this; }
  // math, scans and logical reductions (src/ops/math.ts, src/ops/scan.ts)
  sin(): Tensor { return math.sin(this); }
  cos(): Tensor { return math.cos(this); }
  square(): Tensor { return math.square(this); }
  rsqrt(): Tensor { return math.rsqrt(this); }
  reciprocal(): Tensor { return math.reciprocal(this); }
  floor(): Tensor { return math.floor(this); }
  ceil(): Tensor { return math.ceil(this); }
  trunc(): Tensor { return math.trunc(this); }
  round(opts?: math.RoundOptions): Tensor { return math.round(this, opts); }
  clampMin(min: number): Tensor { return math.clampMin(this, min); }
  clampMax(max: number): Tensor { return math.clampMax(this, max); }
  lerp(end: Tensor, weight: TensorLike): Tensor { return math.lerp(this, end, weight); }
  prod(dim?: number | null, keepdim?: boolean): Tensor { return scan.prod(this, dim, keepdim); }
  cumsum(dim: number): Tensor { return scan.cumsum(this, dim); }
  cumprod(dim: number): Tensor { return scan.cumprod(this, dim); }
  any(dim?: number | null, keepdim?: boolean): Tensor { return scan.any(this, dim, keepdim); }
  all(dim?: number | null, keepdim?: boolean): Tensor { return scan.all(this, dim, keepdim); }
  // shaping (src/ops/shaping.ts)
  split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[] { return shaping.split(this, splitSizeOrSections, dim); }
  chunk(chunks: number, dim?: number): Tensor[] { return shaping.chunk(this, chunks, dim); }
  unbind(dim?: number): Tensor[] { return shaping.unbind(this, dim); }
  flip(...dims: number[] | [number[]]): Tensor { return shaping.flip(this, shapeArgs(dims)); }
  roll(shifts: number | readonly number[], dims?: number | readonly number[] | null): Tensor { return shaping.roll(this, shifts, dims); }
  /** The tensor repeated along each dim: x.repeat(2, 3) or x.repeat([2, 3]) (PyTorch's Tensor.repeat). */
  repeat(...sizes: number[] | [number[]]): Tensor { return shaping.repeat(this, shapeArgs(sizes)); }
  tile(...dims: number[] | [number[]]): Tensor { return shaping.tile(this, shapeArgs(dims)); }
  repeatInterleave(repeats: number | Tensor | readonly number[], dim?: number | null, opts?: { outputSize?: number | null }): Tensor { return shaping.repeatInterleave(this, repeats, dim, opts); }
  expandAs(other: Tensor): Tensor { return shaping.expandAs(this, other); }
  unflatten(dim: number, sizes: readonly number[]): Tensor { return shaping.unflatten(this, dim, sizes); }
  triu(diagonal?: number): Tensor { return shaping.triu(this, diagonal); }
  tril(diagonal?: number): Tensor { return shaping.tril(this, diagonal); }
  diag(diagonal?: number): Tensor { return shaping.diag(this, diagonal); }
  // indexing (src/ops/indexing.ts)
  maskedFill(mask: Tensor, value: number | Tensor): Tensor { return indexing.maskedFill(this, mask, value); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return indexing.scatter(this, dim, index, src); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return indexing.scatterAdd(this, dim, index, src); }
  sort(dim?: number, descending?: boolean): indexing.ValuesIndices { return indexing.sort(this, dim, descending); }
  argsort(dim?: number, descending?: boolean): Tensor { return indexing.argsort(this, dim, descending); }
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): indexing.ValuesIndices { return indexing.topk(this, k, dim, largest, sorted); }
  nonzero(opts?: { asTuple?: boolean }): Tensor | Tensor[] { return indexing.nonzero(this, opts); }
  // products (src/ops/products.ts)
  bmm(mat2: Tensor): Tensor { return products.bmm(this, mat2); }
  baddbmm(batch1: Tensor, batch2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor { return products.baddbmm(this, batch1, batch2, opts); }
  outer(vec2: Tensor): Tensor { return products.outer(this, vec2); }
  dot(other: Tensor): Tensor { return products.dot(this, other); }
}

function shapeArgs(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}
