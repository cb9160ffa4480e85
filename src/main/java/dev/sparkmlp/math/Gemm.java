package dev.sparkmlp.math;

/**
 * Single-precision general matrix multiply on row-major arrays.
 *
 * <pre>
 * C := alpha * op(A) * op(B) + beta * C
 * op(A) is m x k, op(B) is k x n, C is m x n.
 * op(X) = X when trans is false, X^T when true.
 * Element (i, j) of a row-major matrix X with leading dimension ld is X[off + i * ld + j].
 * </pre>
 *
 * A and B are not modified. C is modified. When beta is 0, C is not read (NaN in C is overwritten).
 */
public final class Gemm {
  private Gemm() {}

  public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    naive(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  /** Reference triple loop, accumulating in double. Same contract as {@link #gemm}. */
  public static void naive(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
          s += (double) av * bv;
        }
        int ci = cOff + i * ldc + j;
        c[ci] = beta == 0f ? (float) (alpha * s) : (float) (alpha * s + beta * c[ci]);
      }
    }
  }
}
