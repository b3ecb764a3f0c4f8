import * as assert from 'uvu/assert';
import { suite, sg, assertClose, assertThrows } from '../helpers/harness.mjs';

const test = suite('safetensors');

/** A file from a header object and raw data bytes. */
function fileOf(header, data = new Uint8Array(0), lengthOverride) {
  const h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}
const f32bytes = (...v) => new Uint8Array(new Float32Array(v).buffer);

test('save: 8-byte little-endian length, padded JSON header with PyTorch keys, F32 data; load round trip', () => {
  const sd = new Map([['bn.runningMean', sg.tensor([1, 2, 3])], ['fc.weight', sg.tensor([[1.5, -2], [0.25, 4]])], ['scalar', sg.tensor(7)]]);
  const bytes = sg.save(sd, { metadata: { format: 'pt' } });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is(n % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.equal(header.__metadata__, { format: 'pt' });
  assert.equal(header['bn.running_mean'], { dtype: 'F32', shape: [3], data_offsets: [0, 12] });
  assert.equal(header['fc.weight'], { dtype: 'F32', shape: [2, 2], data_offsets: [12, 28] });
  assert.equal(header.scalar.shape, []);
  assert.is(bytes.length, 8 + n + 32);
  const { tensors, metadata } = sg.loadWithMetadata(bytes);
  assert.equal(metadata, { format: 'pt' });
  assert.equal([...tensors.keys()], ['bn.runningMean', 'fc.weight', 'scalar']);
  assert.equal(tensors.get('fc.weight').shape, [2, 2]);
  assertClose(tensors.get('fc.weight').toArray(), [1.5, -2, 0.25, 4], { atol: 0, rtol: 0 });
  assert.is(tensors.get('scalar').item(), 7);
  assert.ok(sg.load(bytes, { rawKeys: true }).has('bn.running_mean'));
  // a non-multiple-of-4 header (another writer's file) is read through an unaligned copy
  const odd = fileOf({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32bytes(3, 4));
  assertClose(sg.load(odd).get('a').toArray(), [3, 4], { atol: 0, rtol: 0 });
  // a subarray of a bigger buffer works too
  const big = new Uint8Array(bytes.length + 3);
  big.set(bytes, 3);
  assertClose(sg.load(big.subarray(3)).get('bn.runningMean').toArray(), [1, 2, 3]);
});

test('corrupted or lying files give clear errors, never a crash or a big allocation', () => {
  const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
  const before = sg.memory().bytesInUse;
  assertThrows(() => sg.load(new Uint8Array(5)), 'too short');
  assertThrows(() => sg.load(fileOf(good, f32bytes(1, 2)).subarray(0, 20)), 'header length');
  assertThrows(() => sg.load(fileOf(good, f32bytes(1, 2), 2 ** 40)), 'header length', 'exceeds');
  assertThrows(() => sg.load(fileOf('{"a": [1, 2', f32bytes(1, 2))), 'not valid JSON');
  assertThrows(() => sg.load(fileOf('[1, 2]')), 'does not start with');
  assertThrows(() => sg.load(fileOf(good, f32bytes(1))), 'out of range');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1))), 'dtype "F8_E4M3"', 'supported: F64, F32, F16, BF16, I64');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'I64', shape: [2], data_offsets: [0, 8] } }, f32bytes(1, 2))), 'dtype I64 needs 16 bytes', 'span 8');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32bytes(1, 2))), 'needs 12 bytes', 'span 8');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 8] } }, f32bytes(1, 2))), 'needs');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32bytes(1, 2))), 'overlaps');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32bytes(1, 2))), 'gap');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32bytes(1, 2))), 'cover 4 of the 8');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32bytes(1))), 'invalid shape');
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32bytes(1))), 'out of range');
  assertThrows(() => sg.load(fileOf({ __metadata__: { a: 1 } })), '__metadata__');
  assert.is(sg.memory().bytesInUse, before);
  assertThrows(() => sg.save({ a: 3 }), 'not a Tensor');
});

test('every safetensors dtype loads as float32: floats rounded to nearest, integers and bools exact', () => {
  // [dtype, bytes per element, writer, values, float32 expected]
  const cases = [
    ['F64', 8, (v, i, x) => v.setFloat64(i, x, true), [1.5, -(2 ** -30), 1 / 3, 1e300], [1.5, -(2 ** -30), Math.fround(1 / 3), Infinity]],
    ['F16', 2, (v, i, x) => v.setUint16(i, x, true), [0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0xfc00, 0x8000], [1, -2, 2 ** -24, 65504, Infinity, -Infinity, -0]],
    ['BF16', 2, (v, i, x) => v.setUint16(i, x, true), [0x3f80, 0xc040, 0x7f80, 0x0001], [1, -3, Infinity, Math.fround(2 ** -133)]],
    ['I64', 8, (v, i, x) => v.setBigInt64(i, BigInt(x), true), [0, -7, 123456, 2 ** 24], [0, -7, 123456, 2 ** 24]],
    ['I32', 4, (v, i, x) => v.setInt32(i, x, true), [-(2 ** 31), 5], [-(2 ** 31), 5]],
    ['I16', 2, (v, i, x) => v.setInt16(i, x, true), [-32768, 32767], [-32768, 32767]],
    ['I8', 1, (v, i, x) => v.setInt8(i, x), [-128, 127], [-128, 127]],
    ['U64', 8, (v, i, x) => v.setBigUint64(i, BigInt(x), true), [0, 9], [0, 9]],
    ['U32', 4, (v, i, x) => v.setUint32(i, x, true), [2 ** 32 - 1, 3], [2 ** 32, 3]],
    ['U16', 2, (v, i, x) => v.setUint16(i, x, true), [65535, 1], [65535, 1]],
    ['U8', 1, (v, i, x) => v.setUint8(i, x), [255, 0], [255, 0]],
    ['BOOL', 1, (v, i, x) => v.setUint8(i, x), [0, 1, 1], [0, 1, 1]],
  ];
  for (const [dtype, size, write, values, expected] of cases) {
    // one byte of padding in front of the data, so multi-byte elements are misaligned in the buffer
    const data = new Uint8Array(values.length * size);
    const view = new DataView(data.buffer);
    values.forEach((x, i) => write(view, i * size, x));
    const file = fileOf({ t: { dtype, shape: [values.length], data_offsets: [0, data.length] } }, data);
    const padded = new Uint8Array(file.length + 1);
    padded.set(file, 1);
    for (const bytes of [file, padded.subarray(1)]) {
      const t = sg.load(bytes).get('t');
      const got = Array.from(t.toArray());
      got.forEach((g, i) => assert.ok(Object.is(g, expected[i]), `${dtype} element ${i}: got ${g}, expected ${expected[i]}`));
      t.dispose();
    }
  }
});

test('a PyTorch batch-norm state dict (num_batches_tracked as I64) loads into BatchNorm1d', () => {
  const f = (...v) => new Uint8Array(new Float32Array(v).buffer);
  const i64 = new Uint8Array(8);
  new DataView(i64.buffer).setBigInt64(0, 42n, true);
  const parts = [['weight', f(1, 2)], ['bias', f(0.5, -0.5)], ['running_mean', f(0.1, 0.2)], ['running_var', f(1.5, 2.5)]];
  const header = {};
  let at = 0;
  for (const [k, d] of parts) {
    header[k] = { dtype: 'F32', shape: [2], data_offsets: [at, at + d.length] };
    at += d.length;
  }
  header.num_batches_tracked = { dtype: 'I64', shape: [], data_offsets: [at, at + 8] };
  const data = new Uint8Array(at + 8);
  let p = 0;
  for (const [, d] of parts) { data.set(d, p); p += d.length; }
  data.set(i64, p);
  const bn = new sg.nn.BatchNorm1d(2);
  try {
    const loaded = sg.load(fileOf(header, data));
    bn.loadStateDict(loaded);
    for (const t of loaded.values()) t.dispose();
    assert.is(bn.numBatchesTracked.item(), 42);
    assertClose(bn.runningVar.toArray(), [1.5, 2.5], { atol: 0, rtol: 0 });
    bn.eval();
    // eval: (x - mean) / sqrt(var + eps) * weight + bias
    const y = bn.call(sg.tensor([[1, 1]]));
    assertClose(y.toArray(), [(1 - 0.1) / Math.sqrt(1.5 + 1e-5) * 1 + 0.5, (1 - 0.2) / Math.sqrt(2.5 + 1e-5) * 2 - 0.5], { rtol: 1e-6 });
    y.dispose();
  } finally {
    bn.dispose();
  }
});

test('model state dict through save/load into a fresh model', () => {
  const a = new sg.nn.Sequential(new sg.nn.Linear(3, 4), new sg.nn.BatchNorm1d(4));
  const b = new sg.nn.Sequential(new sg.nn.Linear(3, 4), new sg.nn.BatchNorm1d(4));
  try {
    a.call(sg.randn([8, 3]));
    const bytes = sg.save(a.stateDict());
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
    assert.ok(header.includes('"1.running_var"') && header.includes('"1.num_batches_tracked"'));
    b.loadStateDict(sg.load(bytes));
    for (const [k, t] of a.stateDict()) assertClose(b.stateDict().get(k).toArray(), t.toArray(), { atol: 0, rtol: 0, what: k });
  } finally {
    a.dispose();
    b.dispose();
  }
});
test.run();
