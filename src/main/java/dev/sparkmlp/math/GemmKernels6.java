package dev.sparkmlp.math;

import static dev.sparkmlp.math.GemmVector.NR;
import static dev.sparkmlp.math.GemmVector.SA;
import static dev.sparkmlp.math.GemmVector.SPECIES;
import static dev.sparkmlp.math.GemmVector.VL;

import jdk.incubator.vector.FloatVector;

/**
 * The 6-row micro-kernels of {@link GemmVector}, the tile for machines with 16 vector registers
 * (AVX2): tile := A part * B panel with 6 rows x 2 vectors, 12 accumulators, 2 B vectors and
 * the broadcasts of A. A comes either from the row copy of constant stride SA (op(A) = A) or
 * from a packed panel, element (r, p) at a0 + p * PS + r (op(A) = A^T).
 *
 * <p>Why a branch sits in the middle of each k step: C2 (JDK 17) schedules all six broadcasts
 * of a step ahead of its FMAs, and 12 + 2 + 6 = 20 values do not fit in 16 registers, so it
 * spilled four accumulators to the stack (a load and a store on their FMA chains, every step).
 * A conditional exit after the third row splits the step into two blocks; the last three
 * broadcasts then stay in the second block, and 12 + 2 + 3 fit. The condition compares p with
 * {@link #noExit}, a mutable static that is never a valid index, so C2 can neither fold the
 * branch away nor take it; it costs one compare per step.
 */
final class GemmKernels6 {
  private GemmKernels6() {}

  /**
   * Never equal to a k index (always -1): read by the kernels' split point (see the class
   * comment). Not final, so that C2 cannot prove the branch dead and remove it.
   */
  private static int noExit = -1;

  /**
   * Float stride of one k step in a packed A panel: 6 rows padded to 8 (to VL with wider
   * vectors, so that the packing's one-vector copy stays in its step), so that the index is p
   * shifted left, which C2's range-check elimination recognises (it strength-reduces p * 6 to
   * two shifts and an add and then keeps two bounds checks per step).
   */
  static final int PS = Math.max(8, VL);

  /**
   * tile[6 x NR] := A[6 x kc] * Bpanel[kc x NR], row r of A at a[a0 + r * SA + p]: the copy
   * of constant stride that {@link GemmVector} makes of op(A) = A. Row r of the tile is at
   * tile[r * NR].
   */
  static void rows6(int kc, float[] a, int a0, float[] pb, int bo, float[] tile) {
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
      int ap = a0 + p;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + 1 * SA]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      av = FloatVector.broadcast(SPECIES, a[ap + 2 * SA]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      if (p == noExit) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 3 * SA]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[ap + 4 * SA]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + 5 * SA]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, 2 * VL);
    c11.intoArray(tile, 3 * VL);
    c20.intoArray(tile, 4 * VL);
    c21.intoArray(tile, 5 * VL);
    c30.intoArray(tile, 6 * VL);
    c31.intoArray(tile, 7 * VL);
    c40.intoArray(tile, 8 * VL);
    c41.intoArray(tile, 9 * VL);
    c50.intoArray(tile, 10 * VL);
    c51.intoArray(tile, 11 * VL);
  }

  /**
   * As {@link #rows6} with A from a packed panel: element (r, p) at a[a0 + p * PS + r].
   */
  static void panel6(int kc, float[] a, int a0, float[] pb, int bo, float[] tile) {
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
      int ap = a0 + p * PS;
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
      if (p == noExit) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      av = FloatVector.broadcast(SPECIES, a[ap + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    c00.intoArray(tile, 0);
    c01.intoArray(tile, VL);
    c10.intoArray(tile, 2 * VL);
    c11.intoArray(tile, 3 * VL);
    c20.intoArray(tile, 4 * VL);
    c21.intoArray(tile, 5 * VL);
    c30.intoArray(tile, 6 * VL);
    c31.intoArray(tile, 7 * VL);
    c40.intoArray(tile, 8 * VL);
    c41.intoArray(tile, 9 * VL);
    c50.intoArray(tile, 10 * VL);
    c51.intoArray(tile, 11 * VL);
  }

  /**
   * tile[6 x VL] := A[6 x kc] * Bpanel[kc x VL], the one-vector panel of a product whose n fits
   * in one vector; A as in {@link #rows6}. Row r of the tile is at tile[r * VL]. Six
   * accumulators, one B vector and six broadcasts fit in 16 registers without a split.
   */
  static void rows6n(int kc, float[] a, int a0, float[] pb, int bo, float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c10 = c00;
    FloatVector c20 = c00;
    FloatVector c30 = c00;
    FloatVector c40 = c00;
    FloatVector c50 = c00;
    for (int p = 0; p < kc; p++) {
      int bp = bo + p * VL;
      int ap = a0 + p;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      c00 = FloatVector.broadcast(SPECIES, a[ap]).fma(b0, c00);
      c10 = FloatVector.broadcast(SPECIES, a[ap + 1 * SA]).fma(b0, c10);
      c20 = FloatVector.broadcast(SPECIES, a[ap + 2 * SA]).fma(b0, c20);
      c30 = FloatVector.broadcast(SPECIES, a[ap + 3 * SA]).fma(b0, c30);
      c40 = FloatVector.broadcast(SPECIES, a[ap + 4 * SA]).fma(b0, c40);
      c50 = FloatVector.broadcast(SPECIES, a[ap + 5 * SA]).fma(b0, c50);
    }
    c00.intoArray(tile, 0);
    c10.intoArray(tile, VL);
    c20.intoArray(tile, 2 * VL);
    c30.intoArray(tile, 3 * VL);
    c40.intoArray(tile, 4 * VL);
    c50.intoArray(tile, 5 * VL);
  }

  /**
   * As {@link #rows6n} with A from a packed panel, as in {@link #panel6}.
   */
  static void panel6n(int kc, float[] a, int a0, float[] pb, int bo, float[] tile) {
    FloatVector c00 = FloatVector.zero(SPECIES);
    FloatVector c10 = c00;
    FloatVector c20 = c00;
    FloatVector c30 = c00;
    FloatVector c40 = c00;
    FloatVector c50 = c00;
    for (int p = 0; p < kc; p++) {
      int bp = bo + p * VL;
      int ap = a0 + p * PS;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      c00 = FloatVector.broadcast(SPECIES, a[ap]).fma(b0, c00);
      c10 = FloatVector.broadcast(SPECIES, a[ap + 1]).fma(b0, c10);
      c20 = FloatVector.broadcast(SPECIES, a[ap + 2]).fma(b0, c20);
      c30 = FloatVector.broadcast(SPECIES, a[ap + 3]).fma(b0, c30);
      c40 = FloatVector.broadcast(SPECIES, a[ap + 4]).fma(b0, c40);
      c50 = FloatVector.broadcast(SPECIES, a[ap + 5]).fma(b0, c50);
    }
    c00.intoArray(tile, 0);
    c10.intoArray(tile, VL);
    c20.intoArray(tile, 2 * VL);
    c30.intoArray(tile, 3 * VL);
    c40.intoArray(tile, 4 * VL);
    c50.intoArray(tile, 5 * VL);
  }
}
