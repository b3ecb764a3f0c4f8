// Checks shared by the Winograd convolution suites: float32 error in units
// of the rounding of the absolute sum, and bit-identity over thread counts
// and batch splits.
import * as assert from 'uvu/assert';
import { atThreads } from './harness.mjs';
import { nd } from './ref.mjs';

const EPS32 = 2 ** -24;

/**
 * max |y - ref| / (EPS32 max |absRef|) over arrays: the error in units of the
 * float32 rounding of the largest absolute sum s = |b| + sum |w| |x| (so it
 * scales with the data, not with cancellation in y).
 */
export function errorUnits(y, ref, absRef) {
  assert.is(y.length, ref.length);
  let err = 0, scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(y[i] - ref[i]));
    scale = Math.max(scale, absRef[i]);
  }
  return err / (EPS32 * Math.max(scale, 1e-30));
}

/** |a| elementwise, for the absolute-sum references. */
export const absNd = (a) => nd(a.shape, a.data.map(Math.abs));

/**
 * run(n0, count) computes a batch's outputs (arrays) from images n0 ..
 * n0 + count of N; asserts every output is bit-identical at 1, 2 and 3
 * threads, and that each image alone gives its slice of the first
 * perImage.length outputs (perImage[i]: floats per image of output i).
 */
export function assertSplitInvariant(run, N, perImage) {
  const one = atThreads(1, () => run(0, N));
  for (const threads of [2, 3]) {
    const many = atThreads(threads, () => run(0, N));
    for (let i = 0; i < one.length; i++) assert.equal(Array.from(many[i]), Array.from(one[i]), `${threads} threads, output ${i}`);
  }
  for (let n = 0; n < N; n++) {
    const alone = run(n, 1);
    perImage.forEach((size, i) => assert.equal(Array.from(alone[i]), Array.from(one[i].subarray(n * size, (n + 1) * size)), `image ${n}, output ${i}`));
  }
}
