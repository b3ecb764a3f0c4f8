/**
 * DataLoader: batches of an ImageDataset as tensors.
 *
 * The pixels are uploaded to the wasm heap once and normalised there,
 *   x = (p / 255 - mean) / std = p * (1 / (255 std)) - mean / std,
 * so a batch is one indexSelect of the stored tensor (no per-element work in
 * JavaScript). Labels are float32 class indices. Shuffling uses a seeded
 * generator of its own (see shuffle.ts): epoch e visits permutation(N, seed, e).
 */
import { Tensor } from '../tensor';
import { tensor } from '../ops/create';
import { affine } from '../ops/unary';
import { mean as meanOf, std as stdOf } from '../ops/reduce';
import { indexSelect } from '../ops/gather';
import { untracked } from '../autograd/scope';
import { noGrad } from '../autograd/graph';
import type { ImageDataset } from './dataset';
import { permutation } from './shuffle';

export interface DataLoaderOptions {
  batchSize: number;
  /** Visit samples in a seeded random order (default true). */
  shuffle?: boolean;
  /** Seed of the data order (default 0). */
  seed?: number;
  /** Drop the last batch of an epoch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /**
   * Pixel normalisation after scaling to [0, 1]: 'dataset' (the dataset's own
   * mean and std, the default), explicit {mean, std}, or 'none'.
   */
  normalize?: 'dataset' | 'none' | { mean: number; std: number };
  /** Batches as [B, C*H*W] instead of [B, C, H, W] (default false). */
  flatten?: boolean;
}

export interface Batch {
  /** [B, C, H, W] (or [B, C*H*W] with flatten). */
  x: Tensor;
  /** [B] class indices as float32. */
  y: Tensor;
}

export class DataLoader {
  readonly dataset: ImageDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly flatten: boolean;
  /** The normalisation applied: x = (p / 255 - mean) / std. */
  readonly mean: number;
  readonly std: number;
  private x: Tensor;
  private y: Tensor;
  private epochIndex = 0;
  private order: Int32Array;
  private cursor = 0;

  constructor(dataset: ImageDataset, opts: DataLoaderOptions) {
    const { batchSize } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${batchSize}`);
    if (dataset.length < 1) throw new RangeError(`DataLoader: dataset ${dataset.name} is empty`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = opts.shuffle ?? true;
    this.seed = opts.seed ?? 0;
    this.dropLast = opts.dropLast ?? false;
    this.flatten = opts.flatten ?? false;
    if (this.dropLast && dataset.length < batchSize) {
      throw new RangeError(`DataLoader: dropLast with batchSize ${batchSize} leaves no batch of dataset ${dataset.name} (${dataset.length} samples)`);
    }
    const [c, h, w] = dataset.sampleShape;
    const shape = this.flatten ? [dataset.length, c * h * w] : [dataset.length, c, h, w];
    const norm = opts.normalize ?? 'dataset';
    const { x, y, mean, std } = untracked(() => noGrad(() => {
      const raw = tensor(dataset.pixels, { shape });
      let m = 0, s = 1;
      if (norm === 'dataset') {
        const unit = affine(raw, 1 / 255, 0);
        const mt = meanOf(unit), st = stdOf(unit);
        m = mt.item();
        s = st.item() || 1;
        for (const t of [unit, mt, st]) t.dispose();
      } else if (norm !== 'none') {
        if (!(norm.std > 0)) throw new RangeError(`DataLoader: normalize.std must be positive, got ${norm.std}`);
        ({ mean: m, std: s } = norm);
      }
      const xs = affine(raw, 1 / (255 * s), -m / s);
      raw.dispose();
      return { x: xs, y: tensor(dataset.labels), mean: m, std: s };
    }));
    this.x = x;
    this.y = y;
    this.mean = mean;
    this.std = std;
    this.order = this.orderOf(0);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Epochs started so far by next() (0 before the first batch of epoch 1 completes). */
  get epoch(): number {
    return this.epochIndex;
  }

  private orderOf(epoch: number): Int32Array {
    if (!this.shuffle) return Int32Array.from({ length: this.dataset.length }, (_, i) => i);
    return permutation(this.dataset.length, this.seed, epoch);
  }

  /** The batch made of these sample indices. */
  gather(indices: ArrayLike<number>): Batch {
    const idx = Array.from(indices);
    return noGrad(() => ({ x: indexSelect(this.x, 0, idx), y: indexSelect(this.y, 0, idx) }));
  }

  /**
   * The next batch of an endless stream: epoch after epoch, each in its own
   * order; with dropLast an epoch's short tail is skipped.
   */
  next(): Batch {
    const n = this.dataset.length;
    let remaining = n - this.cursor;
    if (remaining <= 0 || (this.dropLast && remaining < this.batchSize)) {
      this.epochIndex++;
      this.order = this.orderOf(this.epochIndex);
      this.cursor = 0;
      remaining = n;
    }
    const take = Math.min(this.batchSize, remaining);
    const batch = this.gather(this.order.subarray(this.cursor, this.cursor + take));
    this.cursor += take;
    return batch;
  }

  /** One epoch's batches, in the order of epoch `epoch` (default: the next one not yet started). */
  *epochBatches(epoch?: number): Generator<Batch> {
    const e = epoch ?? this.epochIndex;
    const order = this.orderOf(e);
    const count = this.length;
    for (let b = 0; b < count; b++) yield this.gather(order.subarray(b * this.batchSize, Math.min(order.length, (b + 1) * this.batchSize)));
  }

  /** All samples in dataset order, batched (for evaluation; never shuffled, never drops). */
  *inOrder(batchSize = this.batchSize): Generator<Batch> {
    for (let at = 0; at < this.dataset.length; at += batchSize) {
      const end = Math.min(this.dataset.length, at + batchSize);
      // contiguous views of the stored tensors (rows at..end of row-major data)
      yield noGrad(() => ({ x: this.x.narrow(0, at, end - at), y: this.y.narrow(0, at, end - at) }));
    }
  }

  /** Frees the stored tensors. */
  dispose(): void {
    this.x.dispose();
    this.y.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

