// Copies and fills of float runs. Engines run memory.copy and memory.fill as
// calls out of the module, which costs more than the work for the short runs
// of image rows, so runs below BULK floats are moved here in vector steps.
// Not exported from the module: kernels call them.

/** Runs from this many floats up go to memory.copy / memory.fill. */
// @ts-ignore: decorator
@inline const BULK: usize = 256;

/** dst[0..n) = src[0..n) (the runs must not overlap). */
// @ts-ignore: decorator
@inline export function copyF32(dst: usize, src: usize, n: usize): void {
  if (n >= BULK) {
    memory.copy(dst, src, n << 2);
    return;
  }
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (i << 2), v128.load(src + (i << 2)));
  for (; i < n; i++) store<f32>(dst + (i << 2), load<f32>(src + (i << 2)));
}

/** dst[0..n) = 0. */
// @ts-ignore: decorator
@inline export function zeroF32(dst: usize, n: usize): void {
  if (n >= BULK) {
    memory.fill(dst, 0, n << 2);
    return;
  }
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (i << 2), 0);
}
