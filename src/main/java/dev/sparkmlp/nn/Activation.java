package dev.sparkmlp.nn;

import java.util.Locale;

/** Element-wise (and, for softmax, row-wise) activation functions. */
public enum Activation {
  RELU, LEAKY_RELU, ELU, GELU, SIGMOID, TANH, SOFTMAX, IDENTITY;

  /** Parses "relu", "leaky_relu", "leaky-relu", "LeakyReLU", ... case-insensitively. */
  public static Activation parse(String s) {
    String k = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    if (k.equals("LEAKYRELU")) k = "LEAKY_RELU";
    if (k.equals("LINEAR") || k.equals("NONE")) k = "IDENTITY";
    try {
      return valueOf(k);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown activation '" + s
          + "' (expected one of relu, leaky_relu, elu, gelu, sigmoid, tanh, softmax, identity)");
    }
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
