package dev.sparkmlp.optim;

import dev.sparkmlp.math.Segments;

/**
 * L1 and L2 penalties on the weight segments (Dense weight matrices; biases are never penalised),
 * added to the mean loss of a batch:
 *
 * <pre>
 *   penalty  = (l2 / (2n)) * sum(w^2) + (l1 / n) * sum(|w|)
 *   gradient = (l2 / n) * w + (l1 / n) * sign(w)          sign(0) = 0
 * </pre>
 *
 * n is the batch size by default, the textbook form of the per-batch cost: with a fixed lambda the
 * penalty then weighs less for larger batches. With perDataset, n is the training-set
 * size instead, so that the per-step penalty sums to the full-data objective over an epoch and
 * does not change with the batch size. That is why each method takes both counts.
 */
public record Regularization(float l1, float l2, boolean perDataset) {

  public static final Regularization NONE = new Regularization(0f, 0f, false);

  public Regularization {
    if (!(l1 >= 0) || Float.isInfinite(l1)) {
      throw new IllegalArgumentException("regularization: l1=" + l1 + " is not >= 0 and finite");
    }
    if (!(l2 >= 0) || Float.isInfinite(l2)) {
      throw new IllegalArgumentException("regularization: l2=" + l2 + " is not >= 0 and finite");
    }
  }

  public boolean isZero() {
    return l1 == 0 && l2 == 0;
  }

  /** The penalty above, to add to the mean batch loss. Not modified: w. */
  public double penalty(float[] w, Segments weights, long batchRows, long datasetRows) {
    if (isZero()) return 0;
    double n = n(batchRows, datasetRows);
    double p = 0;
    if (l2 != 0) p += l2 / (2 * n) * weights.sumSquares(w);
    if (l1 != 0) p += l1 / n * weights.sumAbs(w);
    return p;
  }

  /**
   * g := g + (l2/n) * w + (l1/n) * sign(w) on the weight segments.
   *
   * <p>Modified: g. Not modified: w.
   */
  public void addGradient(float[] w, float[] g, Segments weights, long batchRows,
      long datasetRows) {
    if (isZero()) return;
    if (g.length != w.length) {
      throw new IllegalArgumentException("regularization: gradient has " + g.length
          + " elements but the weights have " + w.length);
    }
    double n = n(batchRows, datasetRows);
    float a2 = (float) (l2 / n);
    float a1 = (float) (l1 / n);
    for (int s = 0; s < weights.count(); s++) {
      int off = weights.offset(s);
      int end = off + weights.length(s);
      if (end > w.length) {
        throw new IllegalArgumentException("regularization: weight segment " + off + "+"
            + weights.length(s) + " lies outside the " + w.length + " parameters");
      }
      for (int i = off; i < end; i++) g[i] += a2 * w[i] + a1 * Math.signum(w[i]);
    }
  }

  private double n(long batchRows, long datasetRows) {
    long n = perDataset ? datasetRows : batchRows;
    if (n <= 0) {
      String which = perDataset ? "datasetRows" : "batchRows";
      throw new IllegalArgumentException("regularization: " + which + "=" + n + " must be > 0");
    }
    return n;
  }
}
