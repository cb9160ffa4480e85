package dev.sparkmlp.math;

import java.util.Arrays;

/**
 * The plain-Java path of {@link Gemm#gemm}, used when the jdk.incubator.vector module is absent.
 *
 * <pre>
 * C := beta * C                       (C := 0 when beta is 0, without reading C)
 * for each block of op(B), kc x nc:
 *   copy its rows into separate arrays Bp[0..kc) (transposing when transB)
 *   for each row i of C:
 *     acc := C[i, block columns]
 *     for each group of 4 rows p of Bp:
 *       acc += (alpha * op(A)[i, p]) * Bp[p] + ... + (alpha * op(A)[i, p+3]) * Bp[p+3]
 *     C[i, block columns] := acc
 * </pre>
 *
 * The innermost loop indexes acc and four rows of Bp with the same index from 0, the one form
 * that JDK 17's C2 auto-vectorises (with a non-zero offset into either array it falls back to
 * scalar code, about 3 times slower). Taking four rows of Bp per pass quarters the loads and
 * stores of acc.
 */
final class GemmScalar {
  private GemmScalar() {}

  /** Block of op(B): kc x nc = 256 x 256 floats (256 KiB) stays in L2. */
  private static final int KC = 256;
  private static final int NC = 256;

  /** Per-thread buffers: the rows of the B block, and one row of C. */
  private static final class Buffers {
    final float[][] bRows = new float[KC][NC];
    final float[] acc = new float[NC];
  }

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /** Same contract as {@link Gemm#gemm}; requires m, n, k &gt; 0. */
  static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    scale(m, n, beta, c, cOff, ldc);
    Buffers buf = BUFFERS.get();
    float[][] bp = buf.bRows;
    float[] acc = buf.acc;
    // op(A)(i, p) = a[aOff + i * aRow + p * aCol]
    int aRow = transA ? 1 : lda;
    int aCol = transA ? lda : 1;
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        if (transB) {
          packTrans(b, bOff + jc * ldb + pc, ldb, kc, nc, bp);
        } else {
          pack(b, bOff + pc * ldb + jc, ldb, kc, nc, bp);
        }
        int kc4 = kc & ~3;
        for (int i = 0; i < m; i++) {
          int cr = cOff + i * ldc + jc;
          int ai = aOff + i * aRow + pc * aCol;
          System.arraycopy(c, cr, acc, 0, nc);
          for (int p = 0; p < kc4; p += 4) {
            int ap = ai + p * aCol;
            axpy4(nc, alpha * a[ap], alpha * a[ap + aCol], alpha * a[ap + 2 * aCol],
                alpha * a[ap + 3 * aCol], bp[p], bp[p + 1], bp[p + 2], bp[p + 3], acc);
          }
          for (int p = kc4; p < kc; p++) axpy1(nc, alpha * a[ai + p * aCol], bp[p], acc);
          System.arraycopy(acc, 0, c, cr, nc);
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

  /** acc[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j] for j &lt; n. */
  private static void axpy4(int n, float a0, float a1, float a2, float a3, float[] b0,
      float[] b1, float[] b2, float[] b3, float[] acc) {
    for (int j = 0; j < n; j++) acc[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
  }

  private static void axpy1(int n, float a0, float[] b0, float[] acc) {
    for (int j = 0; j < n; j++) acc[j] += a0 * b0[j];
  }

  /** bp[p][col] = B[pc + p][jc + col] for B stored k x n, from b0 = &amp;B[pc][jc]. */
  private static void pack(float[] b, int b0, int ldb, int kc, int nc, float[][] bp) {
    for (int p = 0; p < kc; p++) System.arraycopy(b, b0 + p * ldb, bp[p], 0, nc);
  }

  /** bp[p][col] = B[jc + col][pc + p] for B stored n x k, from b0 = &amp;B[jc][pc]. */
  private static void packTrans(float[] b, int b0, int ldb, int kc, int nc, float[][] bp) {
    for (int col = 0; col < nc; col++) {
      int src = b0 + col * ldb;
      for (int p = 0; p < kc; p++) bp[p][col] = b[src + p];
    }
  }
}
