package dev.sparkmlp.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector-API path of {@link Gemm#gemm}: packed panels, cache blocking and a register-tiled
 * micro-kernel. Only {@link Gemm} refers to this class, and only when the jdk.incubator.vector
 * module is present, so the JVM never links it otherwise.
 *
 * <pre>
 * for each K block (kc rows of op(B)):
 *   pack op(B)[kc x n] into NR-column panels, zero-padded on the right
 *   for each M block (mc rows of op(A)):
 *     pack op(A)[mc x kc] into MR-row panels, zero-padded at the bottom
 *     for each B panel, for each A panel:
 *       tile[MR x NR] := A panel * B panel      (registers: MR x 2 vectors)
 *       C block := alpha * tile + beta' * C block  (beta' = beta on the first K block, else 1)
 * </pre>
 *
 * Panels are packed so that the micro-kernel reads both operands sequentially, whatever the
 * transpose flags were: the transposes are handled once, while packing.
 */
final class GemmVector {
  private GemmVector() {}

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int VL = SPECIES.length();
  /** Columns of a B panel: two vectors. */
  static final int NR = 2 * VL;
  /**
   * Rows of an A panel. MR x 2 accumulators plus two B vectors and a broadcast must fit in the
   * register file: 16 registers with AVX2 (6 rows), 32 with AVX-512 (8 rows).
   */
  static final int MR = VL >= 16 ? 8 : 6;
  /** K block: a kc x NR B panel (16 KiB with AVX2 at kc 256) stays in L1. */
  static final int KC = 256;
  /** M block: the packed mc x kc A block (96 KiB) stays in L2. */
  static final int MC = 16 * MR;

  private static final class Buffers {
    float[] packA = new float[0];
    float[] packB = new float[0];
    final float[] tile = new float[MR * NR];
  }

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /** Same contract as {@link Gemm#gemm}; requires m, n, k &gt; 0. */
  static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    Buffers buf = BUFFERS.get();
    int nPanels = (n + NR - 1) / NR;
    // Equal K blocks: 784 becomes 4 x 196 rather than 3 x 256 + 16, whose C updates would cost
    // as much as its multiply.
    int kBlocks = (k + KC - 1) / KC;
    int kcMax = (k + kBlocks - 1) / kBlocks;
    int mBlocks = (m + MC - 1) / MC;
    int mcMax = roundUp((m + mBlocks - 1) / mBlocks, MR);
    if (buf.packB.length < kcMax * nPanels * NR) buf.packB = new float[kcMax * nPanels * NR];
    if (buf.packA.length < kcMax * mcMax) buf.packA = new float[kcMax * mcMax];
    float[] pb = buf.packB;
    float[] pa = buf.packA;
    for (int pc = 0; pc < k; pc += kcMax) {
      int kc = Math.min(kcMax, k - pc);
      if (transB) {
        packBTrans(b, bOff, ldb, pc, kc, n, pb);
      } else {
        packB(b, bOff, ldb, pc, kc, n, pb);
      }
      float betaHere = pc == 0 ? beta : 1f;
      for (int ic = 0; ic < m; ic += mcMax) {
        int mc = Math.min(mcMax, m - ic);
        if (transA) {
          packATrans(a, aOff, lda, ic, mc, pc, kc, pa);
        } else {
          packA(a, aOff, lda, ic, mc, pc, kc, pa);
        }
        macro(mc, n, kc, pa, pb, alpha, betaHere, c, cOff + ic * ldc, ldc, buf.tile);
      }
    }
  }

  private static int roundUp(int x, int to) {
    return (x + to - 1) / to * to;
  }

  /** C[mc x n] := alpha * Apacked * Bpacked + beta * C, one MR x NR tile at a time. */
  private static void macro(int mc, int n, int kc, float[] pa, float[] pb, float alpha,
      float beta, float[] c, int cOff, int ldc, float[] tile) {
    for (int j = 0; j < n; j += NR) {
      int cols = Math.min(NR, n - j);
      int bo = j * kc;
      for (int i = 0; i < mc; i += MR) {
        int rows = Math.min(MR, mc - i);
        if (MR == 8) {
          kernel8(kc, pa, i * kc, pb, bo, tile);
        } else {
          kernel6(kc, pa, i * kc, pb, bo, tile);
        }
        int ci = cOff + i * ldc + j;
        if (rows == MR && cols == NR) {
          updateFull(tile, alpha, beta, c, ci, ldc);
        } else {
          updateEdge(tile, rows, cols, alpha, beta, c, ci, ldc);
        }
      }
    }
  }

  /**
   * tile := A panel (kc x 6, k-major) * B panel (kc x NR, k-major). Kept small and free of C
   * access so that C2 inlines every Vector API call and keeps the accumulators in registers.
   */
  private static void kernel6(int kc, float[] pa, int ao, float[] pb, int bo, float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    for (int p = 0; p < kc; p++) {
      int bp = bo + p * NR;
      int ap = ao + p * 6;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, pa[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, pa[ap + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, pa[ap + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, pa[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, pa[ap + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, pa[ap + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + VL);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + VL);
  }

  /** As {@link #kernel6} with 8 rows, for 32-register machines. */
  private static void kernel8(int kc, float[] pa, int ao, float[] pb, int bo, float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    FloatVector c40 = c00;
    FloatVector c41 = c00;
    FloatVector c50 = c00;
    FloatVector c51 = c00;
    FloatVector c60 = c00;
    FloatVector c61 = c00;
    FloatVector c70 = c00;
    FloatVector c71 = c00;
    for (int p = 0; p < kc; p++) {
      int bp = bo + p * NR;
      int ap = ao + p * 8;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, pa[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, pa[ap + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, pa[ap + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, pa[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, pa[ap + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, pa[ap + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      av = FloatVector.broadcast(SPECIES, pa[ap + 6]);
      c60 = av.fma(b0, c60);
      c61 = av.fma(b1, c61);
      av = FloatVector.broadcast(SPECIES, pa[ap + 7]);
      c70 = av.fma(b0, c70);
      c71 = av.fma(b1, c71);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
    c40.intoArray(tile, 4 * NR);
    c41.intoArray(tile, 4 * NR + VL);
    c50.intoArray(tile, 5 * NR);
    c51.intoArray(tile, 5 * NR + VL);
    c60.intoArray(tile, 6 * NR);
    c61.intoArray(tile, 6 * NR + VL);
    c70.intoArray(tile, 7 * NR);
    c71.intoArray(tile, 7 * NR + VL);
  }

  /** C[MR x NR] := alpha * tile + beta * C; C is not read when beta is 0. */
  private static void updateFull(float[] tile, float alpha, float beta, float[] c, int ci,
      int ldc) {
    FloatVector av = FloatVector.broadcast(SPECIES, alpha);
    FloatVector bv = FloatVector.broadcast(SPECIES, beta);
    for (int r = 0; r < MR; r++) {
      int t = r * NR;
      int cr = ci + r * ldc;
      FloatVector t0 = FloatVector.fromArray(SPECIES, tile, t).mul(av);
      FloatVector t1 = FloatVector.fromArray(SPECIES, tile, t + VL).mul(av);
      if (beta != 0f) {
        t0 = FloatVector.fromArray(SPECIES, c, cr).fma(bv, t0);
        t1 = FloatVector.fromArray(SPECIES, c, cr + VL).fma(bv, t1);
      }
      t0.intoArray(c, cr);
      t1.intoArray(c, cr + VL);
    }
  }

  /** The part of an edge tile that lies inside C: rows x cols of it. */
  private static void updateEdge(float[] tile, int rows, int cols, float alpha, float beta,
      float[] c, int ci, int ldc) {
    for (int r = 0; r < rows; r++) {
      int t = r * NR;
      int cr = ci + r * ldc;
      if (beta == 0f) {
        for (int j = 0; j < cols; j++) c[cr + j] = alpha * tile[t + j];
      } else {
        for (int j = 0; j < cols; j++) c[cr + j] = alpha * tile[t + j] + beta * c[cr + j];
      }
    }
  }

  /** op(A) = A, stored m x k: panel element (p, r) = A[ic + i + r][pc + p]. */
  private static void packA(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc,
      float[] pa) {
    for (int i = 0; i < mc; i += MR) {
      int rows = Math.min(MR, mc - i);
      int dst = i * kc;
      for (int r = 0; r < rows; r++) {
        int src = aOff + (ic + i + r) * lda + pc;
        for (int p = 0; p < kc; p++) pa[dst + p * MR + r] = a[src + p];
      }
      for (int r = rows; r < MR; r++) {
        for (int p = 0; p < kc; p++) pa[dst + p * MR + r] = 0f;
      }
    }
  }

  /** op(A) = A^T, A stored k x m: panel element (p, r) = A[pc + p][ic + i + r]. */
  private static void packATrans(float[] a, int aOff, int lda, int ic, int mc, int pc, int kc,
      float[] pa) {
    for (int i = 0; i < mc; i += MR) {
      int rows = Math.min(MR, mc - i);
      int dst = i * kc;
      for (int p = 0; p < kc; p++) {
        int src = aOff + (pc + p) * lda + ic + i;
        int d = dst + p * MR;
        for (int r = 0; r < rows; r++) pa[d + r] = a[src + r];
        for (int r = rows; r < MR; r++) pa[d + r] = 0f;
      }
    }
  }

  /** op(B) = B, stored k x n: panel element (p, col) = B[pc + p][j + col]. */
  private static void packB(float[] b, int bOff, int ldb, int pc, int kc, int n, float[] pb) {
    for (int j = 0; j < n; j += NR) {
      int cols = Math.min(NR, n - j);
      int dst = j * kc;
      for (int p = 0; p < kc; p++) {
        int src = bOff + (pc + p) * ldb + j;
        int d = dst + p * NR;
        if (cols == NR) {
          System.arraycopy(b, src, pb, d, NR);
        } else {
          System.arraycopy(b, src, pb, d, cols);
          java.util.Arrays.fill(pb, d + cols, d + NR, 0f);
        }
      }
    }
  }

  /** op(B) = B^T, B stored n x k: panel element (p, col) = B[j + col][pc + p]. */
  private static void packBTrans(float[] b, int bOff, int ldb, int pc, int kc, int n,
      float[] pb) {
    for (int j = 0; j < n; j += NR) {
      int cols = Math.min(NR, n - j);
      int dst = j * kc;
      for (int col = 0; col < cols; col++) {
        int src = bOff + (j + col) * ldb + pc;
        for (int p = 0; p < kc; p++) pb[dst + p * NR + col] = b[src + p];
      }
      for (int col = cols; col < NR; col++) {
        for (int p = 0; p < kc; p++) pb[dst + p * NR + col] = 0f;
      }
    }
  }
}
