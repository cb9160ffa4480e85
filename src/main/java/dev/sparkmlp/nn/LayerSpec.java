package dev.sparkmlp.nn;

import java.io.Serializable;

/** The configuration of one layer: sizes and hyper-parameters only, never weights. */
public sealed interface LayerSpec extends Serializable {

  /** Fully connected: out = in * W + b, W is (in x units) row-major, then b (units). */
  record Dense(int units, Init init) implements LayerSpec {
    public Dense {
      if (units <= 0) throw new IllegalArgumentException("dense units must be positive: " + units);
    }
  }

  /** Activation; alpha is the negative slope of LEAKY_RELU and the scale of ELU, unused otherwise. */
  record Act(Activation fn, float alpha) implements LayerSpec {
    public static Act of(Activation fn) {
      return new Act(fn, fn == Activation.LEAKY_RELU ? 0.01f : fn == Activation.ELU ? 1f : 0f);
    }
  }

  /** Inverted dropout: in training, zero each unit with probability p and scale the rest by 1/(1-p). */
  record Dropout(float p) implements LayerSpec {
    public Dropout {
      if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("dropout p must be in [0, 1): " + p);
    }
  }

  /**
   * Batch normalization (Ioffe and Szegedy, 2015) with learnable gamma and beta. Training uses batch
   * statistics; inference uses running statistics, updated as
   * {@code running = momentum * running + (1 - momentum) * batch} (variance unbiased).
   */
  record BatchNorm(float momentum, float eps) implements LayerSpec {}

  /** Layer normalization (Ba, Kiros and Hinton, 2016) over each row, with learnable gamma and beta. */
  record LayerNorm(float eps) implements LayerSpec {}
}
