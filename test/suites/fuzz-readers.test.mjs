// Untrusted files: the safetensors and IDX readers under random truncations,
// bit flips, lying headers and huge declared sizes. Every outcome is either a
// valid result or an Error with a message (never a crash, a hang, a non-Error
// throw, or heap growth beyond the file's size); the heap stays intact.
import * as assert from 'uvu/assert';
import { suite, sg, rng } from '../helpers/harness.mjs';

const test = suite('fuzz: file readers');

const ROUNDS = 400;

function mutate(r, bytes) {
  const b = Uint8Array.from(bytes);
  switch (r.int(4)) {
    case 0: // truncate
      return b.slice(0, r.int(b.length));
    case 1: // flip bits
      for (let i = 0, n = 1 + r.int(4); i < n; i++) b[r.int(b.length)] ^= 1 << r.int(8);
      return b;
    case 2: // overwrite a run with random bytes
      for (let i = r.int(b.length), n = i + 1 + r.int(8); i < Math.min(n, b.length); i++) b[i] = r.int(256);
      return b;
    default: // extend with garbage
      return Uint8Array.from([...b, ...Array.from({ length: 1 + r.int(16) }, () => r.int(256))]);
  }
}

/** Runs read(bytes): a result or an Error with a message; heap bounded by the file size. */
function survive(read, bytes, label) {
  const before = sg.memory();
  let result;
  try {
    result = read(bytes);
  } catch (e) {
    if (!(e instanceof Error) || !e.message) throw new Error(`${label}: threw a non-Error or an empty message: ${String(e)}`);
    if (/memory access out of bounds|RuntimeError|unreachable/i.test(e.message)) throw new Error(`${label}: crashed: ${e.message}`);
  }
  const grown = sg.memory().bytesInUse - before.bytesInUse;
  if (grown > 2 * bytes.length + 4096) throw new Error(`${label}: allocated ${grown} bytes for a ${bytes.length}-byte file`);
  if (result instanceof Map) for (const t of result.values()) t.dispose();
  sg.checkHeap();
}

test(`safetensors: ${ROUNDS} mutated files are read or refused cleanly`, () => {
  const sd = new Map([
    ['layer.weight', sg.randn([3, 4])],
    ['layer.bias', sg.randn([4])],
    ['bn.runningVar', sg.ones([2])],
  ]);
  const good = sg.save(sd);
  const back = sg.load(good);
  assert.equal([...back.keys()].sort(), ['bn.runningVar', 'layer.bias', 'layer.weight']);
  for (const t of back.values()) t.dispose();
  const r = rng(11);
  for (let i = 0; i < ROUNDS; i++) survive(sg.load, mutate(r, good), `safetensors round ${i}`);
});

test('safetensors: lying headers (huge length, huge shape, offsets past the end) are refused', () => {
  const enc = (header, body = new Uint8Array(0), lengthOverride) => {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + body.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? json.length), true);
    out.set(json, 8);
    out.set(body, 8 + json.length);
    return out;
  };
  const cases = [
    enc({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8), 2 ** 40),
    enc({ a: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 8] } }, new Uint8Array(8)),
    enc({ a: { dtype: 'F32', shape: [2 ** 30], data_offsets: [0, 2 ** 32] } }, new Uint8Array(8)),
    enc({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, new Uint8Array(8)),
    enc({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, new Uint8Array(8)),
    enc({ a: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
    enc({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)),
    enc({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)),
    enc([1, 2, 3]),
  ];
  cases.forEach((bytes, i) => {
    let threw = false;
    try {
      const m = sg.load(bytes);
      for (const t of m.values()) t.dispose();
    } catch (e) {
      threw = e instanceof Error && e.message.length > 0;
    }
    assert.ok(threw, `lying header case ${i} was accepted`);
    sg.checkHeap();
  });
});

test(`IDX: ${ROUNDS} mutated files are parsed or refused cleanly`, () => {
  const labels = sg.data.encodeIdx({ dtype: 'uint8', shape: [10], data: Uint8Array.from({ length: 10 }, (_, i) => i) });
  const images = sg.data.encodeIdx({ dtype: 'uint8', shape: [3, 4, 4], data: new Uint8Array(48).fill(7) });
  const r = rng(12);
  for (let i = 0; i < ROUNDS; i++) {
    survive((b) => sg.data.parseIdx(b), mutate(r, i % 2 ? labels : images), `idx round ${i}`);
  }
  // a header declaring 2^31 x 2^31 items in a 20-byte file
  const lying = new Uint8Array([0, 0, 8, 2, 0x80, 0, 0, 0, 0x80, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  let message = '';
  try { sg.data.parseIdx(lying); } catch (e) { message = e.message; }
  assert.ok(message.length > 0, 'a lying IDX header was accepted');
});

test.run();
