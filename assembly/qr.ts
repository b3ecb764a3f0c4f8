// Orthonormalisation for orthogonal initialisation.

/**
 * Makes the k rows (length n, k <= n, row-major at p) orthonormal in place by
 * modified Gram-Schmidt with one re-orthogonalisation pass ("twice is
 * enough"), dot products and norms accumulated in f64 in index order. The
 * result equals the Q factor of a QR decomposition of the transposed matrix
 * with a positive diagonal of R, i.e. Householder QR followed by PyTorch's
 * sign correction Q diag(sign(diag R)). A row that becomes zero stays zero.
 */
export function orthonormalize_rows_f32(k: usize, n: usize, p: usize): void {
  for (let j: usize = 0; j < k; j++) {
    const rj = p + ((j * n) << 2);
    for (let pass = 0; pass < 2; pass++) {
      for (let i: usize = 0; i < j; i++) {
        const ri = p + ((i * n) << 2);
        let dot: f64 = 0;
        for (let c: usize = 0; c < n; c++) dot += <f64>load<f32>(ri + (c << 2)) * <f64>load<f32>(rj + (c << 2));
        for (let c: usize = 0; c < n; c++) {
          store<f32>(rj + (c << 2), <f32>(<f64>load<f32>(rj + (c << 2)) - dot * <f64>load<f32>(ri + (c << 2))));
        }
      }
    }
    let sq: f64 = 0;
    for (let c: usize = 0; c < n; c++) {
      const v = <f64>load<f32>(rj + (c << 2));
      sq += v * v;
    }
    if (sq > 0) {
      const inv = 1 / Math.sqrt(sq);
      for (let c: usize = 0; c < n; c++) store<f32>(rj + (c << 2), <f32>(<f64>load<f32>(rj + (c << 2)) * inv));
    }
  }
}
