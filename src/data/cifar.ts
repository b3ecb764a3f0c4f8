/**
 * CIFAR-10's binary format ("CIFAR-10 binary version": data_batch_1.bin ...
 * data_batch_5.bin, test_batch.bin). A batch file is a run of records of
 * 3073 bytes and nothing else, no header:
 *
 *   byte 0        the label, 0..9 (airplane, automobile, bird, cat, deer,
 *                 dog, frog, horse, ship, truck)
 *   bytes 1-3072  the 32x32 image, channel-major: 1024 red bytes, then 1024
 *                 green, then 1024 blue, each plane row-major
 *
 * so a record's pixels are already in the [C, H, W] order of an
 * ImageDataset. With no header to check, a file is trusted only when its
 * length is a whole number of records and every label byte is a class
 * index; everything is checked before the pixel buffer is allocated, and
 * that buffer is never larger than the input (no length is read from the file).
 */
import { invalid, options, param, string, type Check } from '../validate';
import type { ImageDataset } from './dataset';

/** Bytes per CIFAR-10 record: 1 label byte + 3 x 32 x 32 pixel bytes. */
export const CIFAR10_RECORD_BYTES = 3073;

/** CIFAR-10's class names, by label. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'] as const;

const PIXELS = 3072;
const WHERE = 'data.parseCifar10';

type Bytes = Uint8Array | ArrayBuffer;

const isBytes = (v: unknown): v is Bytes => v instanceof Uint8Array || v instanceof ArrayBuffer;

const batchList: Check<Uint8Array[]> = (v, at) => {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0 || !list.every(isBytes)) {
    throw invalid(at, 'a Uint8Array or ArrayBuffer, or a non-empty array of them (one per batch file)', Array.isArray(v) && list.length > 0 ? list.find((b) => !isBytes(b)) : v, 'read each file with fs.readFileSync or fetch(...).arrayBuffer()');
  }
  return list.map((b) => (b instanceof Uint8Array ? b : new Uint8Array(b)));
};

const stringList: Check<string[]> = (v, at) => {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw invalid(at, 'an array of strings (one file name per batch)', v);
  return v.slice();
};

/** Why `bytes` is not a CIFAR-10 batch, or null when it is one. */
function problem(bytes: Uint8Array): string | null {
  const n = bytes.length;
  if (n === 0) return 'is empty';
  if (n >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'is gzip-compressed: extract the archive (tar xzf cifar-10-binary.tar.gz) and read the .bin files inside';
  if (n >= 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') return 'is a tar archive: extract it (tar xf) and read the .bin files inside';
  if (n % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(n / CIFAR10_RECORD_BYTES);
    const cifar100 = n % (CIFAR10_RECORD_BYTES + 1) === 0 ? '; its length fits CIFAR-100 records (2 label bytes + 3072 pixels), which this reader does not read' : '';
    return `has ${n} bytes, not a whole number of ${CIFAR10_RECORD_BYTES}-byte records (1 label byte + 3072 pixel bytes): ${whole} records and ${n - whole * CIFAR10_RECORD_BYTES} bytes left over (truncated or not a CIFAR-10 binary batch)${cifar100}`;
  }
  for (let r = 0; r < n; r += CIFAR10_RECORD_BYTES) {
    if (bytes[r] >= CIFAR10_CLASSES.length) {
      const pickle = r === 0 && bytes[0] === 0x80 ? '; it starts like a Python pickle (the "python version" of CIFAR-10): use the binary version' : '';
      return `record ${r / CIFAR10_RECORD_BYTES} has label byte ${bytes[r]}, not a class index 0..9 (not a CIFAR-10 binary batch, or misaligned)${pickle}`;
    }
  }
  return null;
}

/**
 * Reads CIFAR-10 binary batches into one ImageDataset of [3, 32, 32] samples
 * (pixels as bytes, labels 0..9), the batches concatenated in the order given.
 * Every batch is checked (length a whole number of 3073-byte records, every
 * label byte below 10, not a compressed or tar archive) before anything is
 * allocated; a failing batch is named by its entry of `files`.
 *
 * @param batches one batch file's bytes, or a list of them
 * @param opts.name the dataset's name (default 'CIFAR-10')
 * @param opts.files each batch's file name, for error messages (default 'batch 1', 'batch 2', ...)
 * @example
 *   const train = parseCifar10([1, 2, 3, 4, 5].map((i) => readFileSync(`data_batch_${i}.bin`)), { name: 'CIFAR-10 train' });
 *   const loader = new DataLoader(train, { batchSize: 64 }); // x: [64, 3, 32, 32]
 */
export function parseCifar10(batches: Bytes | readonly Bytes[], opts: { name?: string; files?: string[] } = {}): ImageDataset {
  const list = batchList(batches, { where: WHERE, name: 'batches' });
  const { name, files } = options(WHERE, opts, { name: param(string, 'CIFAR-10'), files: param(stringList, [] as string[]) });
  if (files.length > 0 && files.length !== list.length) {
    throw new RangeError(`${WHERE}: files names ${files.length} files but ${list.length} batches were given; give one name per batch`);
  }
  let records = 0;
  list.forEach((bytes, i) => {
    const why = problem(bytes);
    if (why !== null) throw new Error(`${name}: ${files[i] ?? `batch ${i + 1}`} ${why}`);
    records += bytes.length / CIFAR10_RECORD_BYTES;
  });
  const pixels = new Uint8Array(records * PIXELS);
  const labels = new Uint8Array(records);
  let at = 0;
  for (const bytes of list) {
    // file parsing, not tensor arithmetic: split each record into its label and its pixels
    for (let r = 0; r < bytes.length; r += CIFAR10_RECORD_BYTES, at++) {
      labels[at] = bytes[r];
      pixels.set(bytes.subarray(r + 1, r + CIFAR10_RECORD_BYTES), at * PIXELS);
    }
  }
  return { name, length: records, sampleShape: [3, 32, 32], pixels, labels, numClasses: CIFAR10_CLASSES.length };
}

