// Kernel variants: 'simd' everywhere, 'relaxed-simd' (fused multiply-add in
// the GEMM) where the runtime validates it. The two agree within float32
// rounding: |relaxed - plain| <= 2 k eps sum_k |a b| per element (both are
// float32 sums of k products in the same order; fusing drops one rounding per step).
import * as assert from 'uvu/assert';
import { suite, sg, rng, assertThrows } from '../helpers/harness.mjs';

const test = suite('variants');

/** Runs fn under `variant`, restoring the previous one. */
function under(variant, fn) {
  const previous = sg.useVariant(variant);
  try {
    return fn();
  } finally {
    sg.useVariant(previous);
  }
}

/** Whether this runtime runs relaxed SIMD (probing through useVariant). */
function relaxedAvailable() {
  try {
    under('relaxed-simd', () => {});
    return true;
  } catch {
    return false;
  }
}

test('wasmVariant names the variant in use; useVariant switches and returns the previous one', () => {
  const start = sg.wasmVariant();
  assert.ok(start === 'simd' || start === 'relaxed-simd', `unexpected variant ${start}`);
  assert.is(sg.useVariant('simd'), start);
  assert.is(sg.wasmVariant(), 'simd');
  // tensors made before a switch stay valid after it (one shared memory)
  const x = sg.tensor([1, 2, 3]);
  sg.useVariant(start);
  assert.equal(Array.from(x.mul(2).toArray()), [2, 4, 6]);
  assert.is(sg.wasmVariant(), start);
});

test('useVariant refuses unknown names and variants the runtime cannot validate', () => {
  assertThrows(() => sg.useVariant('avx512'), 'useVariant', 'unknown variant', "'simd'", "'relaxed-simd'");
  const before = sg.wasmVariant();
  if (!relaxedAvailable()) {
    assertThrows(() => sg.useVariant('relaxed-simd'), 'useVariant', 'cannot run', 'relaxed-simd');
    assert.is(sg.wasmVariant(), before);
    console.log('  (variants: relaxed SIMD is not available in this runtime; the agreement test is skipped)');
  } else {
    assert.is(sg.wasmVariant(), before);
  }
});

test('relaxed and plain GEMM agree within 2 k eps sum|a b| (where relaxed SIMD is available)', () => {
  if (!relaxedAvailable()) {
    console.log('  (variants: skipped, relaxed SIMD not available here)');
    assert.ok(true);
    return;
  }
  const r = rng(11);
  for (const [m, n, k] of [[37, 29, 53], [64, 72, 300], [5, 1030, 9]]) {
    const A = Float32Array.from(r.array(m * k)), B = Float32Array.from(r.array(k * n));
    const a = sg.tensor(A, { shape: [m, k] }), b = sg.tensor(B, { shape: [k, n] });
    const plain = under('simd', () => sg.matmul(a, b).toArray());
    const fused = under('relaxed-simd', () => sg.matmul(a, b).toArray());
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += Math.abs(A[i * k + q] * B[q * n + j]);
      const bound = 2 * k * 2 ** -23 * s;
      const d = Math.abs(plain[i * n + j] - fused[i * n + j]);
      if (!(d <= bound)) throw new Error(`${m}x${n}x${k} [${i}, ${j}]: plain ${plain[i * n + j]} vs relaxed ${fused[i * n + j]} differ by ${d} > ${bound}`);
    }
  }
});

test.run();
