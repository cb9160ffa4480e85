package dev.sparkmlp.nn;

import java.io.Serializable;

/**
 * The configuration of one layer: sizes and hyper-parameters only, never weights. Each record
 * checks its own values, and its DEFAULT_ constants are the only place its defaults are written
 * (conf/reference.conf states the same values; a test holds the two together).
 */
public sealed interface LayerSpec extends Serializable {

  /** Fully connected: out = in * W + b, W is (in x units) row-major, then b (units). */
  record Dense(int units, Init init) implements LayerSpec {
    public Dense {
      if (units <= 0) throw new IllegalArgumentException("dense units must be positive: " + units);
    }
  }

  /** Activation; alpha is the negative slope of LEAKY_RELU and the scale of ELU, unused otherwise. */
  record Act(Activation fn, float alpha) implements LayerSpec {
    /**
     * LeakyReLU's negative slope: 0.1, the slope the shipped configurations train with. PyTorch
     * and Keras default to 0.01 and 0.3.
     */
    public static final float DEFAULT_LEAKY_RELU_ALPHA = 0.1f;
    /** ELU's alpha, as in Clevert et al. (2016) and PyTorch. */
    public static final float DEFAULT_ELU_ALPHA = 1f;

    /** {@code fn} with its default alpha (0 where fn has none). */
    public static Act of(Activation fn) {
      return new Act(fn, defaultAlpha(fn));
    }

    public static float defaultAlpha(Activation fn) {
      return fn == Activation.LEAKY_RELU ? DEFAULT_LEAKY_RELU_ALPHA
          : fn == Activation.ELU ? DEFAULT_ELU_ALPHA : 0f;
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
   * {@code running = momentum * running + (1 - momentum) * batch} (variance unbiased): momentum is
   * the weight of the old value, as in Keras (PyTorch's momentum is our 1 - momentum). momentum = 1
   * would never move the running statistics from their initial 0 and 1, so it is rejected.
   */
  record BatchNorm(float momentum, float eps) implements LayerSpec {
    public static final float DEFAULT_MOMENTUM = 0.9f;
    public static final float DEFAULT_EPS = 1e-5f;

    public BatchNorm {
      checkMomentum(momentum);
      if (!(eps > 0f)) throw new IllegalArgumentException("batch norm eps must be positive: " + eps);
    }

    /** The one range check of the momentum, [0, 1); throws IllegalArgumentException outside. */
    public static float checkMomentum(float momentum) {
      if (!(momentum >= 0f && momentum < 1f)) {
        throw new IllegalArgumentException("batch norm momentum must be in [0, 1): " + momentum);
      }
      return momentum;
    }
  }

  /** Layer normalization (Ba, Kiros and Hinton, 2016) over each row, with learnable gamma and beta. */
  record LayerNorm(float eps) implements LayerSpec {
    public static final float DEFAULT_EPS = 1e-5f;

    public LayerNorm {
      if (!(eps > 0f)) throw new IllegalArgumentException("layer norm eps must be positive: " + eps);
    }
  }
}
