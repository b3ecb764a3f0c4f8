// The CIFAR-10 binary-batch reader on small files this test writes: valid
// batches (round trip of labels and channel-major pixels, several batches
// concatenated), truncated, lying (label bytes that are no class, CIFAR-100
// records, archives, pickles) and bad arguments; then the lab's
// --data cifar10:DIR on the same files.
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite, sg } from '../helpers/harness.mjs';
import { loadData } from '../../lab/datasets.mjs';

const test = suite('cifar');
const { parseCifar10, CIFAR10_RECORD_BYTES } = sg.data;
const dir = mkdtempSync(join(tmpdir(), 'simdgrad-cifar-'));

/** Pixel byte c of record i: a pattern that differs per record, channel and position. */
const pixel = (i, c, k) => (i * 31 + c * 101 + k * 7) % 256;

/** n records in the binary format with labels (first + i) mod 10. */
function batch(n, first = 0) {
  const out = new Uint8Array(n * CIFAR10_RECORD_BYTES);
  for (let i = 0; i < n; i++) {
    out[i * CIFAR10_RECORD_BYTES] = (first + i) % 10;
    for (let c = 0; c < 3; c++) for (let k = 0; k < 1024; k++) out[i * CIFAR10_RECORD_BYTES + 1 + c * 1024 + k] = pixel(first + i, c, k);
  }
  return out;
}

/** Writes bytes to a file in the test directory and reads them back as a real file. */
function fileBytes(name, bytes) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return readFileSync(path);
}

function throwsWith(fn, ...parts) {
  let err;
  try { fn(); } catch (e) { err = e; }
  if (!err) throw new Error(`expected an error containing ${parts.join(', ')}`);
  for (const p of parts) if (!err.message.includes(p)) throw new Error(`error "${err.message}" lacks "${p}"`);
  return err;
}

test('a valid batch file: labels, [3, 32, 32] channel-major pixels, batches concatenated in order', () => {
  assert.is(CIFAR10_RECORD_BYTES, 3073);
  const one = parseCifar10(fileBytes('data_batch_1.bin', batch(4)), { name: 'tiny' });
  assert.equal([one.name, one.length, one.sampleShape, one.numClasses], ['tiny', 4, [3, 32, 32], 10]);
  assert.equal(Array.from(one.labels), [0, 1, 2, 3]);
  // sample 2, green channel (c = 1), row 5, column 9 -> k = 5 * 32 + 9
  const k = 5 * 32 + 9;
  assert.is(one.pixels[2 * 3072 + 1 * 1024 + k], pixel(2, 1, k));
  assert.is(one.pixels.length, 4 * 3072);
  const two = parseCifar10([batch(3), batch(2, 3).buffer], { files: ['a.bin', 'b.bin'] });
  assert.is(two.length, 5);
  assert.equal(Array.from(two.labels), [0, 1, 2, 3, 4]);
  assert.is(two.pixels[4 * 3072 + 2 * 1024 + 1023], pixel(4, 2, 1023));
  assert.is(two.name, 'CIFAR-10');
});

test('truncated and lying files are refused by name with what is wrong', () => {
  const good = batch(3);
  throwsWith(() => parseCifar10(fileBytes('cut.bin', good.subarray(0, good.length - 100)), { files: ['cut.bin'] }), 'cut.bin', 'not a whole number of 3073-byte records', '2 records and 2973 bytes left over', 'truncated');
  throwsWith(() => parseCifar10(new Uint8Array(0), { files: ['empty.bin'] }), 'empty.bin is empty');
  const lying = good.slice();
  lying[2 * CIFAR10_RECORD_BYTES] = 200;
  throwsWith(() => parseCifar10([good, fileBytes('lying.bin', lying)], { files: ['ok.bin', 'lying.bin'] }), 'lying.bin', 'record 2 has label byte 200', 'not a class index 0..9');
  throwsWith(() => parseCifar10(new Uint8Array(3 * 3074).fill(1)), 'batch 1', 'CIFAR-100');
  throwsWith(() => parseCifar10(gzipSync(good), { files: ['data.tar.gz'] }), 'data.tar.gz is gzip-compressed', 'tar xzf');
  const tar = new Uint8Array(3 * CIFAR10_RECORD_BYTES);
  tar.set(new TextEncoder().encode('ustar'), 257);
  throwsWith(() => parseCifar10(tar), 'is a tar archive');
  const pickle = good.slice();
  pickle[0] = 0x80;
  throwsWith(() => parseCifar10(pickle), 'label byte 128', 'Python pickle');
});

test('arguments are checked before anything is read', () => {
  throwsWith(() => parseCifar10('data_batch_1.bin'), 'data.parseCifar10: batches must be a Uint8Array or ArrayBuffer', "'data_batch_1.bin' (a string)", 'readFileSync');
  throwsWith(() => parseCifar10([]), 'non-empty array');
  throwsWith(() => parseCifar10([batch(1), 7]), 'got 7 (a number)');
  throwsWith(() => parseCifar10(batch(1), { file: ['x'] }), "unknown option 'file'", "did you mean 'files'");
  throwsWith(() => parseCifar10(batch(1), { files: ['a', 'b'] }), 'files names 2 files but 1 batches');
  throwsWith(() => parseCifar10(batch(1), { name: 3 }), 'name must be a string');
});

test('the lab reads --data cifar10:DIR (or its cifar-10-batches-bin folder) and names a bad file', async () => {
  const root = join(dir, 'lab');
  const bin = join(root, 'cifar-10-batches-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'data_batch_1.bin'), batch(6));
  writeFileSync(join(bin, 'data_batch_2.bin'), batch(4, 6));
  writeFileSync(join(bin, 'test_batch.bin'), batch(5, 1));
  const logs = [];
  const data = await loadData(sg, `cifar10:${root}`, { log: (m) => logs.push(m) });
  assert.equal([data.train.length, data.test.length, data.train.sampleShape], [10, 5, [3, 32, 32]]);
  assert.equal(Array.from(data.train.labels), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.ok(logs.join().includes('2 training batch file(s)'), logs.join());
  writeFileSync(join(bin, 'test_batch.bin'), batch(5).subarray(0, 9000));
  const err = await loadData(sg, `cifar10:${root}`).then(() => null, (e) => e);
  assert.ok(err && err.constructor.name === 'LabError' && err.message.includes(join(bin, 'test_batch.bin')) && err.message.includes('left over'), String(err));
  const none = await loadData(sg, `cifar10:${join(dir, 'nowhere')}`).then(() => null, (e) => e);
  assert.match(none.message, /is not a directory/);
});

test.run();
