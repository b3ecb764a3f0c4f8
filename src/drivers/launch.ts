/**
 * Kernel launch over a strided index space. Kernels take at most four dims;
 * the shape is collapsed first (see collapse), and if more than four dims
 * remain, the leading ones are walked here and the kernel covers the last
 * four per call.
 */
import { collapse, type Shape } from '../shape';
import { ELEMENT_WORK, parallelFor } from '../runtime/parallel';
import type { Kernels } from '../runtime/kernels.generated';

export type Block = (dims: [number, number, number, number], offsets: number[], strides: number[][]) => void;

/**
 * The collapsed shape (c, nd dims) as blocks of its last four dims (dims,
 * left-padded with pad ones; inner: each operand's strides there) under the
 * walked dims before them (outer); null when the shape is empty.
 */
function blockLayout(shape: Shape, strides: readonly Shape[]) {
  const c = collapse(shape, strides);
  const nd = c.shape.length;
  if (c.shape.some((d) => d === 0)) return null;
  const pad = Math.max(0, 4 - nd);
  const dims = [...new Array<number>(pad).fill(1), ...c.shape.slice(Math.max(0, nd - 4))] as [number, number, number, number];
  const inner = c.strides.map((s) => [...new Array<number>(pad).fill(0), ...s.slice(Math.max(0, nd - 4))]);
  const outer = c.shape.slice(0, Math.max(0, nd - 4));
  return { c, nd, pad, dims, inner, outer };
}

/**
 * Calls `block` once per 4-d block of `shape`, with each operand's element
 * offset for the block and its four strides (operands: one strides array each).
 */
export function forBlocks(shape: Shape, strides: readonly Shape[], block: Block): void {
  const layout = blockLayout(shape, strides);
  if (layout === null) return;
  const { c, dims, inner, outer } = layout;
  const offsets = strides.map(() => 0);
  if (outer.length === 0) {
    block(dims, offsets, inner);
    return;
  }
  const idx = new Array<number>(outer.length).fill(0);
  for (;;) {
    for (let k = 0; k < strides.length; k++) {
      let o = 0;
      for (let d = 0; d < outer.length; d++) o += idx[d] * c.strides[k][d];
      offsets[k] = o;
    }
    block(dims, offsets, inner);
    let d = outer.length - 1;
    while (d >= 0 && ++idx[d] === outer[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}

/** A block of forBlocksSplit: forBlocks' arguments with the kernels of the thread that runs it. */
export type ThreadBlock = (k: Kernels, dims: [number, number, number, number], offsets: number[], strides: number[][]) => void;

/**
 * forBlocks with the work split across threads, for kernels that write each
 * output element once from its own inputs (copies, broadcasts, elementwise
 * ops), so any split gives the same bits. The items are the blocks' rows
 * along their leading dim of the collapsed shape (the walked dims times it);
 * each thread runs a contiguous range of them as sub-blocks, so the calls
 * stay few and long. Small shapes (less work than a thread's start costs)
 * run on the calling thread.
 */
export function forBlocksSplit(shape: Shape, strides: readonly Shape[], block: ThreadBlock): void {
  const layout = blockLayout(shape, strides);
  if (layout === null) return;
  const { c, nd, pad, dims, inner, outer } = layout;
  if (nd <= 1) {
    // one run (or one element, rank 0): pieces of SPLIT_ROW elements
    const n = dims[3];
    parallelFor(Math.ceil(n / SPLIT_ROW), n * ELEMENT_WORK, (k, lo, hi) => {
      const start = lo * SPLIT_ROW;
      block(k, [1, 1, 1, Math.min(hi * SPLIT_ROW, n) - start], c.strides.map((st) => (nd === 0 ? 0 : start * st[0])), inner);
    });
    return;
  }
  // the rows along the block's leading dim (the first of the collapsed shape's last four)
  const lead = pad;
  const rows = dims[lead], perRow = dims.reduce((a, b) => a * b, 1) / rows;
  const blocks = outer.reduce((a, b) => a * b, 1);
  parallelFor(blocks * rows, blocks * rows * perRow * ELEMENT_WORK, (k, lo, hi) => {
    for (let i = lo; i < hi; ) {
      const b = Math.floor(i / rows), r = i % rows, run = Math.min(hi - i, rows - r);
      const offsets = c.strides.map((s, op) => {
        let o = r * inner[op][lead];
        for (let d = outer.length - 1, q = b; d >= 0; d--) {
          o += (q % outer[d]) * s[d];
          q = Math.floor(q / outer[d]);
        }
        return o;
      });
      const sub = [...dims] as [number, number, number, number];
      sub[lead] = run;
      block(k, sub, offsets, inner);
      i += run;
    }
  });
}

/** Elements per piece when forBlocksSplit cuts one contiguous run. */
const SPLIT_ROW = 16384;
