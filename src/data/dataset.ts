/**
 * Labelled image datasets in host memory: pixels as bytes (N x C x H x W,
 * row-major) and one class index per sample. A DataLoader turns them into
 * tensors.
 */
import type { IdxArray } from './idx';

/**
 * A labelled image set held as uint8 pixels (N, C, H, W) and N labels, as datasetFromIdx and parseCifar10 build it.
 * @example new DataLoader(data.datasetFromIdx(images, labels, 'mnist train'), { batchSize: 64 })
 */
export interface ImageDataset {
  /** Name used in messages (e.g. 'mnist train'). */
  name: string;
  /** Sample count N. */
  length: number;
  /** Per-sample shape [C, H, W]. */
  sampleShape: [number, number, number];
  /** N*C*H*W pixel values in [0, 255]. */
  pixels: Uint8Array;
  /** N class indices in [0, numClasses). */
  labels: Uint8Array;
  /** Number of classes (labels are below it). */
  numClasses: number;
}

/**
 * A dataset from an IDX image file (uint8, [N,H,W] or [N,C,H,W]) and an IDX
 * label file (uint8, [N]); checks that they agree.
 */
export function datasetFromIdx(images: IdxArray, labels: IdxArray, name: string, numClasses = 10): ImageDataset {
  if (images.dtype !== 'uint8') throw new Error(`${name}: images must be uint8, got ${images.dtype}`);
  if (labels.dtype !== 'uint8') throw new Error(`${name}: labels must be uint8, got ${labels.dtype}`);
  if (images.shape.length !== 3 && images.shape.length !== 4) {
    throw new Error(`${name}: images must have shape [N,H,W] or [N,C,H,W], got [${images.shape.join(',')}]`);
  }
  if (labels.shape.length !== 1) throw new Error(`${name}: labels must have shape [N], got [${labels.shape.join(',')}]`);
  const n = images.shape[0];
  if (labels.shape[0] !== n) throw new Error(`${name}: ${n} images but ${labels.shape[0]} labels`);
  const sampleShape = (images.shape.length === 3 ? [1, images.shape[1], images.shape[2]] : images.shape.slice(1)) as [number, number, number];
  const lab = labels.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (lab[i] >= numClasses) throw new Error(`${name}: label ${lab[i]} at sample ${i} is not a class index below ${numClasses}`);
  }
  return { name, length: n, sampleShape, pixels: images.data as Uint8Array, labels: lab, numClasses };
}

/** The first `count` samples (a view, no copy). */
export function headOf(ds: ImageDataset, count: number): ImageDataset {
  const n = Math.max(0, Math.min(ds.length, Math.floor(count)));
  const per = ds.sampleShape[0] * ds.sampleShape[1] * ds.sampleShape[2];
  return { ...ds, length: n, pixels: ds.pixels.subarray(0, n * per), labels: ds.labels.subarray(0, n) };
}
