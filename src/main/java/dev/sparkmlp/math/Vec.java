package dev.sparkmlp.math;

/** Level-1 vector operations on float arrays. Sums are accumulated in double. */
public final class Vec {
  private Vec() {}

  /** y := alpha * x + y over [0, n). Modified: y. */
  public static void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    for (int i = 0; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
  }

  /** y := x + y over the whole of x. Modified: y. */
  public static void add(float[] x, float[] y) {
    for (int i = 0; i < x.length; i++) y[i] += x[i];
  }

  /** x := alpha * x over [off, off+n). Modified: x. */
  public static void scale(float alpha, float[] x, int off, int n) {
    for (int i = off; i < off + n; i++) x[i] *= alpha;
  }

  public static double dot(int n, float[] x, int xOff, float[] y, int yOff) {
    double s = 0;
    for (int i = 0; i < n; i++) s += (double) x[xOff + i] * y[yOff + i];
    return s;
  }

  /** Sum of squares over [off, off+n). */
  public static double sumSquares(float[] x, int off, int n) {
    double s = 0;
    for (int i = off; i < off + n; i++) s += (double) x[i] * x[i];
    return s;
  }

  /** Sum of absolute values over [off, off+n). */
  public static double sumAbs(float[] x, int off, int n) {
    double s = 0;
    for (int i = off; i < off + n; i++) s += Math.abs(x[i]);
    return s;
  }

  /** Index of the largest of x[off..off+n); the first one on ties. */
  public static int argmax(float[] x, int off, int n) {
    int best = 0;
    float max = x[off];
    for (int i = 1; i < n; i++) {
      if (x[off + i] > max) {
        max = x[off + i];
        best = i;
      }
    }
    return best;
  }

  /** True when every element of x[off..off+n) is finite. */
  public static boolean allFinite(float[] x, int off, int n) {
    for (int i = off; i < off + n; i++) if (!Float.isFinite(x[i])) return false;
    return true;
  }
}
