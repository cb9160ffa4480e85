package dev.sparkmlp.optim;

import dev.sparkmlp.math.Segments;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which optimizer to use and its hyperparameters, as read from a config. Each optimizer reads
 * only its own fields: momentum (momentum, biasCorrection), rmsprop (rho, eps, biasCorrection),
 * adam (beta1, beta2, eps), adamw and lamb (beta1, beta2, eps, weightDecay), lars (momentum,
 * weightDecay, trustCoefficient); sgd none.
 *
 * <p>The defaults are the DEFAULT_ constants below; {@link #defaults} and the no-argument
 * optimizer constructors read them. conf/reference.conf states the same values for the
 * {@code train.optimizer} keys, and a test (cli.ReferenceDefaultsTest) fails when the two part.
 */
public record OptimizerSpec(String name, double beta1, double beta2, double eps, double momentum,
    double rho, boolean biasCorrection, double weightDecay, double trustCoefficient) {

  /** The valid names, in the order error messages list them. */
  public static final List<String> NAMES =
      List.of("sgd", "momentum", "rmsprop", "adam", "adamw", "lamb", "lars");

  /** The optimizers with a weight decay of their own (not the L2 term of the gradient). */
  public static final List<String> WEIGHT_DECAY_NAMES = List.of("adamw", "lamb", "lars");

  public static final double DEFAULT_BETA1 = 0.9;
  public static final double DEFAULT_BETA2 = 0.999;
  public static final double DEFAULT_EPS = 1e-8;
  public static final double DEFAULT_MOMENTUM = 0.9;
  public static final double DEFAULT_RHO = 0.999;
  public static final boolean DEFAULT_BIAS_CORRECTION = true;
  /**
   * The weight decay of adamw, lamb and lars (one config key for the three): PyTorch's AdamW
   * default, and the value of You et al. (2019) for LAMB on BERT. Only those three may have a
   * non-zero weightDecay.
   */
  public static final double DEFAULT_ADAMW_WEIGHT_DECAY = 0.01;
  /** LARS's eta, the value of You, Gitman &amp; Ginsburg (2017). */
  public static final double DEFAULT_TRUST_COEFFICIENT = 0.001;

  public OptimizerSpec {
    name = checkName(name);
    Optimizer.checkRate(name, "beta1", beta1);
    Optimizer.checkRate(name, "beta2", beta2);
    Optimizer.checkRate(name, "momentum", momentum);
    Optimizer.checkRate(name, "rho", rho);
    Optimizer.checkEps(name, eps);
    Optimizer.checkWeightDecay(name, weightDecay);
    Optimizer.checkTrustCoefficient(name, trustCoefficient);
    // Silently ignoring it would train a different model than the config says.
    if (weightDecay != 0 && !WEIGHT_DECAY_NAMES.contains(name)) {
      throw new IllegalArgumentException(name + ": weightDecay=" + weightDecay + " is only used by "
          + String.join(", ", WEIGHT_DECAY_NAMES) + "; for an L2 penalty in the gradient use l2");
    }
  }

  /** The defaults for an optimizer name (case-insensitive); error listing the valid names. */
  public static OptimizerSpec defaults(String name) {
    String n = checkName(name);
    return new OptimizerSpec(n, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, DEFAULT_MOMENTUM,
        DEFAULT_RHO, DEFAULT_BIAS_CORRECTION,
        WEIGHT_DECAY_NAMES.contains(n) ? DEFAULT_ADAMW_WEIGHT_DECAY : 0, DEFAULT_TRUST_COEFFICIENT);
  }

  /** Same as {@link #defaults(String)}; reads better where a config value is parsed. */
  public static OptimizerSpec of(String name) {
    return defaults(name);
  }

  /**
   * A copy with one field set from text, for config overrides such as {@code beta2=0.99}. Keys
   * are the record's field names except name; errors name the key and the value.
   */
  public OptimizerSpec with(String key, String value) {
    Objects.requireNonNull(value, key);
    String v = value.trim();
    return switch (key) {
      case "beta1" -> new OptimizerSpec(name, number(key, v), beta2, eps, momentum, rho,
          biasCorrection, weightDecay, trustCoefficient);
      case "beta2" -> new OptimizerSpec(name, beta1, number(key, v), eps, momentum, rho,
          biasCorrection, weightDecay, trustCoefficient);
      case "eps" -> new OptimizerSpec(name, beta1, beta2, number(key, v), momentum, rho,
          biasCorrection, weightDecay, trustCoefficient);
      case "momentum" -> new OptimizerSpec(name, beta1, beta2, eps, number(key, v), rho,
          biasCorrection, weightDecay, trustCoefficient);
      case "rho" -> new OptimizerSpec(name, beta1, beta2, eps, momentum, number(key, v),
          biasCorrection, weightDecay, trustCoefficient);
      case "biasCorrection" -> new OptimizerSpec(name, beta1, beta2, eps, momentum, rho,
          bool(key, v), weightDecay, trustCoefficient);
      case "weightDecay" -> new OptimizerSpec(name, beta1, beta2, eps, momentum, rho,
          biasCorrection, number(key, v), trustCoefficient);
      case "trustCoefficient" -> new OptimizerSpec(name, beta1, beta2, eps, momentum, rho,
          biasCorrection, weightDecay, number(key, v));
      default -> throw new IllegalArgumentException("optimizer: unknown field '" + key
          + "'; valid: beta1, beta2, eps, momentum, rho, biasCorrection, weightDecay,"
          + " trustCoefficient");
    };
  }

  /**
   * A new optimizer with fresh state. weights are the Dense weight matrices, one segment each
   * ({@code nn.Network.weights()}): where adamw applies its weight decay, and the tensors whose
   * trust ratio lamb and lars compute (each with its own decay); the others ignore it. Pass
   * {@link Segments#EMPTY} when there is none.
   */
  public Optimizer build(Segments weights) {
    Objects.requireNonNull(weights, "weight segments (use Segments.EMPTY for none)");
    return switch (name) {
      case "sgd" -> new Sgd();
      case "momentum" -> new Momentum(momentum, biasCorrection);
      case "rmsprop" -> new RmsProp(rho, eps, biasCorrection);
      case "adam" -> new Adam(beta1, beta2, eps);
      case "adamw" -> new AdamW(beta1, beta2, eps, weightDecay, weights);
      case "lamb" -> new Lamb(beta1, beta2, eps, weightDecay, weights);
      case "lars" -> new Lars(momentum, weightDecay, trustCoefficient, weights);
      default -> throw new IllegalStateException(name);
    };
  }

  private static String checkName(String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    if (!NAMES.contains(n)) {
      throw new IllegalArgumentException(
          "unknown optimizer '" + name + "'; valid: " + String.join(", ", NAMES));
    }
    return n;
  }

  private static double number(String key, String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "optimizer field '" + key + "': not a number: '" + v + "'");
    }
  }

  private static boolean bool(String key, String v) {
    if (v.equalsIgnoreCase("true")) return true;
    if (v.equalsIgnoreCase("false")) return false;
    throw new IllegalArgumentException(
        "optimizer field '" + key + "': expected true or false, got '" + v + "'");
  }
}
