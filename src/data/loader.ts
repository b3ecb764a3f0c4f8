/**
 * DataLoader: batches of a dataset as tensors (torch.utils.data.DataLoader).
 *
 * An ImageDataset's pixels are uploaded to the wasm heap once and normalised there,
 *   x = (p / 255 - mean) / std = p * (1 / (255 std)) - mean / std,
 * and its labels become float32 class indices; a batch is {x, y}. A
 * TensorDataset's tensors are used as they are; a batch is an array with one
 * tensor per dataset tensor. Either way a batch is one indexSelect per stored
 * tensor (no per-element work in JavaScript).
 *
 * Data order: epoch e visits permutation(N, seed, e) when shuffling (see
 * shuffle.ts; a generator of its own, independent of the engine's random
 * stream), else 0..N-1. Every pass (`for (const b of loader)`,
 * `epochBatches()` without an argument, or next() reaching a new epoch)
 * starts the next epoch, so each pass gets a new order.
 */
import { Tensor } from '../tensor';
import { tensor } from '../ops/create';
import { affine } from '../ops/unary';
import { mean as meanOf, std as stdOf } from '../ops/reduce';
import { indexSelect } from '../ops/gather';
import { untracked } from '../autograd/scope';
import { noGrad } from '../autograd/graph';
import type { ImageDataset } from './dataset';
import { TensorDataset } from './tensor-dataset';
import { permutation } from './shuffle';
import { boolean, integer, invalid, isPlainObject, nullable, number, param, parseArgs, required, takesObject, type Check } from '../validate';

/** Pixel normalisation of an ImageDataset after scaling to [0, 1]. */
export type Normalize = 'dataset' | 'none' | { mean: number; std: number };

/**
 * Options of DataLoader: batchSize (default 1), shuffle (default false), seed (default 0), dropLast (default false),
 * and for an ImageDataset normalize (default 'dataset') and flatten (default false).
 * @example new DataLoader(ds, { batchSize: 64, shuffle: true, seed: 1 })
 */
export interface DataLoaderOptions {
  /** Samples per batch (default 1, as PyTorch). */
  batchSize?: number;
  /** Visit samples in a new seeded random order each epoch (default false, as PyTorch). */
  shuffle?: boolean;
  /** Seed of the data order (default 0). */
  seed?: number;
  /** Drop the last batch of an epoch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /**
   * ImageDataset only: pixel normalisation after scaling to [0, 1]: 'dataset'
   * (the dataset's own mean and std, the default), explicit {mean, std}, or 'none'.
   */
  normalize?: Normalize;
  /** ImageDataset only: batches as [B, C*H*W] instead of [B, C, H, W] (default false). */
  flatten?: boolean;
}

/** A batch of an ImageDataset. */
export interface Batch {
  /** [B, C, H, W] (or [B, C*H*W] with flatten). */
  x: Tensor;
  /** [B] class indices as float32. */
  y: Tensor;
}

/** What a loader over dataset D yields: {x, y} for an ImageDataset, one tensor per dataset tensor for a TensorDataset. */
export type BatchOf<D> = D extends TensorDataset ? Tensor[] : Batch;

const isImageDataset = (v: unknown): v is ImageDataset =>
  isPlainObject(v) && v.pixels instanceof Uint8Array && v.labels instanceof Uint8Array && Array.isArray(v.sampleShape) && typeof v.length === 'number';

const datasetArg: Check<ImageDataset | TensorDataset> = takesObject((v, at) => {
  if (v instanceof TensorDataset || isImageDataset(v)) return v;
  throw invalid(at, 'a TensorDataset or an ImageDataset (data.datasetFromIdx)', v, v instanceof Tensor ? 'wrap tensors with new data.TensorDataset(x, y)' : '');
});

const normalizeArg: Check<Normalize> = (v, at) => {
  if (v === 'dataset' || v === 'none') return v;
  if (isPlainObject(v)) {
    const { mean, std, ...rest } = v;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new TypeError(`${at.where}: normalize takes { mean, std }, got the unknown key '${extra[0]}'`);
    return { mean: number()(mean, { where: at.where, name: 'normalize.mean' }), std: number({ gt: 0 })(std, { where: at.where, name: 'normalize.std' }) };
  }
  throw invalid(at, "'dataset', 'none' or { mean, std }", v);
};

/** DataLoader's arguments: PyTorch's positional (dataset, batchSize, shuffle), the rest as options. */
const LOADER_ARGS = {
  dataset: param(datasetArg, required),
  batchSize: param(integer({ min: 1 }), 1),
  shuffle: param(boolean, false),
  seed: param(integer(), 0),
  dropLast: param(boolean, false),
  normalize: param(nullable(normalizeArg), null),
  flatten: param(nullable(boolean), null),
};

/**
 * Batches of a dataset: iterable (each `for...of` pass is the next epoch,
 * reshuffled when `shuffle`), with `next()` as an endless stream.
 *
 * `new DataLoader(dataset, batchSize?, shuffle?, options?)`, PyTorch's
 * positional order, or `new DataLoader(dataset, { batchSize, shuffle, seed, dropLast })`.
 *
 * @example
 * const loader = new DataLoader(new data.TensorDataset(x, y), 64, true);
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (const [xb, yb] of loader) sg.scope(() => step(xb, yb));   // a new order each epoch
 * }
 */
export class DataLoader<D extends ImageDataset | TensorDataset = ImageDataset> implements Iterable<BatchOf<D>> {
  readonly dataset: D;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly flatten: boolean;
  /** ImageDataset: the normalisation applied, x = (p / 255 - mean) / std (TensorDataset: 0 and 1). */
  readonly mean: number;
  readonly std: number;
  /** The tensors batches are gathered from (owned by the loader for an ImageDataset). */
  private readonly stored: Tensor[];
  private readonly owned: boolean;
  private epochIndex = 0;
  private order: Int32Array | null = null;
  private cursor = 0;

  constructor(dataset: D, opts?: DataLoaderOptions);
  constructor(dataset: D, batchSize?: number, shuffle?: boolean, opts?: DataLoaderOptions);
  constructor(...args: unknown[]) {
    const a = parseArgs('DataLoader', args, LOADER_ARGS, 3);
    const dataset = a.dataset as D;
    const image = !(dataset instanceof TensorDataset);
    const name = image ? `dataset ${(dataset as ImageDataset).name}` : 'the TensorDataset';
    if (!image && (a.normalize !== null || a.flatten !== null)) {
      throw new TypeError('DataLoader: normalize and flatten apply to ImageDatasets; transform the tensors of a TensorDataset before building it');
    }
    if (dataset.length < 1) throw new RangeError(`DataLoader: ${name} is empty`);
    if (a.dropLast && dataset.length < a.batchSize) {
      throw new RangeError(`DataLoader: dropLast with batchSize ${a.batchSize} leaves no batch of ${name} (${dataset.length} samples)`);
    }
    this.dataset = dataset;
    this.batchSize = a.batchSize;
    this.shuffle = a.shuffle;
    this.seed = a.seed;
    this.dropLast = a.dropLast;
    this.flatten = a.flatten ?? false;
    if (dataset instanceof TensorDataset) {
      this.stored = [...dataset.tensors];
      this.owned = false;
      this.mean = 0;
      this.std = 1;
    } else {
      const { x, y, mean, std } = uploadImages(dataset as ImageDataset, a.normalize ?? 'dataset', this.flatten);
      this.stored = [x, y];
      this.owned = true;
      this.mean = mean;
      this.std = std;
    }
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Epochs started so far (by a for...of pass, epochBatches() without an argument, or next()). */
  get epoch(): number {
    return this.epochIndex;
  }

  private orderOf(epoch: number): Int32Array {
    if (!this.shuffle) return Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    return permutation(this.dataset.length, this.seed, epoch);
  }

  /** The batch made of these sample indices (in this order). */
  gather(indices: ArrayLike<number>): BatchOf<D> {
    const idx = Array.from(indices);
    return this.shaped(noGrad(() => {
      const out: Tensor[] = [];
      try {
        for (const t of this.stored) out.push(indexSelect(t, 0, idx));
      } catch (e) {
        for (const t of out) t.dispose();
        throw e;
      }
      return out;
    }));
  }

  /** The per-dataset form of a batch: {x, y} for an ImageDataset, the array for a TensorDataset. */
  private shaped(parts: Tensor[]): BatchOf<D> {
    return (this.owned ? { x: parts[0], y: parts[1] } : parts) as BatchOf<D>;
  }

  /** The next epoch's number, advancing the count. */
  private startEpoch(): number {
    return this.epochIndex++;
  }

  /**
   * The next batch of an endless stream: epoch after epoch, each in its own
   * order (the next epoch number when one ends); with dropLast an epoch's
   * short tail is skipped.
   */
  next(): BatchOf<D> {
    const n = this.dataset.length;
    let remaining = n - this.cursor;
    if (this.order === null || remaining <= 0 || (this.dropLast && remaining < this.batchSize)) {
      this.order = this.orderOf(this.startEpoch());
      this.cursor = 0;
      remaining = n;
    }
    const take = Math.min(this.batchSize, remaining);
    const batch = this.gather(this.order.subarray(this.cursor, this.cursor + take));
    this.cursor += take;
    return batch;
  }

  /**
   * One epoch's batches: of epoch `epoch` when given (the count is not
   * changed), else of the next epoch (the count advances, so each call
   * without an argument gives a new order).
   */
  *epochBatches(epoch?: number): Generator<BatchOf<D>> {
    const e = epoch === undefined ? this.startEpoch() : integer({ min: 0 })(epoch, { where: 'DataLoader.epochBatches', name: 'epoch' });
    const order = this.orderOf(e);
    const count = this.length;
    for (let b = 0; b < count; b++) yield this.gather(order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize)));
  }

  /** `for (const batch of loader)`: the batches of the next epoch (a new order each pass when shuffling). */
  [Symbol.iterator](): Iterator<BatchOf<D>> {
    return this.epochBatches();
  }

  /** All samples in dataset order, batched (for evaluation; never shuffled, never drops). */
  *inOrder(batchSize = this.batchSize): Generator<BatchOf<D>> {
    integer({ min: 1 })(batchSize, { where: 'DataLoader.inOrder', name: 'batchSize' });
    for (let at = 0; at < this.dataset.length; at += batchSize) {
      const end = Math.min(this.dataset.length, at + batchSize);
      // views of the stored tensors (rows at..end)
      yield this.shaped(noGrad(() => this.stored.map((t) => t.narrow(0, at, end - at))));
    }
  }

  /** Frees the tensors the loader uploaded (an ImageDataset's); a TensorDataset's tensors stay the caller's. */
  dispose(): void {
    if (this.owned) for (const t of this.stored) t.dispose();
  }

  /** dispose() for `using loader = ...` (explicit resource management). */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** An ImageDataset's pixels on the heap, normalised, and its labels as float32. */
function uploadImages(dataset: ImageDataset, norm: Normalize, flatten: boolean): { x: Tensor; y: Tensor; mean: number; std: number } {
  const [c, h, w] = dataset.sampleShape;
  const shape = flatten ? [dataset.length, c * h * w] : [dataset.length, c, h, w];
  return untracked(() => noGrad(() => {
    const raw = tensor(dataset.pixels, { shape });
    try {
      let m = 0, s = 1;
      if (norm === 'dataset') {
        const unit = affine(raw, 1 / 255, 0);
        const mt = meanOf(unit), st = stdOf(unit);
        m = mt.item();
        s = st.item() || 1;
        for (const t of [unit, mt, st]) t.dispose();
      } else if (norm !== 'none') {
        ({ mean: m, std: s } = norm);
      }
      const x = affine(raw, 1 / (255 * s), -m / s);
      try {
        return { x, y: tensor(dataset.labels), mean: m, std: s };
      } catch (e) {
        x.dispose();
        throw e;
      }
    } finally {
      raw.dispose();
    }
  }));
}
