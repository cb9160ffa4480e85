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
 * When alpha is 0 or k is 0, A and B are not read (as in BLAS).
 *
 * <p>The work is done by one of three implementations, chosen once per JVM:
 * <ul>
 *   <li>{@code vector}: cache blocking, a packed B and a register-tiled Vector API micro-kernel
 *       ({@link GemmVector}), when the jdk.incubator.vector module is present;
 *   <li>{@code scalar}: a blocked plain-Java loop that C2 auto-vectorises ({@link GemmScalar});
 *   <li>{@code naive}: the reference triple loop {@link #naive}.
 * </ul>
 * Products of at most 64 multiply-adds always take the triple loop. The system property
 * {@code sparkmlp.gemm=scalar} or {@code =naive} forces the slower paths, for tests and
 * benchmarks, and {@code sparkmlp.gemm.mr=4}, {@code =6} or {@code =8} the rows of the vector
 * path's register tile (by default 6 with 256-bit vectors, 8 with 512-bit ones). Every path is
 * thread-safe: scratch buffers are per thread.
 */
public final class Gemm {
  private Gemm() {}

  private static final int NAIVE = 0;
  private static final int SCALAR = 1;
  private static final int VECTOR = 2;
  private static final int IMPL = chooseImplementation();

  /**
   * Up to this many multiply-adds (4 x 4 x 4), the triple loop beats both blocked paths, whose
   * set-up (thread-local buffers, packing B) costs more than the product.
   */
  private static final long TINY = 64;

  private static int chooseImplementation() {
    String forced = System.getProperty("sparkmlp.gemm", "");
    if (forced.equals("naive")) return NAIVE;
    if (forced.equals("scalar")) return SCALAR;
    if (!forced.isEmpty() && !forced.equals("vector")) {
      throw new IllegalStateException(
          "system property sparkmlp.gemm must be vector, scalar or naive, not '" + forced + "'");
    }
    // Look the module up before touching GemmVector, whose linking would fail without it.
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? VECTOR : SCALAR;
  }

  /**
   * The implementation in use, for logs: {@code "vector (256-bit, 6x16 tile)"} and the like,
   * {@code "scalar"} or {@code "naive"}.
   */
  public static String implementation() {
    switch (IMPL) {
      case VECTOR:
        return "vector (" + GemmVector.SPECIES.vectorBitSize() + "-bit, " + GemmVector.MR + "x"
            + GemmVector.NR + " tile)";
      case SCALAR:
        return "scalar";
      default:
        return "naive";
    }
  }

  /**
   * C := alpha * op(A) * op(B) + beta * C. Not modified: a, b. Modified: the m x n window of c,
   * and nothing else of c (the gaps between rows when ldc &gt; n are left alone).
   *
   * @throws IllegalArgumentException when a size is negative or a leading dimension is smaller
   *     than its matrix's stored width
   * @throws IndexOutOfBoundsException when a matrix does not fit in its array at its offset
   */
  public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(
          "gemm: negative size m=" + m + " n=" + n + " k=" + k);
    }
    checkMatrix("C", c, cOff, ldc, m, n);
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == 0f) {
      GemmScalar.scale(m, n, beta, c, cOff, ldc);
      return;
    }
    checkMatrix("A", a, aOff, lda, transA ? k : m, transA ? m : k);
    checkMatrix("B", b, bOff, ldb, transB ? n : k, transB ? k : n);
    if (IMPL == NAIVE || (long) m * n * k <= TINY) {
      naive(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    } else if (IMPL == VECTOR) {
      GemmVector.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta,
          c, cOff, ldc);
    } else {
      GemmScalar.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta,
          c, cOff, ldc);
    }
  }

  /** Rejects a stored matrix of rows x cols that does not fit in x at off with stride ld. */
  private static void checkMatrix(String name, float[] x, int off, int ld, int rows, int cols) {
    if (rows == 0 || cols == 0) return;
    if (ld < cols) {
      throw new IllegalArgumentException("gemm: " + name + " has leading dimension " + ld
          + " but " + cols + " columns");
    }
    long end = (long) off + (long) (rows - 1) * ld + cols;
    if (off < 0 || end > x.length) {
      throw new IndexOutOfBoundsException("gemm: " + name + " (" + rows + " x " + cols
          + ", offset " + off + ", leading dimension " + ld + ") needs " + end
          + " elements but its array has " + x.length);
    }
  }

  /**
   * Reference triple loop, accumulating in double. Same contract as {@link #gemm}, except that
   * A and B are read even when alpha is 0.
   */
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
