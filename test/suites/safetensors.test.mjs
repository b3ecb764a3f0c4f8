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
  assertThrows(() => sg.load(fileOf({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, f32bytes(1, 2))), "dtype \"F64\"", 'only F32');
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
