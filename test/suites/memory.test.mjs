// The heap: statistics, reuse, out-of-memory errors that leave the heap usable.
import * as assert from 'uvu/assert';
import { suite, sg, assertThrows } from '../helpers/harness.mjs';

const test = suite('memory');

test('memory() reports bytes in use, peak and live tensors', () => {
  const before = sg.memory();
  const x = sg.zeros([1000]);
  const mid = sg.memory();
  assert.ok(mid.bytesInUse - before.bytesInUse >= 4000);
  assert.is(mid.liveTensors, before.liveTensors + 1);
  assert.ok(mid.peakBytes >= mid.bytesInUse);
  x.dispose();
  assert.is(sg.memory().bytesInUse, before.bytesInUse);
});

test('size classes: a block of b bytes takes 64 bytes, or 2^e (1, 1.25, 1.5, 1.75) rounded up to 64', () => {
  const cls = (b) => {
    if (b <= 64) return 64;
    const e = Math.floor(Math.log2(b)), q = 2 ** e / 4;
    return Math.ceil((2 ** e + Math.ceil((b - 2 ** e) / q) * q) / 64) * 64;
  };
  const debug = sg.setHeapDebug(false);
  try {
    const floats = [1, 16, 17, 31, 32, 33, 100, 255, 256, 257, 320, 321, 1000, 4095, 4096, 4097, 5119, 5121, 6143, 7169, 65535, 81921, 1 << 20, (1 << 20) + 1, 3 << 20];
    for (const n of floats) {
      const before = sg.memory().bytesInUse;
      const t = sg.zeros([n]);
      assert.is(sg.memory().bytesInUse - before, cls(4 * n), `${n} floats (${4 * n} bytes)`);
      t.dispose();
    }
  } finally {
    sg.setHeapDebug(debug);
  }
});

test('asking past the limit gives a clear error and the heap stays usable', () => {
  const previous = sg.setMemoryLimit(64 * 2 ** 20);
  try {
    const err = assertThrows(() => sg.zeros([64 * 2 ** 20]), 'out of memory', 'asked for', 'in use', 'limit');
    assert.is(err.name, 'OutOfMemoryError');
    sg.checkHeap();
    const small = sg.ones([1024]);
    assert.is(small.sum().item(), 1024);
  } finally {
    sg.setMemoryLimit(previous);
  }
  assertThrows(() => sg.setMemoryLimit(-5), 'setMemoryLimit');
});

test('a backward that runs out of memory frees the gradients it held, and the heap stays usable', () => {
  // a size no other test leaves free blocks of, so the backward's buffers must grow the heap
  const N = 7 << 20;
  const before = sg.memory();
  for (const extra of [2, 6]) {
    // room for half (extra 2) or one and a half (extra 6) more N-float buffers: the backward fails at its first or second
    sg.scope(() => {
      const x = sg.randn([N], { requiresGrad: true });
      const y = x.exp().mul(3).sum();
      const previous = sg.setMemoryLimit(sg.memory().heapBytes - sg.memory().bytesFree + extra * N);
      try {
        assertThrows(() => y.backward(), 'out of memory');
      } finally {
        sg.setMemoryLimit(previous);
      }
    });
    const after = sg.memory();
    assert.is(after.liveTensors, before.liveTensors, `extra ${extra}: live tensors back to where they started`);
    assert.is(after.bytesInUse, before.bytesInUse, `extra ${extra}: bytes in use back to where they started`);
  }
  sg.checkHeap();
  const x = sg.randn([64], { requiresGrad: true });
  x.exp().sum().backward();
  assert.ok(x.grad !== null && x.grad.shape[0] === 64);
});

test('a training loop keeps a flat heap', () => {
  sg.manualSeed(1);
  const w1 = sg.randn([32, 16], { requiresGrad: true });
  const w2 = sg.randn([16, 4], { requiresGrad: true });
  const x = sg.randn([8, 32]);
  const step = () => sg.scope(() => {
    const loss = x.matmul(w1).relu().matmul(w2).logSoftmax(1).mean().neg();
    loss.backward();
    sg.noGrad(() => {
      w1.copy_(w1.sub(w1.grad.mul(0.01)));
      w2.copy_(w2.sub(w2.grad.mul(0.01)));
    });
    w1.grad.zero_();
    w2.grad.zero_();
  });
  for (let i = 0; i < 5; i++) step();
  const warm = sg.memory();
  for (let i = 0; i < 200; i++) step();
  const after = sg.memory();
  assert.is(after.bytesInUse, warm.bytesInUse);
  assert.is(after.liveTensors, warm.liveTensors);
  assert.is(after.heapBytes, warm.heapBytes);
});

test('freed blocks are reused', () => {
  const a = sg.zeros([5000]);
  const ptr = a.storage.ptr;
  a.dispose();
  const b = sg.zeros([5000]);
  assert.is(b.storage.ptr, ptr);
});

test('under a limit, adjacent freed blocks merge to serve a larger request', () => {
  const small = Array.from({ length: 48 }, () => sg.zeros([16384])); // 48 blocks of 64 KiB
  for (const t of small) t.dispose();
  const previous = sg.setMemoryLimit(sg.memory().heapBytes);
  try {
    // 2.5 MiB: no single freed block is that large, and the limit stops growth
    const big = sg.ones([655360]);
    assert.is(big.sum().item(), 655360);
    sg.checkHeap();
    big.dispose();
  } finally {
    sg.setMemoryLimit(previous);
  }
});

test('debug canaries catch a write past the end of a tensor', () => {
  const x = sg.zeros([10]);
  // a view reaching 6 floats past the block's data: what a kernel bug would write
  const past = x.viewOf([16], [1], 0);
  past.narrow(0, 10, 6).fill_(7);
  assertThrows(() => sg.checkHeap(), 'written past its end');
  // put the guard pattern back so the block can be released cleanly
  const pattern = new Float32Array(new Int32Array(6).fill(0xdeadbeef | 0).buffer);
  past.narrow(0, 10, 6).copy_(sg.tensor(pattern));
  sg.checkHeap();
});

test.run();
