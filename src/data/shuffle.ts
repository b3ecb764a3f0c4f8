/**
 * Seeded permutations for data order, from a generator of their own
 * (SplitMix32 over a 32-bit state) so data order never consumes or depends on
 * the engine's random stream: the same seed gives the same order for every
 * model trained on it.
 */

/** A uniform 32-bit integer stream from a seed (any integer). */
export function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A Fisher-Yates permutation of 0..n-1 determined by (seed, epoch). */
export function permutation(n: number, seed: number, epoch = 0): Int32Array {
  const next = splitmix32((seed ^ Math.imul(epoch + 1, 0x27d4eb2d)) >>> 0);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    // unbiased integer in [0, i] by rejection
    const bound = i + 1, limit = 2 ** 32 - (2 ** 32 % bound);
    let r = next();
    while (r >= limit) r = next();
    const j = r % bound;
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
