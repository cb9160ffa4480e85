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
 * <p>Why branches sit inside each k step: C2 (JDK 17) schedules the broadcasts of a basic
 * block ahead of its FMAs, and with all six of a step in one block 12 + 2 + 6 = 20 values do
 * not fit in 16 registers, so it spilled accumulators to the stack (a load and a store on their
 * FMA chains, every step). A conditional exit after every second row splits the rows into
 * blocks of two, so that at most 12 + 2 + 2 values are live. Each condition compares an index
 * with {@link #noExit}, {@link #noExitB} or {@link #noExitC}, mutable statics that are never a
 * valid index, so C2 can neither fold a branch away nor take it; each costs one fused
 * compare-and-branch. No two conditions are alike, or C2 would fold the later one (it is false
 * wherever the earlier one was); with exits only after the third row, one of the 12
 * accumulators was still spilled in some compilations (in one JVM of two on the product
 * (1000 x 128)(128 x 128), which then ran at 0.8x).
 *
 * <p>Why the loop has this form: C2 does not strength-reduce induction expressions, so a loop
 * over p that reads a[a0 + p * PS] and pb[bo + p * NR] spent 12 integer instructions per k step
 * (adds, sign extensions, shifts) beside its 12 FMAs and 8 loads, on the ports of the FMAs. The
 * kernels count with the A index itself, derive B's index from it by one shift and a loop
 * constant, and take two steps per iteration, the second addressed by constant displacements:
 * 6 integer instructions per step, read from the generated code (-XX:+PrintAssembly). The sum
 * of each element is the same chain of FMAs in step order as with one step per iteration.
 */
final class GemmKernels6 {
  private GemmKernels6() {}

  /**
   * Never equal to an index (always -1): read by the kernels' split points (see the class
   * comment). Not final, so that C2 cannot prove the branches dead and remove them.
   */
  private static int noExit = -1;
  /** As {@link #noExit}, for a second distinct condition. */
  private static int noExitB = -1;
  /** As {@link #noExit}, for a third distinct condition. */
  private static int noExitC = -1;

  /**
   * Float stride of one k step in a packed A panel: 6 rows padded to 8 (to VL with wider
   * vectors, so that the packing's one-vector copy stays in its step). A power of two that
   * divides NR, so that B's index is the A index times NR / PS, a scaled index that C2's
   * range-check elimination recognises (with a stride of 6 it strength-reduced p * 6 to two
   * shifts and an add and then kept two bounds checks per step).
   */
  static final int PS = Math.max(8, VL);

  /**
   * tile[6 x NR] := A[6 x kc] * Bpanel[kc x NR], row r of A at a[a0 + r * SA + p]: the copy
   * of constant stride that {@link GemmVector} makes of op(A) = A. Row r of the tile is at
   * tile[r * NR]. Two k steps per iteration; see the class comment for the loop's form.
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
    int bShift = bo - a0 * NR;
    int ap = a0;
    int pairsEnd = a0 + (kc & ~1);
    for (; ap < pairsEnd; ap += 2) {
      int bp = ap * NR + bShift;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + 1 * SA]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      if (ap == noExit) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 2 * SA]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ap + 3 * SA]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      if (bp == noExit) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 4 * SA]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + 5 * SA]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      if (ap == noExitB) break;
      b0 = FloatVector.fromArray(SPECIES, pb, bp + NR);
      b1 = FloatVector.fromArray(SPECIES, pb, bp + NR + VL);
      av = FloatVector.broadcast(SPECIES, a[ap + 1]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + 1 + 1 * SA]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      if (bp == noExitB) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 1 + 2 * SA]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ap + 1 + 3 * SA]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      if (ap == noExitC) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 1 + 4 * SA]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + 1 + 5 * SA]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    // The last step when kc is odd.
    for (; ap < a0 + kc; ap += 1) {
      int bp = ap * NR + bShift;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + 1 * SA]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      if (ap == noExit) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 2 * SA]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ap + 3 * SA]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      if (ap == noExitB) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 4 * SA]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + 5 * SA]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    c00.intoArray(tile, 0 * VL);
    c01.intoArray(tile, 1 * VL);
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
    int bShift = bo - a0 * (NR / PS);
    int ap = a0;
    int pairsEnd = a0 + (kc & ~1) * PS;
    for (; ap < pairsEnd; ap += 2 * PS) {
      int bp = ap * (NR / PS) + bShift;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      if (ap == noExit) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      if (bp == noExit) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
      if (ap == noExitB) break;
      b0 = FloatVector.fromArray(SPECIES, pb, bp + NR);
      b1 = FloatVector.fromArray(SPECIES, pb, bp + NR + VL);
      av = FloatVector.broadcast(SPECIES, a[ap + PS]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + PS + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      if (bp == noExitB) break;
      av = FloatVector.broadcast(SPECIES, a[ap + PS + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ap + PS + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      if (ap == noExitC) break;
      av = FloatVector.broadcast(SPECIES, a[ap + PS + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + PS + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    // The last step when kc is odd.
    for (; ap < a0 + kc * PS; ap += PS) {
      int bp = ap * (NR / PS) + bShift;
      FloatVector b0 = FloatVector.fromArray(SPECIES, pb, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, pb, bp + VL);
      FloatVector av = FloatVector.broadcast(SPECIES, a[ap]);
      c00 = av.fma(b0, c00);
      c01 = av.fma(b1, c01);
      av = FloatVector.broadcast(SPECIES, a[ap + 1]);
      c10 = av.fma(b0, c10);
      c11 = av.fma(b1, c11);
      if (ap == noExit) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 2]);
      c20 = av.fma(b0, c20);
      c21 = av.fma(b1, c21);
      av = FloatVector.broadcast(SPECIES, a[ap + 3]);
      c30 = av.fma(b0, c30);
      c31 = av.fma(b1, c31);
      if (ap == noExitB) break;
      av = FloatVector.broadcast(SPECIES, a[ap + 4]);
      c40 = av.fma(b0, c40);
      c41 = av.fma(b1, c41);
      av = FloatVector.broadcast(SPECIES, a[ap + 5]);
      c50 = av.fma(b0, c50);
      c51 = av.fma(b1, c51);
    }
    c00.intoArray(tile, 0 * VL);
    c01.intoArray(tile, 1 * VL);
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
