/**
 * The GEMM driver: C = [C +] [bias +] A B over strided operands, split over
 * threads, with per-thread packing scratch. The kernel (its register tile)
 * and the cache blocks are the runtime's choice (src/runtime/gemm-kernel.ts).
 * No autograd, no argument checks (src/ops/matmul.ts does those).
 */
import { heap } from '../runtime/engine';
import { parallelFor } from '../runtime/parallel';
import { GEMM_BLOCKS, gemmKernel } from '../runtime/gemm-kernel';

/**
 * Rows per unit of the thread split: whole strips of the 4-row tile. The
 * 6-row tile's thread block may then end in one partial strip (at most a few
 * % of its work); 12 would avoid that but stop small products (M < 12) from
 * splitting at all.
 */
const SPLIT_ROWS = 4;

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m;

/** Bytes of packing scratch the GEMM kernels need for an M x N x K product (see assembly/gemm.ts). */
export function gemmScratchBytes(M: number, N: number, K: number): number {
  const kc = Math.max(1, Math.min(GEMM_BLOCKS.kc, K));
  const nc = Math.min(GEMM_BLOCKS.nc, N), mc = Math.min(GEMM_BLOCKS.mc, M);
  return 4 * (kc * roundUp(nc, 8) + (mc + 8) * kc + 64);
}

/** A matrix operand: byte offset of [0, 0] and element strides of its two dims. */
export interface MatrixRef {
  ptr: number;
  s0: number;
  s1: number;
}

/**
 * C (M x N at cp, row stride ldc) = [C +] [bias +] A B with one scratch
 * block per thread from the heap, freed after. Threads split the rows of C
 * into one block of whole SPLIT_ROWS-row units each (each block packs its own
 * B panels, so more pieces would pack them more often: 4 per thread made
 * the 1024 product 5-10% slower at 2 threads); every C element is still one
 * accumulator over k in order, so the result does not depend on the thread
 * count.
 */
export function gemm(M: number, N: number, K: number, a: MatrixRef, b: MatrixRef, cp: number, ldc: number, opts: { biasPtr?: number; accumulate?: boolean } = {}): void {
  if (M === 0 || N === 0) return;
  const h = heap();
  const kernel = gemmKernel();
  const { mc, kc, nc } = GEMM_BLOCKS;
  const scratch: number[] = [];
  try {
    parallelFor(Math.ceil(M / SPLIT_ROWS), M * N * K, (k, lo, hi) => {
      const r0 = lo * SPLIT_ROWS, rows = Math.min(M, hi * SPLIT_ROWS) - r0;
      const s = h.alloc(gemmScratchBytes(rows, N, K));
      scratch.push(s);
      k[kernel](rows, N, K, a.ptr + r0 * a.s0 * 4, a.s0, a.s1, b.ptr, b.s0, b.s1, cp + r0 * ldc * 4, ldc, opts.biasPtr ?? 0, opts.accumulate ? 1 : 0, s, mc, kc, nc);
    }, 1);
  } finally {
    for (const s of scratch) h.release(s);
  }
}
