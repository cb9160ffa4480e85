package dev.sparkmlp.optim;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A learning-rate schedule: a target rate per step, with an optional linear warm-up in front.
 * With epoch = floor(step / stepsPerEpoch):
 *
 * <pre>
 *   constant:     target = baseLr
 *   step:         target = baseLr * gamma^floor(epoch / stepEpochs)
 *   exponential:  target = baseLr * gamma^epoch         (decays once per epoch, not per step)
 *   cosine:       target = minLr + (baseLr - minLr) * (1 + cos(pi * progress)) / 2
 *                 progress = clamp((step - warmupSteps) / (totalSteps - warmupSteps), 0, 1)
 *                 (Loshchilov &amp; Hutter, "SGDR: Stochastic Gradient Descent with Warm
 *                 Restarts", ICLR 2017, arXiv:1608.03983, Eq. 5, without restarts)
 *   warm-up:      lr = target(step) * (step + 1) / warmupSteps    for step &lt; warmupSteps
 *                 lr = target(step)                             after
 * </pre>
 *
 * The warm-up multiplies the target, so with step or exponential decay it ramps towards the
 * decayed rate of that epoch. Cosine reaches minLr at totalSteps and stays there. Fields a kind
 * does not use are ignored: stepEpochs (step), gamma (step, exponential), minLr and totalSteps
 * (cosine). totalSteps is usually known only once the data is loaded, hence
 * {@link #withTotalSteps}; it is checked in {@link #build()}.
 */
public record ScheduleSpec(String kind, float baseLr, long warmupSteps, int stepEpochs,
    float gamma, float minLr, long totalSteps) {

  public static final List<String> KINDS = List.of("constant", "step", "exponential", "cosine");

  public static final int DEFAULT_STEP_EPOCHS = 10;
  public static final float DEFAULT_STEP_GAMMA = 0.1f;
  public static final float DEFAULT_EXPONENTIAL_GAMMA = 0.95f;

  public ScheduleSpec {
    String k = kind == null ? "" : kind.trim().toLowerCase(Locale.ROOT);
    if (!KINDS.contains(k)) {
      throw new IllegalArgumentException(
          "unknown lr schedule '" + kind + "'; valid: " + String.join(", ", KINDS));
    }
    kind = k;
    if (!(baseLr > 0) || Float.isInfinite(baseLr)) {
      throw new IllegalArgumentException(
          "lr schedule: baseLr=" + baseLr + " is not > 0 and finite");
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("lr schedule: warmupSteps=" + warmupSteps + " < 0");
    }
    if (kind.equals("step") && stepEpochs < 1) {
      throw new IllegalArgumentException("lr schedule step: stepEpochs=" + stepEpochs + " < 1");
    }
    if ((kind.equals("step") || kind.equals("exponential"))
        && (!(gamma > 0) || Float.isInfinite(gamma))) {
      throw new IllegalArgumentException(
          "lr schedule " + kind + ": gamma=" + gamma + " is not > 0 and finite");
    }
    if (kind.equals("cosine") && !(minLr >= 0 && minLr <= baseLr)) {
      throw new IllegalArgumentException(
          "lr schedule cosine: minLr=" + minLr + " is not in [0, baseLr=" + baseLr + "]");
    }
    if (totalSteps < 0) {
      throw new IllegalArgumentException("lr schedule: totalSteps=" + totalSteps + " < 0");
    }
  }

  /** A kind's defaults: no warm-up, stepEpochs 10, gamma 0.1 (step) or 0.95 (exponential). */
  public static ScheduleSpec defaults(String kind, float baseLr) {
    String k = kind == null ? "" : kind.trim().toLowerCase(Locale.ROOT);
    float gamma = k.equals("exponential") ? DEFAULT_EXPONENTIAL_GAMMA : DEFAULT_STEP_GAMMA;
    return new ScheduleSpec(kind, baseLr, 0, DEFAULT_STEP_EPOCHS, gamma, 0f, 0);
  }

  public static ScheduleSpec constant(float lr) {
    return defaults("constant", lr);
  }

  public ScheduleSpec withTotalSteps(long total) {
    return new ScheduleSpec(kind, baseLr, warmupSteps, stepEpochs, gamma, minLr, total);
  }

  public ScheduleSpec withWarmupSteps(long warmup) {
    return new ScheduleSpec(kind, baseLr, warmup, stepEpochs, gamma, minLr, totalSteps);
  }

  /**
   * A copy with one field set from text, for config overrides such as {@code gamma=0.5}. Keys
   * are the record's field names except kind; errors name the key and the value.
   */
  public ScheduleSpec with(String key, String value) {
    Objects.requireNonNull(value, key);
    String v = value.trim();
    try {
      return switch (key) {
        case "baseLr" -> new ScheduleSpec(kind, Float.parseFloat(v), warmupSteps, stepEpochs,
            gamma, minLr, totalSteps);
        case "warmupSteps" -> withWarmupSteps(Long.parseLong(v));
        case "stepEpochs" -> new ScheduleSpec(kind, baseLr, warmupSteps, Integer.parseInt(v),
            gamma, minLr, totalSteps);
        case "gamma" -> new ScheduleSpec(kind, baseLr, warmupSteps, stepEpochs,
            Float.parseFloat(v), minLr, totalSteps);
        case "minLr" -> new ScheduleSpec(kind, baseLr, warmupSteps, stepEpochs, gamma,
            Float.parseFloat(v), totalSteps);
        case "totalSteps" -> withTotalSteps(Long.parseLong(v));
        default -> throw new IllegalArgumentException("lr schedule: unknown field '" + key
            + "'; valid: baseLr, warmupSteps, stepEpochs, gamma, minLr, totalSteps");
      };
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "lr schedule field '" + key + "': not a number: '" + v + "'");
    }
  }

  /** The schedule; cosine needs totalSteps &gt; warmupSteps by now. */
  public LrSchedule build() {
    if (kind.equals("cosine") && totalSteps <= warmupSteps) {
      throw new IllegalArgumentException("lr schedule cosine: totalSteps=" + totalSteps
          + " must exceed warmupSteps=" + warmupSteps + " (set it from epochs * steps per epoch)");
    }
    return new Built(this);
  }

  /** The rate before warm-up, in double. */
  double target(long step, int stepsPerEpoch) {
    long epoch = step / stepsPerEpoch;
    return switch (kind) {
      case "constant" -> baseLr;
      case "step" -> baseLr * Math.pow(gamma, epoch / stepEpochs);
      case "exponential" -> baseLr * Math.pow(gamma, epoch);
      case "cosine" -> {
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        progress = Math.min(1, Math.max(0, progress));
        yield minLr + (baseLr - (double) minLr) * (1 + Math.cos(Math.PI * progress)) / 2;
      }
      default -> throw new IllegalStateException(kind);
    };
  }

  private record Built(ScheduleSpec spec) implements LrSchedule {
    @Override
    public float lr(long step, int stepsPerEpoch) {
      if (step < 0 || stepsPerEpoch < 1) {
        throw new IllegalArgumentException("lr schedule: step=" + step + ", stepsPerEpoch="
            + stepsPerEpoch + " (need step >= 0, stepsPerEpoch >= 1)");
      }
      double lr = spec.target(step, stepsPerEpoch);
      if (step < spec.warmupSteps) lr = lr * (step + 1) / spec.warmupSteps;
      return (float) lr;
    }
  }
}
