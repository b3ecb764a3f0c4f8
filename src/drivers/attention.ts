/**
 * Attention drivers: scaled dot-product attention over contiguous
 * (batch..., L, E), (batch..., S, E), (batch..., S, Ev) tensors, a float mask
 * viewed as (batch..., L, S) through any strides (0 where it broadcasts) and a
 * contiguous scaled keep-mask, in blocks of query rows: per block the GEMM
 * kernel writes the raw scores Q_blk K^T into a (block rows) x S
 * scratch, assembly/attention.ts turns them into probabilities (keeping each
 * row's log-sum-exp for the backward), and the GEMM kernel multiplies them by
 * V. The backward recomputes each block's probabilities from lse and runs
 *   dP = G_blk V^T,  dS = P o (dP - rowsum(G o O)),  dV += (P o drop)^T G_blk,
 *   dQ_blk = scale dS K,  dK += scale dS^T Q_blk
 * as GEMMs around one row kernel. The score matrix never exceeds a block.
 * Threads split the forward over (slice, row block) items and the backward
 * over (batch, head) slices, whose dK and dV sum the row blocks in order: the
 * same bits for any thread count. No autograd, no argument checks.
 */
import { Tensor } from '../tensor';
import { heap } from '../runtime/engine';
import { parallelFor } from '../runtime/parallel';
import type { Kernels } from '../runtime/kernels.generated';
import { GEMM_BLOCKS, gemmKernel } from '../runtime/gemm-kernel';
import { gemmScratchBytes, type MatrixRef } from './gemm';

/**
 * Query rows per block of the forward: its scores scratch is ROW_BLOCK x S
 * floats per thread, and each block repacks K and V for the GEMM (larger
 * blocks repack less often; 32 to 128 measured alike at L = S = 128).
 */
const ROW_BLOCK = 64;
/**
 * Query rows per block of the backward (two BACKWARD_ROW_BLOCK x S scratch
 * blocks per thread): dK and dV are GEMMs over this depth, accumulated once
 * per block, so deeper blocks run them faster (at L = S = 128, 1 thread:
 * 32 rows 20% slower than 64, 64 about 10% slower than 128).
 */
const BACKWARD_ROW_BLOCK = 128;

/** Sizes and settings of one attention call: batch dims, L queries, S keys, widths E and Ev. */
export interface AttentionShape {
  batch: readonly number[]; L: number; S: number; E: number; Ev: number;
  causal: boolean; scale: number;
}

/** The inputs both passes read: contiguous q, k, v, the mask view (batch..., L, S) or null, the keep-mask (batch..., L, S) or null. */
export interface AttentionInputs {
  q: Tensor; k: Tensor; v: Tensor; mask: Tensor | null; drop: Tensor | null;
}

/** Per slice: byte offsets of q, k, v and the keep-mask, and the kernel's mask arguments [pointer, row stride, column stride]. */
function slices(s: AttentionShape, x: AttentionInputs) {
  const { batch, L, S, E, Ev } = s;
  const nb = batch.length;
  const ms = x.mask?.strides ?? [];
  const maskAt = (bh: number): [number, number, number] => {
    if (x.mask === null) return [0, 0, 0];
    let off = 0, rest = bh;
    for (let d = nb - 1; d >= 0; d--) {
      off += (rest % batch[d]!) * ms[d]!;
      rest = Math.floor(rest / batch[d]!);
    }
    return [x.mask.ptr + off * 4, ms[nb]!, ms[nb + 1]!];
  };
  return {
    q: (bh: number) => x.q.ptr + bh * L * E * 4,
    k: (bh: number) => x.k.ptr + bh * S * E * 4,
    v: (bh: number) => x.v.ptr + bh * S * Ev * 4,
    mask: maskAt,
    drop: (bh: number): number => (x.drop === null ? 0 : x.drop.ptr + bh * L * S * 4),
    work: L * Math.max(S, 1) * (E + Ev + 8),
  };
}

const count = (batch: readonly number[]): number => batch.reduce((a, b) => a * b, 1);

/** A row-major matrix at ptr with row stride ld, or its transpose. */
const rows = (ptr: number, ld: number): MatrixRef => ({ ptr, s0: ld, s1: 1 });
const cols = (ptr: number, ld: number): MatrixRef => ({ ptr, s0: 1, s1: ld });

/**
 * One thread's scratch (score blocks, GEMM packing) from the heap, freed by
 * release(); gemm(k, ...) runs the GEMM kernel on this thread (C = [C +] A B).
 */
function lane(blocks: number, rowBlock: number, S: number, shapes: readonly (readonly [number, number, number])[]) {
  const h = heap();
  const kernel = gemmKernel();
  const { mc, kc, nc } = GEMM_BLOCKS;
  const score = h.alloc(4 * blocks * rowBlock * Math.max(S, 1));
  const pack = h.alloc(Math.max(...shapes.map(([m, n, kk]) => gemmScratchBytes(m, n, kk))));
  return {
    score: (b: number) => score + 4 * b * rowBlock * S,
    gemm(k: Kernels, M: number, N: number, K: number, a: MatrixRef, b: MatrixRef, cp: number, ldc: number, accumulate = false): void {
      if (M > 0 && N > 0) k[kernel](M, N, K, a.ptr, a.s0, a.s1, b.ptr, b.s0, b.s1, cp, ldc, 0, accumulate ? 1 : 0, pack, mc, kc, nc);
    },
    release(): void {
      h.release(pack);
      h.release(score);
    },
  };
}

/** out (batch..., L, Ev) and lse (batch..., L): the attention and each query row's log-sum-exp of its scores. */
export function attentionForward(s: AttentionShape, x: AttentionInputs, out: Tensor, lse: Tensor): void {
  const { L, S, E, Ev } = s;
  const BH = count(s.batch), nb = Math.ceil(L / ROW_BLOCK);
  const at = slices(s, x);
  const lanes: ReturnType<typeof lane>[] = [];
  const R = Math.min(ROW_BLOCK, L);
  try {
    parallelFor(BH * nb, BH * at.work, (k, lo, hi) => {
      const t = lane(1, ROW_BLOCK, S, [[R, S, E], [R, Ev, S]]);
      lanes.push(t);
      const sp = t.score(0);
      for (let item = lo; item < hi; item++) {
        const bh = Math.floor(item / nb), r0 = (item % nb) * ROW_BLOCK, n = Math.min(L, r0 + ROW_BLOCK) - r0;
        t.gemm(k, n, S, E, rows(at.q(bh) + r0 * E * 4, E), cols(at.k(bh), E), sp, S);
        k.attention_probs_f32(n, S, r0, sp, ...at.mask(bh), at.drop(bh), s.causal ? 1 : 0, s.scale, lse.ptr + bh * L * 4, 1);
        t.gemm(k, n, Ev, S, rows(sp, S), rows(at.v(bh), Ev), out.ptr + (bh * L + r0) * Ev * 4, Ev);
      }
    });
  } finally {
    for (const t of lanes) t.release();
  }
}

/**
 * The gradients dq, dk, dv (shaped as q, k, v; overwritten) and, when dmask
 * is given, the gradient of the scores (batch..., L, S), from the forward's
 * out and lse and out's gradient g (contiguous).
 */
export function attentionBackward(
  s: AttentionShape, x: AttentionInputs, out: Tensor, lse: Tensor, g: Tensor, dq: Tensor, dk: Tensor, dv: Tensor, dmask: Tensor | null,
): void {
  const { L, S, E, Ev } = s;
  const BH = count(s.batch);
  const at = slices(s, x);
  const lanes: ReturnType<typeof lane>[] = [];
  const R = Math.min(BACKWARD_ROW_BLOCK, L);
  // L = 0 still runs one (empty) block: its dK and dV products write zeros
  const nb = Math.max(1, Math.ceil(L / BACKWARD_ROW_BLOCK));
  try {
    parallelFor(BH, 2 * BH * at.work, (k, lo, hi) => {
      const t = lane(2, BACKWARD_ROW_BLOCK, S, [[R, S, E], [R, S, Ev], [S, Ev, R], [R, E, S], [S, E, R]]);
      lanes.push(t);
      const sp = t.score(0), dsp = t.score(1);
      for (let bh = lo; bh < hi; bh++) {
        const qp = at.q(bh), kp = at.k(bh), vp = at.v(bh);
        const op = out.ptr + bh * L * Ev * 4, gp = g.ptr + bh * L * Ev * 4;
        const dkp = dk.ptr + bh * S * E * 4, dvp = dv.ptr + bh * S * Ev * 4;
        for (let b = 0; b < nb; b++) {
          const r0 = b * BACKWARD_ROW_BLOCK, n = Math.min(L, r0 + BACKWARD_ROW_BLOCK) - r0;
          const qb = qp + r0 * E * 4, gb = gp + r0 * Ev * 4;
          t.gemm(k, n, S, E, rows(qb, E), cols(kp, E), sp, S);
          k.attention_probs_f32(n, S, r0, sp, ...at.mask(bh), 0, s.causal ? 1 : 0, s.scale, lse.ptr + bh * L * 4, 0);
          t.gemm(k, n, S, Ev, rows(gb, Ev), cols(vp, Ev), dsp, S);
          k.attention_dscores_f32(n, S, Ev, r0, sp, dsp, at.drop(bh), op, gp, s.scale, dmask === null ? 0 : dmask.ptr + bh * L * S * 4);
          t.gemm(k, S, Ev, n, cols(sp, S), rows(gb, Ev), dvp, Ev, b > 0);
          t.gemm(k, n, E, S, rows(dsp, S), rows(kp, E), dq.ptr + (bh * L + r0) * E * 4, E);
          t.gemm(k, S, E, n, cols(dsp, S), rows(qb, E), dkp, E, b > 0);
        }
      }
    });
  } finally {
    for (const t of lanes) t.release();
  }
}
