package dev.sparkmlp.optim;

import java.util.List;
import java.util.Locale;

/**
 * A batch-size scaling rule for the learning rate: the configured rates are meant for a batch of
 * baseBatchSize rows, and a run with B rows multiplies them by
 *
 * <pre>
 *   none:    1
 *   linear:  B / baseBatchSize
 *            (Goyal et al., "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour",
 *            arXiv:1706.02677, section 2.1, the linear scaling rule)
 *   sqrt:    sqrt(B / baseBatchSize)
 *            (Krizhevsky, "One weird trick for parallelizing convolutional neural networks",
 *            arXiv:1404.5997: it keeps the variance of the step the same; the rule You et al.
 *            use for LAMB, arXiv:1904.00962, section 4)
 * </pre>
 *
 * The factor multiplies the whole schedule ({@link #apply}): its base rate and cosine's final
 * rate, so the schedule keeps its shape. The warm-up ({@link ScheduleSpec#warmupSteps}) then
 * ramps up to the scaled rate, which is how both papers pair the two: a large scaled rate is
 * unstable in the first steps.
 */
public record LrScaling(String rule, int baseBatchSize) {

  public static final List<String> RULES = List.of("none", "linear", "sqrt");

  /** The default batch size of conf/reference.conf, for which its lr is meant. */
  public static final int DEFAULT_BASE_BATCH_SIZE = 100;

  /** No scaling: the configured rates whatever the batch size. */
  public static final LrScaling NONE = new LrScaling("none", DEFAULT_BASE_BATCH_SIZE);

  public LrScaling {
    String r = rule == null ? "" : rule.trim().toLowerCase(Locale.ROOT);
    if (!RULES.contains(r)) {
      throw new IllegalArgumentException(
          "unknown lr scaling rule '" + rule + "'; valid: " + String.join(", ", RULES));
    }
    rule = r;
    if (baseBatchSize < 1) {
      throw new IllegalArgumentException(
          "lr scaling: baseBatchSize=" + baseBatchSize + " must be >= 1");
    }
  }

  /** The multiplier for a global batch of batchSize rows. */
  public double factor(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("lr scaling: batchSize=" + batchSize + " must be >= 1");
    }
    double k = (double) batchSize / baseBatchSize;
    return switch (rule) {
      case "none" -> 1;
      case "linear" -> k;
      case "sqrt" -> Math.sqrt(k);
      default -> throw new IllegalStateException(rule);
    };
  }

  /** s with its base rate and final (cosine) rate multiplied by {@link #factor}(batchSize). */
  public ScheduleSpec apply(ScheduleSpec s, int batchSize) {
    double f = factor(batchSize);
    if (f == 1) return s;
    return new ScheduleSpec(s.kind(), (float) (s.baseLr() * f), s.warmupSteps(), s.stepEpochs(),
        s.gamma(), (float) (s.minLr() * f), s.totalSteps());
  }
}
