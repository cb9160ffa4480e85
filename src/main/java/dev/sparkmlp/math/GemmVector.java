package dev.sparkmlp.math;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector-API path of {@link Gemm#gemm}: cache blocking, a packed B and a register-tiled
 * micro-kernel. Only {@link Gemm} refers to this class, and only when the jdk.incubator.vector
 * module is present, so the JVM never links it otherwise.
 *
 * <pre>
 * nr = VL (one vector) when n &lt;= VL, else NR = 2 VL
 * for each N block (nc columns of op(B)), for each K block (kc rows of op(B)):
 *   pack op(B)[kc x nc] into nr-column panels, zero-padded on the right
 *   for each M block (mc rows of op(A)):
 *     copy the rows the row kernels read to a buffer of constant row stride SA,
 *     or (6-row tile, op(A) = A^T) pack them into 6-row panels
 *     for each B panel, for each group of MR rows:
 *       tile[MR x nr] := op(A)[MR x kc] * B panel      (registers: MR x nr / VL vectors)
 *       C[MR x nr] := alpha * tile + beta' * C        (beta' = beta on the first K block, else 1)
 * </pre>
 *
 * When op(A) = A and all of op(B)'s K blocks fit in 512 KiB packed (the MLP's weights do), they
 * are packed first and the M blocks run outside the K blocks, so that a block of C stays in
 * cache through its K blocks.
 *
 * op(A) = A is not packed into panels. Packing it (a transpose into MR-row panels) measured at
 * 10-15% of the time on the MLP's shapes (and, with AVX-512, 0.85x overall), while a kernel that
 * broadcasts straight from A's rows runs as fast. With AVX-512's 32 registers the tile has 8
 * rows x 2 vectors; with AVX2's 16 it has 6 rows x 2 vectors ({@link GemmKernels6}: 12
 * accumulators, 2 B vectors and the broadcasts, which fit only because the kernel splits each k
 * step in two; see there). With -XX:UseAVX=2 the 4-row tile (8 accumulators barely cover the
 * FMA latency on two ports) ran the 18 MLP shapes at 0.77x OpenBLAS's Haswell kernel, the 6-row
 * one at 0.84x (geomean, scripts/bench/kernel); the 4-row tile stays selectable.
 *
 * <p>What the kernels cost besides their FMAs is integer work: with rows at a run-time stride,
 * C2 spends an add per row per k step on addresses, and a bounds check per access when the
 * index is not a constant multiple of the loop counter, on the ports the FMAs use. So for
 * op(A) = A the 6- and 8-row kernels read a copy of the block's rows at the constant stride SA
 * (one System.arraycopy per row, reused by every B panel), and address all rows from one index.
 * The 4-row tile reads op(A) = A in place. Rows that do not fill a tile come from the same
 * zero-padded copy. For op(A) = A^T the MR floats of a step are consecutive in the stored A: the
 * 4- and 8-row kernels read them in place, the 6-row one from panels packed a vector per step
 * (at a stride of 8 floats, so that the index is p shifted left and C2 drops the bounds checks;
 * in place, its run-time stride left two checks and a multiply per step).
 *
 * <p>B is packed so that the kernel reads it sequentially whatever transB was, B^T by gathers.
 * When n fits in one vector (the output layer's n = 10), panels are one vector wide: 10 of 16
 * lanes of each FMA do work rather than 10 of 32.
 *
 * <p>Loop unrolling by hand does not pay: with the k loop unrolled 4 times, C2 loads every B
 * vector of the four steps first and spills accumulators to the stack (measured 10-20% slower).
 */
final class GemmVector {
  private GemmVector() {}

  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int VL = SPECIES.length();
  /** Columns of a B panel: two vectors. */
  static final int NR = 2 * VL;
  /**
   * Rows of a register tile: 6 with 16 vector registers (AVX2, 256-bit vectors), 8 with 32
   * (AVX-512). The system property sparkmlp.gemm.mr=4, =6 or =8 overrides the choice, to compare
   * the tiles on a new machine (4 was the AVX2 tile before 6).
   */
  static final int MR = Integer.getInteger("sparkmlp.gemm.mr", VL >= 16 ? 8 : 6);
  /** K block: a kc x NR B panel (at most 16 KiB with AVX2, 32 KiB with AVX-512) stays in L1. */
  private static final int KC = 256;
  /**
   * K block when op(A) = A with 256-bit vectors: a 400 x 16 B panel is 25 KiB, and k = 784
   * becomes 2 blocks of 392 rather than 4 of 196, which halves the passes over C and the tile
   * set-ups. Measured with -XX:UseAVX=2 on the forward product (B x 784)(784 x 128) in paired
   * runs on a loaded machine: 1.02-1.12x faster at B = 1000, 0.96-1.08x at B = 100 (the weight
   * gradient, whose tile reads A from packed panels, ran no faster at 384 than at 256).
   */
  private static final int KC_ROWS = VL >= 16 ? KC : 400;
  /**
   * K block when op(A) = A^T and A is read in place (the 4- and 8-row tiles). The kernel then
   * reads one cache line of A per k step (a stored row is a column of op(A)), so the kc lines of
   * an A panel compete with the B panel for L1: at kc = 128 both fit. Measured on the
   * weight-gradient product (784 x 1000)(1000 x 128) with AVX-512: 128 runs 1.1-1.2x faster
   * than 256 (96 is no better than 128), while for op(A) = A the forward product
   * (1000 x 784)(784 x 128) runs about 5% slower at 128. The 6-row tile packs A and keeps KC:
   * with -XX:UseAVX=2 its weight gradients ran 4-12% faster at 256 than at 128.
   */
  private static final int KC_TRANS_A = 128;
  /**
   * Row stride of the copy of op(A)'s block that the row kernels read: a constant, so that C2
   * addresses the eight rows as one index plus eight displacements instead of spending an
   * integer add per row per k step. 16 floats past the largest K block, so that rows do not fall
   * into the same L1 sets.
   */
  static final int SA = Math.max(KC, KC_ROWS) + 16;
  /** M block: the mc x kc part of A (at most 96 KiB) stays in L2 while every B panel passes. */
  private static final int MC = 96;
  /**
   * The most floats of packed op(B) kept for all K blocks at once (512 KiB): the first layer's
   * 784 x 128 weights fit.
   */
  private static final int PACK_ALL = 128 * 1024;
  /** N block: bounds the packed B block, kc x nc. */
  private static final int NC = 1024;

  /** Per-thread buffers, grown on demand and never shrunk: a step allocates nothing. */
  private static final class Buffers {
    float[] packB = new float[0];
    /** Lane l holds l * ldbOfIndex: the rows of B that one gather reads in packBTrans. */
    final int[] rowIndex = new int[VL];
    int ldbOfIndex = -1;
    float[] rowsA = new float[0];
    float[] packA = new float[0];
    final float[] tile = new float[8 * NR];
  }

  private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

  /** Same contract as {@link Gemm#gemm}; requires m, n, k &gt; 0 and valid arguments. */
  static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    gemm(MR, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  /** As above with mr rows per register tile: 4, 6 or 8 (the tests run each on any machine). */
  static void gemm(int mr, boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
      float[] c, int cOff, int ldc) {
    if (mr != 4 && mr != 6 && mr != 8) {
      throw new IllegalArgumentException(
          "rows per tile (system property sparkmlp.gemm.mr) must be 4, 6 or 8, not " + mr);
    }
    Buffers buf = BUFFERS.get();
    // Equal blocks: k = 784 becomes 4 x 196 rather than 3 x 256 + 16, whose C update would cost
    // as much as its multiply.
    // The 6-row tile packs op(A) = A^T, so its A panel is as compact as the row copy's.
    int kcTarget = !transA ? KC_ROWS : mr != 6 ? KC_TRANS_A : KC;
    int kBlocks = (k + kcTarget - 1) / kcTarget;
    int kcMax = (k + kBlocks - 1) / kBlocks;
    int mBlocks = (m + MC - 1) / MC;
    int mcMax = roundUp((m + mBlocks - 1) / mBlocks, mr);
    // When one vector spans every column (the output layer's n = 10), panels one vector wide
    // waste less of each FMA than two-vector panels: 10 of 16 lanes rather than 10 of 32.
    int nr = n <= VL ? VL : NR;
    int nBlocks = (n + NC - 1) / NC;
    int ncMax = roundUp((n + nBlocks - 1) / nBlocks, nr);
    // With several M and K blocks, and op(B) small enough, all of op(B)'s K blocks are packed
    // first and the M blocks go outside the K blocks: each block of C then stays in cache
    // through its K blocks, instead of all of C passing once per K block. Measured with
    // AVX-512 on the forward product (B x 784)(784 x 128): 1.07x faster at B = 1000, 1.08-1.10x
    // at 4096. Not when op(A) = A^T: the weight gradient (784 x 1000)(1000 x 128) ran 2% slower.
    // The sums are the same either way: each element of C still adds the K blocks in order.
    int kPanel = kcMax * ncMax;
    boolean mOuter = !transA && mBlocks > 1 && kBlocks > 1
        && (long) kBlocks * kPanel <= PACK_ALL;
    int packLen = mOuter ? kBlocks * kPanel : kPanel;
    if (buf.packB.length < packLen) buf.packB = new float[packLen];
    int rowsNeeded = transA ? 8 * SA : roundUp(mcMax, 8) * SA;
    if (buf.rowsA.length < rowsNeeded) buf.rowsA = new float[rowsNeeded];
    int packANeeded = transA && mr == 6 ? mcMax / 6 * aPanel(kcMax) : 0;
    if (buf.packA.length < packANeeded) buf.packA = new float[packANeeded];
    float[] pb = buf.packB;
    for (int jc = 0; jc < n; jc += ncMax) {
      int nc = Math.min(ncMax, n - jc);
      if (mOuter) {
        for (int pc = 0, q = 0; pc < k; pc += kcMax, q++) {
          int kc = Math.min(kcMax, k - pc);
          if (transB) {
            packBTrans(b, bOff + jc * ldb + pc, ldb, kc, nc, nr, pb, q * kPanel, buf);
          } else {
            packB(b, bOff + pc * ldb + jc, ldb, kc, nc, nr, pb, q * kPanel);
          }
        }
        for (int ic = 0; ic < m; ic += mcMax) {
          int mc = Math.min(mcMax, m - ic);
          for (int pc = 0, q = 0; pc < k; pc += kcMax, q++) {
            int kc = Math.min(kcMax, k - pc);
            int a0 = transA ? aOff + pc * lda + ic : aOff + ic * lda + pc;
            macro(mr, nr, transA, a, a0, lda, mc, nc, kc, pb, q * kPanel, alpha,
                pc == 0 ? beta : 1f, c, cOff + ic * ldc + jc, ldc, buf);
          }
        }
        continue;
      }
      for (int pc = 0; pc < k; pc += kcMax) {
        int kc = Math.min(kcMax, k - pc);
        if (transB) {
          packBTrans(b, bOff + jc * ldb + pc, ldb, kc, nc, nr, pb, 0, buf);
        } else {
          packB(b, bOff + pc * ldb + jc, ldb, kc, nc, nr, pb, 0);
        }
        // C is scaled by beta once, with the first K block; later blocks accumulate.
        float betaHere = pc == 0 ? beta : 1f;
        for (int ic = 0; ic < m; ic += mcMax) {
          int mc = Math.min(mcMax, m - ic);
          int a0 = transA ? aOff + pc * lda + ic : aOff + ic * lda + pc;
          macro(mr, nr, transA, a, a0, lda, mc, nc, kc, pb, 0, alpha, betaHere,
              c, cOff + ic * ldc + jc, ldc, buf);
        }
      }
    }
  }

  /**
   * Floats from one packed 6-row A panel to the next: PS * kc plus one cache line. Without the
   * line, at kc = 256 and PS = 8 the panels were 8 KiB apart, so the 15 vectors that a step of
   * {@link #packATrans} stores fell into one L1 set; the weight gradient (784 x 4096)(4096 x
   * 128) ran 1.04-1.2x faster with the line (-XX:UseAVX=2, paired runs on a loaded machine).
   */
  static int aPanel(int kc) {
    return GemmKernels6.PS * kc + 16;
  }

  private static int roundUp(int x, int to) {
    return (x + to - 1) / to * to;
  }

  /**
   * C[mc x nc] := alpha * op(A)[mc x kc] * Bpacked[kc x nc] + beta * C, where op(A) starts at
   * a[a0] (its element (i, p) is a[a0 + i * lda + p], or a[a0 + p * lda + i] when transA).
   */
  private static void macro(int mr, int nr, boolean transA, float[] a, int a0, int lda, int mc,
      int nc, int kc, float[] pb, int pbOff, float alpha, float beta, float[] c, int cOff,
      int ldc, Buffers buf) {
    float[] ra = buf.rowsA;
    float[] tile = buf.tile;
    // Rows read by the row kernels: all of op(A)'s block when op(A) = A, else only the last rows
    // that do not fill a tile; zero-padded to a whole tile. The 4-row two-vector tile (AVX2)
    // reads op(A) = A in place instead: it spends half as many address adds per FMA as the
    // 8-row one, and with -XX:UseAVX=2 the copy measured no faster on the wide shapes and 15-20%
    // slower with a single B panel ((100 x 128)(128 x 10), where each A element is used once).
    boolean inPlace = !transA && mr == 4 && nr == NR;
    float[] pa = buf.packA;
    int full = transA || inPlace ? mc - mc % mr : 0;
    if (transA && mr == 6) {
      packATrans(a, a0, lda, mc, kc, pa);
      full = 0;
    } else if (full < mc) {
      copyRows(mr, transA, a, transA ? a0 + full : a0 + full * lda, lda, mc - full, kc, ra);
    }
    // B panel outer: its kc x nr floats stay in L1 while the rows of A stream past from L2.
    for (int j = 0; j < nc; j += nr) {
      int cols = Math.min(nr, nc - j);
      int bo = pbOff + j * kc;
      for (int i = 0; i < mc; i += mr) {
        int rows = Math.min(mr, mc - i);
        boolean fromRows = i >= full;
        int ro = (i - full) * SA;
        if (nr == VL) {
          if (mr == 6) {
            if (transA) GemmKernels6.panel6n(kc, pa, i / 6 * aPanel(kc), pb, bo, tile);
            else GemmKernels6.rows6n(kc, ra, ro, pb, bo, tile);
          } else if (mr == 8) {
            if (fromRows) {
              GemmKernels.rows8n(kc, ra, ro, pb, bo, tile);
            } else {
              GemmKernels.cols8n(kc, a, a0 + i, lda, pb, bo, tile);
            }
          } else {
            if (fromRows) {
              GemmKernels.rows4n(kc, ra, ro, pb, bo, tile);
            } else {
              GemmKernels.cols4n(kc, a, a0 + i, lda, pb, bo, tile);
            }
          }
          updateNarrow(tile, rows, cols, alpha, beta, c, cOff + i * ldc + j, ldc);
          continue;
        }
        if (mr == 6) {
          if (transA) GemmKernels6.panel6(kc, pa, i / 6 * aPanel(kc), pb, bo, tile);
          else GemmKernels6.rows6(kc, ra, ro, pb, bo, tile);
        } else if (mr == 8) {
          if (fromRows) {
            GemmKernels.rows8(kc, ra, ro, pb, bo, tile);
          } else {
            GemmKernels.cols8(kc, a, a0 + i, lda, pb, bo, tile);
          }
        } else {
          if (fromRows) {
            GemmKernels.rows4(kc, ra, ro, pb, bo, tile);
          } else if (inPlace) {
            GemmKernels.rows4InPlace(kc, a, a0 + i * lda, lda, pb, bo, tile);
          } else {
            GemmKernels.cols4(kc, a, a0 + i, lda, pb, bo, tile);
          }
        }
        int ci = cOff + i * ldc + j;
        if (cols == NR) {
          updateRows(tile, rows, alpha, beta, c, ci, ldc);
        } else {
          updateEdge(tile, rows, cols, alpha, beta, c, ci, ldc);
        }
      }
    }
  }


  /**
   * op(A) = A^T's block of rows x kc (element (r, p) at a[a0 + p * lda + r]) into the 6-row
   * panels of {@link GemmKernels6#panel6}: pa[(r / 6) * aPanel(kc) + p * PS + r % 6] =
   * op(A)[r][p], rows past the last zero. Each step's six floats are consecutive in the stored
   * A, so a full panel copies one vector per step; done once per block and read by every B
   * panel.
   */
  private static void packATrans(float[] a, int a0, int lda, int rows, int kc, float[] pa) {
    int ps = GemmKernels6.PS;
    int stride = aPanel(kc);
    int whole = VL >= 6 ? rows - rows % 6 : 0;
    // Step outer: each step reads a run of consecutive floats of one stored row, so the misses
    // of a large A (the weight gradient at batch 4096 reads 12 MB) stream instead of striding.
    for (int p = 0; p < kc; p++) {
      int src = a0 + p * lda;
      int d = p * ps;
      int g = 0;
      // 6 floats wanted, VL (at most PS) copied into the step's slot of PS floats.
      int end = Math.min(whole, a.length - VL - src + 1);
      for (int dg = d; g < end; g += 6, dg += stride) {
        FloatVector.fromArray(SPECIES, a, src + g).intoArray(pa, dg);
      }
      for (; g < rows; g += 6) {
        int n = Math.min(6, rows - g);
        int dg = d + g / 6 * stride;
        for (int r = 0; r < n; r++) pa[dg + r] = a[src + g + r];
        for (int r = n; r < 6; r++) pa[dg + r] = 0f;
      }
    }
  }

  /**
   * rows rows of op(A)'s block from a[a0] (row r at a[a0 + r * lda], or column r of the stored
   * A, a[a0 + p * lda + r], when transA) into ra with row stride SA, then zero rows up to a
   * multiple of mr: ra[r * SA + p] = op(A)[r][p] for p &lt; kc.
   */
  private static void copyRows(int mr, boolean transA, float[] a, int a0, int lda, int rows,
      int kc, float[] ra) {
    for (int r = 0; r < rows; r++) {
      if (transA) {
        for (int p = 0; p < kc; p++) ra[r * SA + p] = a[a0 + p * lda + r];
      } else {
        System.arraycopy(a, a0 + r * lda, ra, r * SA, kc);
      }
    }
    for (int r = rows; r < roundUp(rows, mr); r++) Arrays.fill(ra, r * SA, r * SA + kc, 0f);
  }


  /**
   * C[rows x cols] := alpha * tile + beta * C for a one-vector tile (row r at tile[r * VL]), with
   * cols &lt;= VL; C is not read when beta is 0.
   */
  private static void updateNarrow(float[] tile, int rows, int cols, float alpha, float beta,
      float[] c, int ci, int ldc) {
    for (int r = 0; r < rows; r++) {
      int t = r * VL;
      int cr = ci + r * ldc;
      if (beta == 0f) {
        for (int j = 0; j < cols; j++) c[cr + j] = alpha * tile[t + j];
      } else {
        for (int j = 0; j < cols; j++) c[cr + j] = alpha * tile[t + j] + beta * c[cr + j];
      }
    }
  }

  /** C[rows x NR] := alpha * tile + beta * C; C is not read when beta is 0. */
  private static void updateRows(float[] tile, int rows, float alpha, float beta, float[] c,
      int ci, int ldc) {
    FloatVector av = FloatVector.broadcast(SPECIES, alpha);
    FloatVector bv = FloatVector.broadcast(SPECIES, beta);
    for (int r = 0; r < rows; r++) {
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

  /**
   * The part of a tile that lies inside C when C ends within the tile's columns: the first
   * vector of each row whole when it lies inside (the output layer's n = 10 with 8 lanes), the
   * rest one float at a time.
   */
  private static void updateEdge(float[] tile, int rows, int cols, float alpha, float beta,
      float[] c, int ci, int ldc) {
    int first = cols >= VL ? VL : 0;
    FloatVector av = FloatVector.broadcast(SPECIES, alpha);
    FloatVector bv = FloatVector.broadcast(SPECIES, beta);
    for (int r = 0; r < rows; r++) {
      int t = r * NR;
      int cr = ci + r * ldc;
      if (first > 0) {
        FloatVector t0 = FloatVector.fromArray(SPECIES, tile, t).mul(av);
        if (beta != 0f) t0 = FloatVector.fromArray(SPECIES, c, cr).fma(bv, t0);
        t0.intoArray(c, cr);
      }
      if (beta == 0f) {
        for (int j = first; j < cols; j++) c[cr + j] = alpha * tile[t + j];
      } else {
        for (int j = first; j < cols; j++) c[cr + j] = alpha * tile[t + j] + beta * c[cr + j];
      }
    }
  }

  /**
   * op(B) = B, stored k x n from b0 = &amp;B[pc][jc], into panels nr = NR or VL columns wide:
   * panel element (p, col) at pb[j * kc + p * nr + col] = B[pc + p][jc + j + col]; columns past
   * nc are zero.
   */
  private static void packB(float[] b, int b0, int ldb, int kc, int nc, int nr, float[] pb,
      int pbOff) {
    for (int j = 0; j < nc; j += nr) {
      int cols = Math.min(nr, nc - j);
      int dst = pbOff + j * kc;
      for (int p = 0; p < kc; p++) {
        int src = b0 + p * ldb + j;
        int d = dst + p * nr;
        if (cols == NR) {
          FloatVector.fromArray(SPECIES, b, src).intoArray(pb, d);
          FloatVector.fromArray(SPECIES, b, src + VL).intoArray(pb, d + VL);
        } else {
          System.arraycopy(b, src, pb, d, cols);
          Arrays.fill(pb, d + cols, d + nr, 0f);
        }
      }
    }
  }

  /**
   * op(B) = B^T, B stored n x k from b0 = &amp;B[jc][pc], into panels nr columns wide: panel
   * element (p, col) at pb[j * kc + p * nr + col] = B[jc + j + col][pc + p]; columns past nc are
   * zero. Full panels are gathered a vector at a time: the input-delta product delta * W^T at
   * batch 100 runs 1.15x faster than with the scalar transpose (AVX-512; 1.05x with AVX2).
   */
  private static void packBTrans(float[] b, int b0, int ldb, int kc, int nc, int nr,
      float[] pb, int pbOff, Buffers buf) {
    int[] idx = buf.rowIndex;
    if (buf.ldbOfIndex != ldb) {
      for (int l = 0; l < VL; l++) idx[l] = l * ldb;
      buf.ldbOfIndex = ldb;
    }
    for (int j = 0; j < nc; j += nr) {
      int cols = Math.min(nr, nc - j);
      int dst = pbOff + j * kc;
      if (cols == nr) {
        // A gather reads one float from each of VL rows of B: a column of the panel per
        // instruction, where the scalar loop below stores one float at a time.
        for (int v = 0; v < nr; v += VL) {
          int src = b0 + (j + v) * ldb;
          for (int p = 0; p < kc; p++) {
            FloatVector.fromArray(SPECIES, b, src + p, idx, 0).intoArray(pb, dst + p * nr + v);
          }
        }
        continue;
      }
      for (int col = 0; col < cols; col++) {
        int src = b0 + (j + col) * ldb;
        for (int p = 0; p < kc; p++) pb[dst + p * nr + col] = b[src + p];
      }
      for (int col = cols; col < nr; col++) {
        for (int p = 0; p < kc; p++) pb[dst + p * nr + col] = 0f;
      }
    }
  }
}
