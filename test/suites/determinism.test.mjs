// Fixed-seed computations whose bytes are hashed; test/run.mjs requires the
// same hash in every runtime that reports it. The matrix: a small computation
// and its gradient, and a 50-step training run, for each kernel variant the
// runtime supports (pinned), at 1 and 2 threads (which must agree here too).
import { suite, sg } from '../helpers/harness.mjs';

const test = suite('determinism');

/** FNV-1a over the bytes of float32 arrays. */
function fnv(...arrays) {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

test('seeded randn -> matmul -> tanh -> sum and its gradient hash identically', () => {
  // fused multiply-add results may differ between runtimes and CPUs: hash the plain SIMD kernels
  const previous = sg.useVariant('simd');
  try {
    hashSeededComputation();
  } finally {
    sg.useVariant(previous);
  }
});

function hashSeededComputation() {
  sg.manualSeed(1234);
  const a = sg.randn([37, 53], { requiresGrad: true });
  const b = sg.randn([53, 29]);
  const y = sg.matmul(a, b).tanh().exp().log().sigmoid().softmax(1).sum();
  y.backward();
  const h = fnv(a.toArray(), b.toArray(), y.toArray(), a.grad.toArray());
  globalThis.__sg.hashes['randn-matmul-tanh-grad'] = h;
  // the same seed reproduces the same numbers within a runtime too
  sg.manualSeed(1234);
  const again = sg.randn([37, 53]);
  if (fnv(again.toArray()) !== fnv(a.toArray())) throw new Error('manualSeed does not reproduce randn');
}

/** 50 SGD-momentum steps of a small CNN with batch norm and dropout; the hash of every weight after. */
function train50() {
  sg.manualSeed(42);
  const { nn, optim } = sg;
  const net = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Dropout2d(0.2),
    new nn.Flatten(),
    new nn.Linear(4 * 4 * 4, 16),
    new nn.Tanh(),
    new nn.Dropout(0.3),
    new nn.Linear(16, 3),
  );
  const opt = new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
  const x = sg.randn([12, 1, 8, 8]);
  const y = sg.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  for (let i = 0; i < 50; i++) {
    sg.scope(() => {
      opt.zeroGrad();
      const loss = sg.crossEntropy(net.forward(x), y);
      loss.backward();
      opt.step();
    });
  }
  const h = fnv(...[...net.stateDict().values()].map((t) => t.toArray()));
  opt.dispose();
  net.dispose();
  return h;
}

// relaxed-simd: Deno's GEMM runs the 4-row tile and Chromium's the 6-row one
// (src/runtime/gemm-kernel.ts), so matching hashes also show the tile height is exact
for (const variant of ['simd', 'relaxed-simd']) {
  test(`50 training steps hash identically across runtimes and thread counts (${variant})`, () => {
    let previous;
    try {
      previous = sg.useVariant(variant);
    } catch (e) {
      // this runtime cannot run the variant (Node 20 has no relaxed SIMD by default): nothing to hash
      if (variant === 'simd') throw e;
      return;
    }
    const threads = sg.getNumThreads();
    // split even this small work between threads, so the 2-thread run really is one
    const minWork = sg.setMinWorkPerThread(0);
    try {
      sg.setNumThreads(1);
      const one = train50();
      sg.setNumThreads(2);
      const two = train50();
      if (one !== two) throw new Error(`1 thread gives ${one}, 2 threads give ${two}`);
      globalThis.__sg.hashes[`train50-${variant}`] = one;
    } finally {
      sg.setNumThreads(threads);
      sg.setMinWorkPerThread(minWork);
      sg.useVariant(previous);
    }
  });
}

test.run();
