// IDX reading (raw, gzip, corrupt files) and the DataLoader (batching,
// normalisation, dropLast, seeded shuffling).
import * as assert from 'uvu/assert';
import { gzipSync } from 'node:zlib';
import { suite, sg } from '../helpers/harness.mjs';

const test = suite('data');
const { readIdx, parseIdx, encodeIdx, datasetFromIdx, permutation } = sg.data;

/** A tiny image set: n images of h x w where pixel (i, r, c) = (i * 7 + r * w + c) mod 256. */
function images(n, h, w) {
  const data = Uint8Array.from({ length: n * h * w }, (_, k) => (Math.floor(k / (h * w)) * 7 + (k % (h * w))) % 256);
  return { dtype: 'uint8', shape: [n, h, w], data };
}
const labels = (n) => ({ dtype: 'uint8', shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 10) });

async function rejects(promise, ...patterns) {
  let err;
  try { await promise; } catch (e) { err = e; }
  if (!err) throw new Error(`expected a rejection matching ${patterns.join(', ')}`);
  for (const p of patterns) if (!err.message.includes(p)) throw new Error(`error "${err.message}" lacks "${p}"`);
}

test('raw IDX round trip: uint8 images and big-endian float32/int32 values', async () => {
  const img = images(3, 4, 5);
  const back = await readIdx(encodeIdx(img));
  assert.equal(back.shape, [3, 4, 5]);
  assert.is(back.dtype, 'uint8');
  assert.equal(Array.from(back.data), Array.from(img.data));
  const f = { dtype: 'float32', shape: [2, 2], data: Float32Array.from([1.5, -2, 3.25, 1e-3]) };
  const bytes = encodeIdx(f);
  assert.equal(Array.from(bytes.subarray(0, 4)), [0, 0, 0x0d, 2]);
  assert.equal(Array.from(bytes.subarray(12, 16)), [0x3f, 0xc0, 0, 0]); // 1.5 big-endian
  assert.equal(Array.from(parseIdx(bytes).data), Array.from(f.data));
  const i32 = { dtype: 'int32', shape: [3], data: Int32Array.from([-1, 70000, 5]) };
  assert.equal(Array.from((await readIdx(encodeIdx(i32))).data), [-1, 70000, 5]);
});

test('gzip IDX decompresses through DecompressionStream', async () => {
  const img = images(50, 28, 28);
  const gz = gzipSync(encodeIdx(img));
  assert.ok(gz.length < img.data.length);
  const back = await readIdx(gz, 'images.gz');
  assert.equal(back.shape, [50, 28, 28]);
  assert.equal(Array.from(back.data.subarray(0, 100)), Array.from(img.data.subarray(0, 100)));
  assert.equal(back.data.length, img.data.length);
});

test('truncated, wrong-magic and size-mismatched files give named errors', async () => {
  const good = encodeIdx(images(2, 3, 3));
  await rejects(readIdx(good.subarray(0, 2), 'a.idx'), 'a.idx', 'too short');
  await rejects(readIdx(good.subarray(0, 10), 'b.idx'), 'b.idx', 'truncated header');
  await rejects(readIdx(good.subarray(0, good.length - 1), 'c.idx'), 'c.idx', 'truncated', '18 data bytes', '17');
  const longer = new Uint8Array(good.length + 3);
  longer.set(good);
  await rejects(readIdx(longer, 'd.idx'), 'd.idx', 'trailing bytes');
  const bad = good.slice();
  bad[2] = 0x42;
  await rejects(readIdx(bad, 'e.idx'), 'e.idx', 'not an IDX file', '00 00 42 03');
  await rejects(readIdx(new TextEncoder().encode('<html>not found</html>'), 'f.idx'), 'not an IDX file');
  // gzip variants: truncated data, a corrupt stream, and a header that claims far more than the file holds
  await rejects(readIdx(gzipSync(good.subarray(0, good.length - 4)), 'g.gz'), 'g.gz', 'truncated');
  const gz = gzipSync(encodeIdx(images(20, 28, 28)));
  await rejects(readIdx(gz.subarray(0, gz.length >> 1), 'h.gz'), 'h.gz');
  const huge = good.slice(0, 16);
  new DataView(huge.buffer).setUint32(4, 2 ** 31, false);
  await rejects(readIdx(gzipSync(huge), 'i.gz'), 'i.gz', 'more than a', 'gzip file can hold');
  await rejects(readIdx(huge, 'j.idx'), 'j.idx', 'truncated');
});

test('datasetFromIdx checks counts, dtypes and labels', () => {
  const ds = datasetFromIdx(images(4, 2, 2), labels(4), 'tiny');
  assert.equal(ds.sampleShape, [1, 2, 2]);
  assert.is(ds.length, 4);
  assert.throws(() => datasetFromIdx(images(4, 2, 2), labels(5), 'tiny'), /4 images but 5 labels/);
  const lab = labels(4);
  lab.data[2] = 12;
  assert.throws(() => datasetFromIdx(images(4, 2, 2), lab, 'tiny'), /label 12 at sample 2/);
});

test('DataLoader: batch shapes, normalisation, dropLast, in-order evaluation', () => {
  const ds = datasetFromIdx(images(10, 2, 3), labels(10), 'tiny');
  const plain = new sg.DataLoader(ds, { batchSize: 4, shuffle: false, normalize: 'none' });
  try {
    assert.is(plain.length, 3);
    const b = plain.next();
    assert.equal(b.x.shape, [4, 1, 2, 3]);
    assert.equal(b.y.shape, [4]);
    assert.equal(Array.from(b.y.toArray()), [0, 1, 2, 3]);
    const x = b.x.toArray();
    for (let k = 0; k < x.length; k++) assert.ok(Math.abs(x[k] - ds.pixels[k] / 255) < 1e-6);
    plain.next();
    assert.equal(plain.next().y.shape, [2]); // the short tail
    assert.equal(Array.from(plain.next().y.toArray()), [0, 1, 2, 3]); // next epoch
    const ev = [...plain.inOrder(6)];
    assert.equal(ev.map((e) => e.x.shape[0]), [6, 4]);
  } finally {
    plain.dispose();
  }
  const dropped = new sg.DataLoader(ds, { batchSize: 4, shuffle: false, dropLast: true, flatten: true, normalize: 'dataset' });
  try {
    assert.is(dropped.length, 2);
    const seen = [dropped.next(), dropped.next(), dropped.next()];
    assert.equal(seen[0].x.shape, [4, 6]);
    assert.equal(Array.from(seen[2].y.toArray()), [0, 1, 2, 3]); // the tail of 2 was skipped
    let s = 0, s2 = 0;
    const all = sg.cat([...dropped.inOrder(10)].map((b) => b.x)).toArray();
    for (const v of all) (s += v), (s2 += v * v);
    assert.ok(Math.abs(s / all.length) < 1e-4, 'normalised mean ~0');
    assert.ok(Math.abs(s2 / all.length - 1) < 0.2, 'normalised variance ~1');
  } finally {
    dropped.dispose();
  }
});

test('seeded shuffling: reproducible, a permutation, different per seed and epoch, independent of the engine RNG', () => {
  const p = permutation(100, 7, 0);
  assert.equal(Array.from(p).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  assert.equal(Array.from(permutation(100, 7, 0)), Array.from(p));
  assert.not.equal(Array.from(permutation(100, 8, 0)), Array.from(p));
  assert.not.equal(Array.from(permutation(100, 7, 1)), Array.from(p));
  const ds = datasetFromIdx(images(30, 2, 2), labels(30), 'tiny');
  const order = () => {
    const l = new sg.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 3 });
    try {
      const ys = [];
      for (let i = 0; i < 8; i++) {
        ys.push(...l.next().y.toArray());
        sg.randn([5]); // drawing from the engine's stream must not change the data order
      }
      return ys;
    } finally {
      l.dispose();
    }
  };
  sg.manualSeed(1);
  const a = order();
  sg.manualSeed(2);
  const b = order();
  assert.equal(a, b);
  assert.not.equal(a.slice(0, 10), Array.from({ length: 10 }, (_, i) => i % 10));
});

test.run();
