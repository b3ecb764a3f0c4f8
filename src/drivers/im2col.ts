/**
 * Sliding-block drivers (the im2col / col2im kernels of assembly/conv.ts)
 * behind unfold and fold: images [N, C, H, W] <-> columns [N, C kh kw, L]
 * with L = OH OW block positions. Threads split the images, so any split
 * gives the same bits. No autograd, no argument checks (src/ops/vision.ts).
 */
import { Tensor } from '../tensor';
import { ELEMENT_WORK, parallelFor } from '../runtime/parallel';
import { filled, materialize, produce } from './copy';

/** Block geometry: kernel, dilation, padding, stride, image and output sizes. */
export interface Blocks {
  kh: number; kw: number; dh: number; dw: number; ph: number; pw: number; sh: number; sw: number;
  H: number; W: number; OH: number; OW: number;
}

/**
 * im2col (toCols: images [N, C, H, W] to a new [N, C kh kw, L]) or col2im
 * (columns to a new zero-initialised image tensor, overlapping blocks summed).
 */
export function im2col(b: Blocks, C: number, N: number, src: Tensor, toCols: boolean): Tensor {
  const L = b.OH * b.OW, K = C * b.kh * b.kw, HW = b.H * b.W;
  const { t, owned } = materialize(src);
  try {
    return produce(toCols ? Tensor.empty([N, K, L]) : filled([N, C, b.H, b.W], 0), (out) =>
      parallelFor(N, N * K * L * ELEMENT_WORK, (k, lo, hi) => {
        for (let n = lo; n < hi; n++) {
          if (toCols) k.conv_im2col_f32(C, b.H, b.W, b.kh, b.kw, b.sh, b.sw, b.ph, b.pw, b.dh, b.dw, b.OH, b.OW, t.ptr + n * C * HW * 4, out.ptr + n * K * L * 4, L);
          else k.conv_col2im_add_f32(C, b.H, b.W, b.kh, b.kw, b.sh, b.sw, b.ph, b.pw, b.dh, b.dw, b.OH, b.OW, t.ptr + n * K * L * 4, L, out.ptr + n * C * HW * 4);
        }
      }));
  } finally {
    if (owned) t.dispose();
  }
}
