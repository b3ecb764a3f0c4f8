// Layout constants shared by the Winograd kernels (winograd.ts, winograd-wgrad.ts).
// Not exported from the module.

/**
 * Floats added after each of the 16 positions' slabs of transformed tiles:
 * slabs a multiple of 4 KiB apart map to the same L1 cache sets, and a
 * transform writes (or reads) all 16 at once.
 */
// @ts-ignore: decorator
@inline export const XI_PAD: usize = 16;
