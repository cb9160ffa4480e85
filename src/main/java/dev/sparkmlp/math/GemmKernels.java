package dev.sparkmlp.math;

import static dev.sparkmlp.math.GemmVector.NR;
import static dev.sparkmlp.math.GemmVector.SA;
import static dev.sparkmlp.math.GemmVector.SPECIES;
import static dev.sparkmlp.math.GemmVector.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The register-tiled micro-kernels of {@link GemmVector}: tile := A part * B panel, for 4 or 8
 * rows (16- or 32-register machines), A read in place, from the row copy of constant stride SA,
 * or column-wise when op(A) = A^T, and B panels one or two vectors wide. Each is kept small and
 * free of C access so that C2 inlines every Vector API call; {@link GemmVector} adds the tile
 * into C.
 */
final class GemmKernels {
  private GemmKernels() {}

  /**
   * tile[4 x NR] := A[4 x kc] * Bpanel[kc x NR] with A read in place, row r of it at
   * a[a0 + r * lda + p]. The 8 accumulators, 2 B vectors and 4 broadcasts fit in 16 registers
   * even when C2 issues all four broadcasts first (it does). Kept small and free of C access
   * so that C2 inlines every Vector API call.
   */
  static void rows4(int kc, float[] a, int a0, float[] pb, int bo, float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    for (int p = 0; p < kc; p++) {
      int bp = bo + p * NR;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[a0 + p]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[a0 + 1 * SA + p]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[a0 + 2 * SA + p]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[a0 + 3 * SA + p]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
  }

  /**
   * As {@link #rows4} with A read in place, row r at a[a0 + r * lda + p]: the AVX2 tile for
   * op(A) = A (see {@link #macro}). The 8 accumulators, 2 B vectors and 4 broadcasts fit in 16 registers
   * even when C2 issues all four broadcasts first (it does). Kept small and free of C access
   * so that C2 inlines every Vector API call.
   */
  static void rows4InPlace(int kc, float[] a, int a0, int lda, float[] pb, int bo,
      float[] tile) {
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    for (int p = 0; p < kc; p++) {
      int bp = bo + p * NR;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[a0 + p]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[a1 + p]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[a2 + p]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[a3 + p]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
  }
  /**
   * As {@link #rows4} for op(A) = A^T: element (r, p) of the tile's A rows is a[a0 + p * lda + r],
   * four consecutive floats of a row of the stored A.
   */
  static void cols4(int kc, float[] a, int a0, int lda, float[] pb, int bo,
      float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c01 = c00;
    FloatVector c10 = c00;
    FloatVector c11 = c00;
    FloatVector c20 = c00;
    FloatVector c21 = c00;
    FloatVector c30 = c00;
    FloatVector c31 = c00;
    for (int p = 0; p < kc; p++) {
      int bp = bo + p * NR;
      int ap = a0 + p * lda;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[ap + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, NR);
    c11.intoArray(tile, NR + VL);
    c20.intoArray(tile, 2 * NR);
    c21.intoArray(tile, 2 * NR + VL);
    c30.intoArray(tile, 3 * NR);
    c31.intoArray(tile, 3 * NR + VL);
  }

  /** As {@link #rows4} with 8 rows, for 32-register machines. */
  static void rows8(int kc, float[] a, int a0, float[] pb, int bo, float[] tile) {
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
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[a0 + p]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[a0 + 1 * SA + p]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[a0 + 2 * SA + p]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[a0 + 3 * SA + p]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[a0 + 4 * SA + p]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[a0 + 5 * SA + p]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      av = FloatVector.broadcast(SPECIES, a[a0 + 6 * SA + p]);
      c60 = av.fma(b0, c60);
      c61 = av.fma(b1, c61);
      av = FloatVector.broadcast(SPECIES, a[a0 + 7 * SA + p]);
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

  /** As {@link #cols4} with 8 rows, for 32-register machines. */
  static void cols8(int kc, float[] a, int a0, int lda, float[] pb, int bo,
      float[] tile) {
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
      int ap = a0 + p * lda;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[ap + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[ap + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      av = FloatVector.broadcast(SPECIES, a[ap + 6]);
      c60 = av.fma(b0, c60);
      c61 = av.fma(b1, c61);
      av = FloatVector.broadcast(SPECIES, a[ap + 7]);
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

  /**
   * tile[8 x VL] := A[8 x kc] * Bpanel[kc x VL], the one-vector panel of a product whose n fits
   * in one vector; A as in {@link #rows4}. Row r of the tile is at tile[r * VL].
   */
  static void rows8n(int kc, float[] a, int a0, float[] pb, int bo, float[] tile) {
    FloatVector c0 = FloatVector.zero(SPECIES);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    FloatVector c4 = c0;
    FloatVector c5 = c0;
    FloatVector c6 = c0;
    FloatVector c7 = c0;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bo + p * VL);
      c0 = FloatVector.broadcast(SPECIES, a[a0 + p]).fma(b0, c0);
      c1 = FloatVector.broadcast(SPECIES, a[a0 + 1 * SA + p]).fma(b0, c1);
      c2 = FloatVector.broadcast(SPECIES, a[a0 + 2 * SA + p]).fma(b0, c2);
      c3 = FloatVector.broadcast(SPECIES, a[a0 + 3 * SA + p]).fma(b0, c3);
      c4 = FloatVector.broadcast(SPECIES, a[a0 + 4 * SA + p]).fma(b0, c4);
      c5 = FloatVector.broadcast(SPECIES, a[a0 + 5 * SA + p]).fma(b0, c5);
      c6 = FloatVector.broadcast(SPECIES, a[a0 + 6 * SA + p]).fma(b0, c6);
      c7 = FloatVector.broadcast(SPECIES, a[a0 + 7 * SA + p]).fma(b0, c7);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, VL);
    c2.intoArray(tile, 2 * VL);
    c3.intoArray(tile, 3 * VL);
    c4.intoArray(tile, 4 * VL);
    c5.intoArray(tile, 5 * VL);
    c6.intoArray(tile, 6 * VL);
    c7.intoArray(tile, 7 * VL);
  }

  /** As {@link #rows8n} for op(A) = A^T, A read as in {@link #cols4}. */
  static void cols8n(int kc, float[] a, int a0, int lda, float[] pb, int bo,
      float[] tile) {
    FloatVector c0 = FloatVector.zero(SPECIES);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    FloatVector c4 = c0;
    FloatVector c5 = c0;
    FloatVector c6 = c0;
    FloatVector c7 = c0;
    for (int p = 0; p < kc; p++) {
      int ap = a0 + p * lda;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bo + p * VL);
      c0 = FloatVector.broadcast(SPECIES, a[ap]).fma(b0, c0);
      c1 = FloatVector.broadcast(SPECIES, a[ap + 1]).fma(b0, c1);
      c2 = FloatVector.broadcast(SPECIES, a[ap + 2]).fma(b0, c2);
      c3 = FloatVector.broadcast(SPECIES, a[ap + 3]).fma(b0, c3);
      c4 = FloatVector.broadcast(SPECIES, a[ap + 4]).fma(b0, c4);
      c5 = FloatVector.broadcast(SPECIES, a[ap + 5]).fma(b0, c5);
      c6 = FloatVector.broadcast(SPECIES, a[ap + 6]).fma(b0, c6);
      c7 = FloatVector.broadcast(SPECIES, a[ap + 7]).fma(b0, c7);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, VL);
    c2.intoArray(tile, 2 * VL);
    c3.intoArray(tile, 3 * VL);
    c4.intoArray(tile, 4 * VL);
    c5.intoArray(tile, 5 * VL);
    c6.intoArray(tile, 6 * VL);
    c7.intoArray(tile, 7 * VL);
  }

  /** As {@link #rows8n} with 4 rows, for 16-register machines. */
  static void rows4n(int kc, float[] a, int a0, float[] pb, int bo, float[] tile) {
    FloatVector c0 = FloatVector.zero(SPECIES);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bo + p * VL);
      c0 = FloatVector.broadcast(SPECIES, a[a0 + p]).fma(b0, c0);
      c1 = FloatVector.broadcast(SPECIES, a[a0 + 1 * SA + p]).fma(b0, c1);
      c2 = FloatVector.broadcast(SPECIES, a[a0 + 2 * SA + p]).fma(b0, c2);
      c3 = FloatVector.broadcast(SPECIES, a[a0 + 3 * SA + p]).fma(b0, c3);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, VL);
    c2.intoArray(tile, 2 * VL);
    c3.intoArray(tile, 3 * VL);
  }

  /** As {@link #cols8n} with 4 rows, for 16-register machines. */
  static void cols4n(int kc, float[] a, int a0, int lda, float[] pb, int bo,
      float[] tile) {
    FloatVector c0 = FloatVector.zero(SPECIES);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    for (int p = 0; p < kc; p++) {
      int ap = a0 + p * lda;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bo + p * VL);
      c0 = FloatVector.broadcast(SPECIES, a[ap]).fma(b0, c0);
      c1 = FloatVector.broadcast(SPECIES, a[ap + 1]).fma(b0, c1);
      c2 = FloatVector.broadcast(SPECIES, a[ap + 2]).fma(b0, c2);
      c3 = FloatVector.broadcast(SPECIES, a[ap + 3]).fma(b0, c3);
    }
    c0.intoArray(tile, 0);
    c1.intoArray(tile, VL);
    c2.intoArray(tile, 2 * VL);
    c3.intoArray(tile, 3 * VL);
  }
}
