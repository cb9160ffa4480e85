package dev.sparkmlp.nn;

import java.util.Locale;

/**
 * Weight initialisers for Dense layers. Biases always start at zero.
 *
 * <pre>
 * ZEROS           w = 0
 * UNIFORM         w ~ U[-1, 1]
 * XAVIER_NORMAL   w ~ N(0, 2 / (fan_in + fan_out))          Glorot and Bengio, AISTATS 2010
 * XAVIER_UNIFORM  w ~ U[-a, a], a = sqrt(6 / (fan_in + fan_out))
 * HE_NORMAL       w ~ N(0, 2 / fan_in)                      He et al., ICCV 2015
 * HE_UNIFORM      w ~ U[-a, a], a = sqrt(6 / fan_in)
 * </pre>
 */
public enum Init {
  ZEROS, UNIFORM, XAVIER_NORMAL, XAVIER_UNIFORM, HE_NORMAL, HE_UNIFORM;

  public static Init parse(String s) {
    String k = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    switch (k) {
      case "ZERO" -> k = "ZEROS";
      case "UNIFORM_1", "U1", "U[-1,1]" -> k = "UNIFORM";
      case "GLOROT_NORMAL" -> k = "XAVIER_NORMAL";
      case "GLOROT_UNIFORM", "XAVIER", "GLOROT" -> k = "XAVIER_UNIFORM";
      case "KAIMING_NORMAL" -> k = "HE_NORMAL";
      case "KAIMING_UNIFORM", "HE", "KAIMING" -> k = "HE_UNIFORM";
      default -> { }
    }
    try {
      return valueOf(k);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown initialiser '" + s + "' (expected zeros, uniform,"
          + " xavier_normal, xavier_uniform, he_normal or he_uniform)");
    }
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
