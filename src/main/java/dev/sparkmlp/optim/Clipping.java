package dev.sparkmlp.optim;

import dev.sparkmlp.math.Vec;

/** Gradient norms and clipping by the global norm. Sums are accumulated in double. */
public final class Clipping {
  private Clipping() {}

  /**
   * norm = ||g||_2 over all of g; when maxNorm &gt; 0 and norm &gt; maxNorm,
   * g := g * (maxNorm / norm). maxNorm &lt;= 0 turns clipping off. Returns the norm before
   * clipping, so the caller can log it; a NaN or infinite norm is returned as is and g is left
   * alone, since no scale would make it finite.
   *
   * <p>Modified: g (only when clipped).
   */
  public static double clipByGlobalNorm(float[] g, double maxNorm) {
    double norm = norm(g, 0, g.length);
    if (maxNorm > 0 && norm > maxNorm && Double.isFinite(norm)) {
      Vec.scale((float) (maxNorm / norm), g, 0, g.length);
    }
    return norm;
  }

  /** ||g[off..off+len)||_2, for per-layer norms. Not modified: g. */
  public static double norm(float[] g, int off, int len) {
    return Math.sqrt(Vec.sumSquares(g, off, len));
  }
}
