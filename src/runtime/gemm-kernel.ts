/**
 * The GEMM variant for this runtime: which register tile's kernel
 * (assembly/gemm.ts) and which cache blocks. A runtime decision, made here
 * once per call from the kernel variant in use and the engine:
 *   relaxed SIMD, bounds checked by guard pages (Node, Chromium, ...): 6x8
 *   relaxed SIMD under Deno (V8 without the trap handler checks every load
 *   in software, so the tile with fewer loads wins): 4x8
 *   plain SIMD (mul then add; six rows would spill registers): 4x8
 * Results do not depend on the choice: every C element is one accumulator
 * over k in order in both tiles.
 */
import { wasmVariant } from './engine';

/** The GEMM kernels, named by their register tile. */
export type GemmKernel = 'gemm_4x8_f32' | 'gemm_6x8_f32';

/**
 * Cache blocks: mc, rows of A per packed block (a multiple of both tile
 * heights); kc, depth; nc, columns of B per packed block (a multiple of 8).
 */
export const GEMM_BLOCKS = { mc: 72, kc: 256, nc: 1024 } as const;

const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;

/** The GEMM kernel for the variant in use. */
export function gemmKernel(): GemmKernel {
  return wasmVariant() === 'relaxed-simd' && !isDeno ? 'gemm_6x8_f32' : 'gemm_4x8_f32';
}
