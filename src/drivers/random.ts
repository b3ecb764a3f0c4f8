/**
 * Random-number drivers (assembly/random.ts): counter-based Philox4x32-10
 * draws. A draw at position i of a stream depends only on the key and the
 * counter block i / 4, so the same bits come out in every runtime. The
 * stream's state (key, next counter) is kept by src/ops/random.ts.
 */
import type { Tensor } from '../tensor';
import { kernels } from '../runtime/engine';

/** What to draw: uniform in [lo, hi), normal (mean, std), or `value` with probability p (else 0). */
export type Distribution =
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'bernoulli'; p: number; value: number };

/** A stream position: the key (k0, k1) and the 64-bit counter of the first block (lo, hi words). */
export interface StreamAt {
  k0: number;
  k1: number;
  counter: number;
}

/** Fills the contiguous tensor t with draws of `dist` from the stream at `at`; uses ceil(n / 4) counter blocks. */
export function drawInto(t: Tensor, dist: Distribution, { k0, k1, counter }: StreamAt): void {
  const k = kernels(), n = t.numel();
  const lo = counter >>> 0, hi = Math.floor(counter / 2 ** 32) >>> 0;
  if (dist.kind === 'uniform') k.uniform_f32(n, t.ptr, k0, k1, lo, hi, dist.lo, dist.hi);
  else if (dist.kind === 'normal') k.normal_f32(n, t.ptr, k0, k1, lo, hi, dist.mean, dist.std);
  else k.bernoulli_f32(n, t.ptr, k0, k1, lo, hi, dist.p, dist.value);
}
