/**
 * Kernel launch over a strided index space. Kernels take at most four dims;
 * the shape is collapsed first (see collapse), and if more than four dims
 * remain, the leading ones are walked here and the kernel covers the last
 * four per call.
 */
import { collapse, type Shape } from '../shape';

export type Block = (dims: [number, number, number, number], offsets: number[], strides: number[][]) => void;

/**
 * Calls `block` once per 4-d block of `shape`, with each operand's element
 * offset for the block and its four strides (operands: one strides array each).
 */
export function forBlocks(shape: Shape, strides: readonly Shape[], block: Block): void {
  const c = collapse(shape, strides);
  const nd = c.shape.length;
  if (c.shape.some((d) => d === 0)) return;
  const pad = Math.max(0, 4 - nd);
  const dims = [...new Array<number>(pad).fill(1), ...c.shape.slice(Math.max(0, nd - 4))] as [number, number, number, number];
  const inner = c.strides.map((s) => [...new Array<number>(pad).fill(0), ...s.slice(Math.max(0, nd - 4))]);
  const outer = c.shape.slice(0, Math.max(0, nd - 4));
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
