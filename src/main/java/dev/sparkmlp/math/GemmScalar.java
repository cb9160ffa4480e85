package dev.sparkmlp.math;

import java.util.Arrays;

/**
 * The plain-Java path of {@link Gemm#gemm}, used when the jdk.incubator.vector module is absent.
 *
 * <pre>
 * C := beta * C                       (C := 0 when beta is 0, without reading C)
 * for each block of op(B), kc x nc:
 *   copy it into a dense row-major buffer Bp (transposing when transB)
 *   for each row i of C, for each group of 4 rows p of Bp:
 *     C[i, :] += (alpha * op(A)[i, p])   * Bp[p, :]
 *              + (alpha * op(A)[i, p+1]) * Bp[p+1, :] + ...
 * </pre>
 *
 * The innermost loop runs over contiguous columns of Bp and C with no branch, which C2
 * auto-vectorises; taking four rows of Bp per pass quarters the loads and stores of C.
 */
final class GemmScalar {
  private GemmScalar() {}

  /** K block: kc x nc of Bp, 256 x 256 floats = 256 KiB, stays in L2. */
  private static final int KC = 256;
  private static final int NC = 256;

  private static final ThreadLocal<float[][]> BUFFER =
      ThreadLocal.withInitial(() -> new float[][] {new float[0]});

  /** Same contract as {@link Gemm#gemm}; requires m, n, k &gt; 0. */
  static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    scale(m, n, beta, c, cOff, ldc);
    float[][] holder = BUFFER.get();
    int need = Math.min(KC, k) * Math.min(NC, n);
    if (holder[0].length < need) holder[0] = new float[need];
    float[] bp = holder[0];
    // op(A)(i, p) = a[aOff + i * aRow + p * aCol]
    int aRow = transA ? 1 : lda;
    int aCol = transA ? lda : 1;
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        if (transB) {
          packTrans(b, bOff, ldb, pc, kc, jc, nc, bp);
        } else {
          pack(b, bOff, ldb, pc, kc, jc, nc, bp);
        }
        int kc4 = kc & ~3;
        for (int i = 0; i < m; i++) {
          int cr = cOff + i * ldc + jc;
          int ai = aOff + i * aRow + pc * aCol;
          for (int p = 0; p < kc4; p += 4) {
            int ap = ai + p * aCol;
            axpy4(nc, alpha * a[ap], alpha * a[ap + aCol], alpha * a[ap + 2 * aCol],
                alpha * a[ap + 3 * aCol], bp, p * nc, c, cr);
          }
          for (int p = kc4; p < kc; p++) {
            axpy1(nc, alpha * a[ai + p * aCol], bp, p * nc, c, cr);
          }
        }
      }
    }
  }

  /** C[m x n] := beta * C; C is not read when beta is 0. */
  static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
    if (beta == 1f) return;
    for (int i = 0; i < m; i++) {
      int cr = cOff + i * ldc;
      if (beta == 0f) {
        Arrays.fill(c, cr, cr + n, 0f);
      } else {
        for (int j = 0; j < n; j++) c[cr + j] *= beta;
      }
    }
  }

  /** c[cr + j] += a0 * b[r] + a1 * b[r + n] + a2 * b[r + 2n] + a3 * b[r + 3n], j &lt; n. */
  private static void axpy4(int n, float a0, float a1, float a2, float a3, float[] b, int bo,
      float[] c, int cr) {
    int b1 = bo + n;
    int b2 = b1 + n;
    int b3 = b2 + n;
    for (int j = 0; j < n; j++) {
      c[cr + j] += a0 * b[bo + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
    }
  }

  private static void axpy1(int n, float a0, float[] b, int bo, float[] c, int cr) {
    for (int j = 0; j < n; j++) c[cr + j] += a0 * b[bo + j];
  }

  /** bp[p][col] = B[pc + p][jc + col], B stored k x n. */
  private static void pack(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc,
      float[] bp) {
    for (int p = 0; p < kc; p++) System.arraycopy(b, bOff + (pc + p) * ldb + jc, bp, p * nc, nc);
  }

  /** bp[p][col] = B[jc + col][pc + p], B stored n x k. */
  private static void packTrans(float[] b, int bOff, int ldb, int pc, int kc, int jc, int nc,
      float[] bp) {
    for (int col = 0; col < nc; col++) {
      int src = bOff + (jc + col) * ldb + pc;
      for (int p = 0; p < kc; p++) bp[p * nc + col] = b[src + p];
    }
  }
}
