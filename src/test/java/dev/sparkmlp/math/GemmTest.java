package dev.sparkmlp.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Known answers computed by hand, then every implementation against the naive double-accumulated
 * reference on random shapes that cross the block and panel boundaries.
 */
class GemmTest {
  /** The signature shared by Gemm.gemm, GemmVector.gemm, GemmScalar.gemm and Gemm.naive. */
  private interface Impl {
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
        float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
        float[] c, int cOff, int ldc);
  }

  private record Named(String name, Impl impl) {}

  private static final boolean HAS_VECTOR =
      ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  /** Every fast path, by name; GemmVector only where the module is present. */
  private static List<Named> impls() {
    List<Named> list = new ArrayList<>();
    list.add(new Named("Gemm.gemm", Gemm::gemm));
    list.add(new Named("GemmScalar", GemmScalar::gemm));
    if (HAS_VECTOR) {
      // Every micro-kernel, whichever this machine's default is.
      for (int mr : new int[] {4, 6, 8}) {
        list.add(new Named("GemmVector mr=" + mr, (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff,
            ldb, beta, c, cOff, ldc) -> GemmVector.gemm(mr, ta, tb, m, n, k, alpha, a, aOff, lda,
            b, bOff, ldb, beta, c, cOff, ldc)));
      }
    }
    return list;
  }

  // A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12], A*B = [58 64; 139 154].
  private static final float[] A = {1, 2, 3, 4, 5, 6};
  private static final float[] AT = {1, 4, 2, 5, 3, 6};
  private static final float[] B = {7, 8, 9, 10, 11, 12};
  private static final float[] BT = {7, 9, 11, 8, 10, 12};

  @Test
  void knownAnswerAllTransposes() {
    // 2 * A*B + 0.5 * [1 2; 3 4] = [116.5 129; 279.5 310]
    float[] expected = {116.5f, 129f, 279.5f, 310f};
    for (Named impl : impls()) {
      Impl f = impl.impl();
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0;
        boolean tb = (t & 2) != 0;
        float[] c = {1, 2, 3, 4};
        f.gemm(ta, tb, 2, 2, 3, 2f, ta ? AT : A, 0, ta ? 2 : 3, tb ? BT : B, 0, tb ? 3 : 2,
            0.5f, c, 0, 2);
        assertArrayEquals(expected, c, 0f, impl.name() + " transA=" + ta + " transB=" + tb);
      }
    }
  }

  @Test
  void knownAnswerWithOffsetsAndLeadingDimensions() {
    // A^T stored 3 x 2 at offset 1 with ld 4; B stored 3 x 2 at offset 2 with ld 3; C at offset
    // 3 with ld 5, holding NaN that beta 0 must overwrite; the gaps must stay -1.
    float[] a = {-1, 1, 4, -1, -1, 2, 5, -1, -1, 3, 6, -1};
    float[] b = {-1, -1, 7, 8, -1, 9, 10, -1, 11, 12};
    for (Named impl : impls()) {
      float[] c = new float[3 + 5 + 2];
      Arrays.fill(c, -1f);
      c[3] = c[4] = c[8] = c[9] = Float.NaN;
      impl.impl().gemm(true, false, 2, 2, 3, 1f, a, 1, 4, b, 2, 3, 0f, c, 3, 5);
      float[] expected = {-1, -1, -1, 58, 64, -1, -1, -1, 139, 154};
      assertArrayEquals(expected, c, 0f, impl.name());
    }
  }

  @Test
  void knownAnswerOneByOne() {
    for (Named impl : impls()) {
      float[] c = {10f};
      impl.impl().gemm(false, false, 1, 1, 1, 3f, new float[] {2f}, 0, 1, new float[] {5f}, 0, 1,
          -1f, c, 0, 1);
      assertEquals(20f, c[0], 0f, impl.name());
    }
  }

  @Test
  void randomSmallSizesMatchNaive() {
    int[] sizes = {1, 7, 33, 129};
    Random rnd = new Random(42);
    for (int m : sizes) {
      for (int n : sizes) {
        for (int k : sizes) {
          // Every transpose case and alpha/beta variant, spread over the sizes.
          int t = rnd.nextInt(4);
          check(impls(), (t & 1) != 0, (t & 2) != 0, m, n, k, rnd.nextInt(3), rnd);
        }
      }
    }
  }

  @Test
  void blockCrossingShapesMatchNaiveForAllTransposesAndBetas() {
    // The first two (with op(A) = A) and {300, 10, 600} cross M and K blocks with all of op(B)
    // packed at once, M blocks outside K blocks.
    int[][] shapes = {{200, 70, 300}, {97, 40, 257}, {30, 300, 40}, {13, 10, 784}, {300, 10, 600}};
    Random rnd = new Random(7);
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        // Two of the three alpha/beta variants per transpose case, so each shape sees all three.
        for (int ab = t % 3; ab < t % 3 + 2; ab++) {
          check(impls(), (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], ab % 3, rnd);
        }
      }
    }
  }

  /**
   * Sizes on either side of the vector length (8 or 16 lanes), the panel widths (16, 32) and the
   * row tiles (4, 6, 8): n up to one vector takes the one-vector panels, wider n the two-vector
   * ones, and m not a multiple of the tile rows the zero-padded edge; each in all four transpose
   * cases.
   */
  @Test
  void edgeSizesMatchNaiveOnEveryTilePath() {
    int[] sizes = {1, 6, 7, 13, 15, 17, 63, 65, 257};
    Random rnd = new Random(11);
    for (int m : sizes) {
      for (int n : sizes) {
        int k = sizes[rnd.nextInt(sizes.length)];
        for (int t = 0; t < 4; t++) {
          check(impls(), (t & 1) != 0, (t & 2) != 0, m, n, k, (m + n + t) % 3, rnd);
        }
      }
    }
  }

  /**
   * Operands that end exactly at the end of their arrays (no offset, no gap, no slack): the
   * packing of op(A) = A^T for the 6-row tile copies a whole vector per step where that fits in
   * the array and falls back to single floats where it does not, here on the last rows.
   */
  @Test
  void operandsEndingAtTheirArraysEndMatchNaive() {
    int[][] shapes = {{6, 16, 5}, {12, 17, 9}, {13, 40, 33}, {66, 33, 130}, {100, 10, 128}};
    Random rnd = new Random(5);
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0;
        boolean tb = (t & 2) != 0;
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, k * n);
        float[] ref = new float[m * n];
        Gemm.naive(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, ref, 0, n);
        for (Named impl : impls()) {
          float[] c = new float[m * n];
          impl.impl().gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, 0f, c, 0, n);
          assertArrayEquals(ref, c, 1e-5f * k, impl.name() + " transA=" + ta + " transB=" + tb
              + " m=" + m + " n=" + n + " k=" + k);
        }
      }
    }
  }

  /**
   * The 6-row kernels take two k steps per loop iteration and an odd last step apart; each
   * element must still be one chain of FMAs in step order, so that results do not depend on
   * the unrolling. With one K block (k &lt;= 256) and whole tiles (n a multiple of two vectors),
   * C(i, j) is then bitwise fma(a(i, k-1), b(k-1, j), ... fma(a(i, 0), b(0, j), 0)) * alpha,
   * plus beta * C by one more FMA.
   */
  @Test
  void sixRowTileAddsTheStepsInOrderBitwise() {
    assumeTrue(HAS_VECTOR);
    sixRowTileInStepOrder(new Random(17));
  }

  static void sixRowTileInStepOrder(Random rnd) {
    int n = 4 * GemmVector.VL;
    for (int k : new int[] {1, 2, 3, 7, 8, 129, 256}) {
      for (int t = 0; t < 2; t++) {
        boolean ta = t == 1;
        int m = 13;
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, k * n);
        float[] c0 = random(rnd, m * n);
        for (float beta : new float[] {0f, 0.5f}) {
          float[] c = c0.clone();
          GemmVector.gemm(6, ta, false, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, n, beta, c, 0, n);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              float acc = 0f;
              for (int p = 0; p < k; p++) {
                acc = Math.fma(ta ? a[p * m + i] : a[i * k + p], b[p * n + j], acc);
              }
              float want = acc * 0.75f;
              if (beta != 0f) want = Math.fma(c0[i * n + j], beta, want);
              if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(c[i * n + j])) {
                fail("mr=6 transA=" + ta + " k=" + k + " beta=" + beta + ": C(" + i + "," + j
                    + ") = " + c[i * n + j] + ", in-order FMA chain " + want);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void concurrentCallsFromSeveralThreadsAgreeWithNaive() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int task = 0; task < 16; task++) {
        long seed = task;
        futures.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          // Different shapes per thread, so each grows its own pack buffers at different times.
          int m = 20 + rnd.nextInt(150);
          int n = 1 + rnd.nextInt(140);
          int k = 1 + rnd.nextInt(300);
          check(List.of(new Named("Gemm.gemm", Gemm::gemm)), rnd.nextBoolean(), rnd.nextBoolean(),
              m, n, k, rnd.nextInt(3), rnd);
          return null;
        }));
      }
      for (Future<?> f : futures) f.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void zeroSizesAndZeroAlphaOnlyScaleC() {
    float[] c = {1, 2, 3, 4};
    Gemm.gemm(false, false, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 2f, c, 0, 2);
    assertArrayEquals(new float[] {2, 4, 6, 8}, c, 0f);
    float[] nanA = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
    float[] c2 = {Float.NaN, 1, 1, 1};
    Gemm.gemm(false, false, 2, 2, 2, 0f, nanA, 0, 2, nanA, 0, 2, 0f, c2, 0, 2);
    assertArrayEquals(new float[] {0, 0, 0, 0}, c2, 0f);
    float[] c3 = {5};
    Gemm.gemm(false, false, 0, 1, 3, 1f, new float[0], 0, 3, new float[3], 0, 1, 0f, c3, 0, 1);
    assertEquals(5f, c3[0]);
  }

  @Test
  void badArgumentsAreRejectedWithTheMatrixNamed() {
    float[] x = new float[6];
    IllegalArgumentException ld = assertThrows(IllegalArgumentException.class,
        () -> Gemm.gemm(false, false, 2, 2, 3, 1f, x, 0, 2, x, 0, 2, 0f, new float[4], 0, 2));
    assertTrue(ld.getMessage().contains("A has leading dimension 2 but 3 columns"),
        ld.getMessage());
    IndexOutOfBoundsException size = assertThrows(IndexOutOfBoundsException.class,
        () -> Gemm.gemm(false, false, 2, 2, 3, 1f, x, 0, 3, x, 0, 2, 0f, new float[3], 0, 2));
    assertTrue(size.getMessage().contains("C (2 x 2"), size.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Gemm.gemm(false, false, -1, 2, 3, 1f, x, 0, 3, x, 0, 2, 0f, x, 0, 2));
  }

  @Test
  void implementationIsVectorWhenTheModuleIsPresent() {
    String impl = Gemm.implementation();
    if (System.getProperty("sparkmlp.gemm") == null) {
      assertEquals(HAS_VECTOR, impl.startsWith("vector"), impl);
    }
  }

  /** Runs in a child JVM started without jdk.incubator.vector. */
  public static final class NoVectorModuleMain {
    public static void main(String[] args) {
      Random rnd = new Random(3);
      int m = 50;
      int n = 40;
      int k = 60;
      float[] a = random(rnd, m * k);
      float[] b = random(rnd, k * n);
      float[] c = new float[m * n];
      float[] ref = new float[m * n];
      Gemm.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n);
      Gemm.naive(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, ref, 0, n);
      double maxErr = 0;
      for (int i = 0; i < c.length; i++) maxErr = Math.max(maxErr, Math.abs(c[i] - ref[i]));
      System.out.println(Gemm.implementation() + " " + (maxErr < 1e-4 ? "ok" : "err " + maxErr));
    }
  }

  @Test
  void withoutTheVectorModuleTheScalarPathRuns() throws IOException, InterruptedException {
    String cp = Path.of(locationOf(Gemm.class)) + java.io.File.pathSeparator
        + Path.of(locationOf(GemmTest.class));
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx256m", "-cp", cp, NoVectorModuleMain.class.getName())
        .redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertEquals("scalar ok", out);
  }

  /**
   * Runs in a child JVM started with -XX:UseAVX=2, so that the vector path has 256-bit vectors
   * (8 lanes, the 6-row tile by default) whatever this machine has: the edge sizes on every
   * tile, all transposes, and the 6-row tile's step order.
   */
  public static final class Avx2Main {
    public static void main(String[] args) {
      int[] sizes = {1, 6, 7, 9, 13, 17, 63, 65};
      Random rnd = new Random(13);
      List<Named> tiles = new ArrayList<>();
      for (Named impl : impls()) if (impl.name().startsWith("GemmVector")) tiles.add(impl);
      for (int m : sizes) {
        for (int n : sizes) {
          int k = sizes[rnd.nextInt(sizes.length)] + 120;
          for (int t = 0; t < 4; t++) {
            check(tiles, (t & 1) != 0, (t & 2) != 0, m, n, k, (m + n + t) % 3, rnd);
          }
        }
      }
      sixRowTileInStepOrder(rnd);
      System.out.println(Gemm.implementation() + " ok");
    }
  }

  @Test
  void at256BitsEveryTileMatchesNaive() throws IOException, InterruptedException {
    assumeTrue(HAS_VECTOR);
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx512m", "-XX:UseAVX=2", "--add-modules=jdk.incubator.vector",
        "-cp", System.getProperty("java.class.path"), Avx2Main.class.getName())
        .redirectErrorStream(true).start();
    String out;
    try (InputStream in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    // The last line; the JVM warns about the incubator module first.
    String last = out.substring(out.lastIndexOf('\n') + 1);
    assertTrue(last.equals("vector (256-bit, 6x16 tile) ok")
        || last.equals("vector (128-bit, 6x8 tile) ok"), out);
  }

  private static String locationOf(Class<?> cls) {
    try {
      return Path.of(cls.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static float[] random(Random rnd, int len) {
    float[] x = new float[len];
    for (int i = 0; i < len; i++) x[i] = rnd.nextFloat() * 2f - 1f;
    return x;
  }

  /**
   * One random case, run by each of impls and compared with {@link Gemm#naive}. Operands sit
   * at non-zero offsets with leading dimensions wider than the matrices, and the gaps of C are
   * checked to be left alone. ab selects (alpha, beta): 0 = (1, 0) with C full of NaN,
   * 1 = (1, 1), 2 = (-0.75, 0.5). The tolerance is 1e-6 * sqrt(k) times the element's scale
   * |alpha| * |op(A)| * |op(B)| + |beta * C|: float rounding errors of a k-term sum grow like
   * sqrt(k) for random data.
   */
  private static void check(List<Named> impls, boolean ta, boolean tb, int m, int n, int k,
      int ab, Random rnd) {
    float alpha = ab == 2 ? -0.75f : 1f;
    float beta = ab == 0 ? 0f : ab == 1 ? 1f : 0.5f;
    int aRows = ta ? k : m;
    int aCols = ta ? m : k;
    int bRows = tb ? n : k;
    int bCols = tb ? k : n;
    int lda = aCols + rnd.nextInt(4);
    int ldb = bCols + rnd.nextInt(4);
    int ldc = n + 1 + rnd.nextInt(3);
    int aOff = rnd.nextInt(5);
    int bOff = rnd.nextInt(5);
    int cOff = 1 + rnd.nextInt(5);
    float[] a = random(rnd, aOff + (aRows - 1) * lda + aCols + 2);
    float[] b = random(rnd, bOff + (bRows - 1) * ldb + bCols + 2);
    float[] c0 = random(rnd, cOff + (m - 1) * ldc + n + 3);
    if (beta == 0f) {
      for (int i = 0; i < m; i++) Arrays.fill(c0, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
    }
    float[] ref = c0.clone();
    Gemm.naive(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, ref, cOff, ldc);
    // Scale of each element: |alpha| * |A| * |B| + |beta * C|, from the reference on absolutes.
    float[] scale = abs(c0);
    if (beta == 0f) Arrays.fill(scale, 0f);
    Gemm.naive(ta, tb, m, n, k, Math.abs(alpha), abs(a), aOff, lda, abs(b), bOff, ldb,
        Math.abs(beta), scale, cOff, ldc);
    double tol = 1e-6 * Math.sqrt(k);
    for (Named impl : impls) {
      float[] c = c0.clone();
      impl.impl().gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      String where = impl.name() + " transA=" + ta + " transB=" + tb + " m=" + m + " n=" + n
          + " k=" + k + " alpha=" + alpha + " beta=" + beta;
      for (int idx = 0; idx < c.length; idx++) {
        int rel = idx - cOff;
        boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
        if (!inside) {
          if (Float.floatToRawIntBits(c[idx]) != Float.floatToRawIntBits(c0[idx])) {
            fail(where + ": element " + idx + " outside C was modified");
          }
          continue;
        }
        double err = Math.abs((double) c[idx] - ref[idx]);
        if (!(err <= tol * scale[idx] + 1e-30)) {
          fail(where + ": C(" + rel / ldc + "," + rel % ldc + ") = " + c[idx] + ", naive "
              + ref[idx] + ", error " + err + " > " + tol * scale[idx]);
        }
      }
    }
  }

  private static float[] abs(float[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) y[i] = Math.abs(x[i]);
    return y;
  }
}
