// Matrix multiply C (+)= A B for row-major C with leading dimension ldc, and
// A, B addressed through element strides, so a transposed operand is just a
// different pair of strides.

/**
 * C[i, j] = beta C[i, j] + sum_k A[i, k] B[k, j], with A[i, k] at
 * a + (i sa0 + k sa1) and B[k, j] at b + (k sb0 + j sb1); beta is 0 or 1.
 * The sum over k always runs in increasing k, in one accumulator per element.
 */
export function gemm_f32(
  M: usize, N: usize, K: usize,
  ap: usize, sa0: usize, sa1: usize,
  bp: usize, sb0: usize, sb1: usize,
  cp: usize, ldc: usize, beta: f32,
): void {
  if (sb1 == 1) {
    // B rows contiguous: broadcast A[i, k] against a vector of B[k, j..j+3]
    for (let i: usize = 0; i < M; i++) {
      const crow = cp + ((i * ldc) << 2);
      let j: usize = 0;
      for (; j + 8 <= N; j += 8) {
        let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
        if (beta != 0) { c0 = v128.load(crow + (j << 2)); c1 = v128.load(crow + (j << 2), 16); }
        for (let k: usize = 0; k < K; k++) {
          const a = f32x4.splat(load<f32>(ap + ((i * sa0 + k * sa1) << 2)));
          const brow = bp + ((k * sb0 + j) << 2);
          c0 = f32x4.add(c0, f32x4.mul(a, v128.load(brow)));
          c1 = f32x4.add(c1, f32x4.mul(a, v128.load(brow, 16)));
        }
        v128.store(crow + (j << 2), c0);
        v128.store(crow + (j << 2), c1, 16);
      }
      for (; j < N; j++) {
        let c = beta != 0 ? load<f32>(crow + (j << 2)) : <f32>0;
        for (let k: usize = 0; k < K; k++) c += load<f32>(ap + ((i * sa0 + k * sa1) << 2)) * load<f32>(bp + ((k * sb0 + j) << 2));
        store<f32>(crow + (j << 2), c);
      }
    }
    return;
  }
  // general strides, one element at a time
  for (let i: usize = 0; i < M; i++) {
    for (let j: usize = 0; j < N; j++) {
      let c = beta != 0 ? load<f32>(cp + ((i * ldc + j) << 2)) : <f32>0;
      for (let k: usize = 0; k < K; k++) c += load<f32>(ap + ((i * sa0 + k * sa1) << 2)) * load<f32>(bp + ((k * sb0 + j * sb1) << 2));
      store<f32>(cp + ((i * ldc + j) << 2), c);
    }
  }
}
