package dev.sparkmlp.optim;

import dev.sparkmlp.math.Ranges;
import dev.sparkmlp.math.Segments;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A first-order update rule with its state (moment arrays and the step count t). One optimizer
 * instance drives one flat parameter vector, and lives on the driver only: executors never see it.
 *
 * <p>Call order: {@link #step} once per mini-batch with the mean gradient (regularization terms
 * already added, see {@link Regularization#addGradient}) and the learning rate of that step. To
 * resume, build the optimizer from the same {@link OptimizerSpec} and {@link #restore} the
 * {@link OptimizerState} saved by {@link #state()} before the first {@code step}. Deviating from
 * this order (restoring mid-run into a differently configured optimizer, or stepping different
 * parameter vectors with one instance) will cause unexpected behaviour.
 *
 * <p>The state arrays are allocated on the first step from the length of w, and reused after
 * that, so a step allocates nothing.
 */
public abstract sealed class Optimizer permits Sgd, Momentum, RmsProp, Adam, AdamW, Lamb,
    Lars {
  private final String[] stateNames;
  /** One array per state name, of the parameter length; null until the first step or restore. */
  private float[][] arrays;
  /** Parameter length this optimizer is bound to, or -1 while unknown. */
  private int size = -1;
  private long t;

  Optimizer(String... stateNames) {
    this.stateNames = stateNames.clone();
  }

  /**
   * w := w - update(g), then t := t + 1; the update uses the new t (1 on the first step) for bias
   * correction. g is the mean gradient d loss / d w; optimizers subtract it.
   *
   * <p>Modified: w and this optimizer's state. Not modified: g.
   */
  public final void step(float[] w, float[] g, float lr) {
    step(w, g, lr, Ranges.SERIAL);
  }

  /**
   * As {@link #step(float[], float[], float)}, with an element-wise rule (SGD, momentum, RMSProp,
   * Adam) split over the parts of {@code ranges}, for example the worker threads of a local
   * trainer; the others run on the calling thread. The same bits either way. At batch 100 the
   * Adam update of the 150k parameters of a 784-128x4-10 MLP is about a tenth of a step, and the
   * second core would otherwise wait through it.
   */
  public final void step(float[] w, float[] g, float lr, Ranges ranges) {
    if (ranges != Ranges.SERIAL && elementwise()) {
      Ranges.Job job = begin(w, g, lr);
      try {
        ranges.forEach(w.length, job);
      } catch (RuntimeException | Error e) {
        begun = false;
        pass.w = null;
        pass.g = null;
        throw e;
      }
      end();
    } else {
      check(w, g, lr);
      // t only advances once the update succeeded, so a rejected step leaves the state as it was.
      update(w, g, lr, t + 1, arrays);
      t = t + 1;
    }
  }

  /**
   * The step of an element-wise rule ({@link #isElementwise}) in parts, for a caller that fills g
   * part by part: validates and binds the arguments as {@link #step} does, and returns the update
   * of one part, {@code job.run(from, to)}: w and the state over [from, to), reading g only
   * there. Call order: begin; the job over parts that tile [0, w.length) exactly once, on any
   * threads (each part's g written before its part runs); {@link #end}. Without the end (a step
   * abandoned after begin, before any part ran) t and the state stay as they were. Modified: w
   * and the state, by the job.
   *
   * @throws IllegalArgumentException as {@link #step}, or when the rule is not element-wise
   */
  public final Ranges.Job begin(float[] w, float[] g, float lr) {
    if (!elementwise()) {
      throw new IllegalArgumentException(name() + " is not element-wise: its update cannot run "
          + "part by part");
    }
    check(w, g, lr);
    pass.w = w;
    pass.g = g;
    pass.lr = lr;
    pass.t = t + 1;
    begun = true;
    return pass;
  }

  /** Ends the step begun by {@link #begin}: t := t + 1. */
  public final void end() {
    if (!begun) throw new IllegalStateException(name() + ": end() without begin()");
    begun = false;
    pass.w = null;
    pass.g = null;
    t = pass.t;
  }

  /** The checks of a step, and the state arrays allocated on the first. */
  private void check(float[] w, float[] g, float lr) {
    if (g.length != w.length) {
      throw new IllegalArgumentException(
          name() + ": gradient has " + g.length + " elements but the weights have " + w.length);
    }
    if (!(lr >= 0) || Float.isInfinite(lr)) {
      throw new IllegalArgumentException(
          name() + ": learning rate " + lr + " is not >= 0 and finite");
    }
    if (size < 0) {
      size = w.length;
    } else if (size != w.length) {
      throw new IllegalArgumentException(name() + ": state is for " + size
          + " parameters but the weights have " + w.length + " (restored from another model?)");
    }
    if (arrays == null) {
      arrays = new float[stateNames.length][size];
    }
  }

  /** The arguments of the step in progress, bound once so that a split step allocates nothing. */
  private final class Pass implements Ranges.Job {
    float[] w;
    float[] g;
    float lr;
    long t;

    @Override
    public void run(int from, int to) {
      updateRange(w, g, lr, t, arrays, from, to);
    }
  }

  private final Pass pass = new Pass();
  /** Between {@link #begin} and {@link #end}. */
  private boolean begun;

  /** True for a rule whose update of element i reads only element i of w, g and the state. */
  boolean elementwise() {
    return false;
  }

  /**
   * True when {@link #step(float[], float[], float, Ranges)} splits the update over the parts of
   * its ranges (SGD, momentum, RMSProp, Adam): each part's update then reads only that part of g,
   * so a caller may fill g part by part inside the ranges it passes.
   */
  public final boolean isElementwise() {
    return elementwise();
  }

  /**
   * The update over [from, to) only, for an {@link #elementwise} rule; the others never get this
   * call. Same arguments as {@link #update}.
   */
  void updateRange(float[] w, float[] g, float lr, long t, float[][] state, int from, int to) {
    throw new UnsupportedOperationException(name() + " is not element-wise");
  }

  /**
   * The update rule itself. t is already incremented (1 on the first step); state holds one
   * array of w.length per name given to the constructor, in that order. An element-wise rule
   * implements {@link #updateRange} only, which this runs over the whole vector; the others
   * override this.
   */
  void update(float[] w, float[] g, float lr, long t, float[][] state) {
    updateRange(w, g, lr, t, state, 0, w.length);
  }

  /** Number of steps taken (restored steps included). */
  public final long steps() {
    return t;
  }

  /**
   * The optimizer's name as used in {@link OptimizerSpec}: sgd, momentum, rmsprop, adam, adamw,
   * lamb, lars.
   */
  public abstract String name();

  /** Same configuration, fresh state (t = 0, no arrays). */
  public abstract Optimizer copy();

  /** A deep copy of the current state. */
  public final OptimizerState state() {
    Map<String, float[]> m = new LinkedHashMap<>();
    if (arrays != null) {
      for (int i = 0; i < stateNames.length; i++) m.put(stateNames[i], arrays[i].clone());
    }
    return new OptimizerState(name(), t, m);
  }

  /**
   * Replaces this optimizer's state by a copy of s. s must come from an optimizer of the same
   * name, and hold either no arrays at t = 0 (a fresh state) or exactly this optimizer's arrays,
   * all of one length; the next step then checks that length against the weights.
   */
  public final void restore(OptimizerState s) {
    if (!s.optimizer().equals(name())) {
      throw new IllegalArgumentException("optimizer state is for '" + s.optimizer()
          + "' but this optimizer is '" + name() + "'");
    }
    Map<String, float[]> in = s.arrays();
    if (in.isEmpty() && (s.t() == 0 || stateNames.length == 0)) {
      arrays = null;
      size = -1;
      t = s.t();
      return;
    }
    if (!in.keySet().equals(Set.of(stateNames))) {
      throw new IllegalArgumentException("optimizer state for '" + name() + "' at t=" + s.t()
          + " has arrays " + in.keySet() + " but needs " + Arrays.toString(stateNames));
    }
    int n = in.get(stateNames[0]).length;
    float[][] restored = new float[stateNames.length][];
    for (int i = 0; i < stateNames.length; i++) {
      float[] a = in.get(stateNames[i]);
      if (a.length != n) {
        throw new IllegalArgumentException("optimizer state for '" + name() + "': array '"
            + stateNames[i] + "' has " + a.length + " elements but '" + stateNames[0] + "' has "
            + n);
      }
      restored[i] = a.clone();
    }
    arrays = restored;
    size = n;
    t = s.t();
  }

  /** Checks a decay rate (beta, rho, momentum) lies in [0, 1). */
  static double checkRate(String optimizer, String field, double v) {
    if (!(v >= 0 && v < 1)) {
      throw new IllegalArgumentException(optimizer + ": " + field + "=" + v + " is not in [0, 1)");
    }
    return v;
  }

  /** Checks a weight decay is &gt;= 0 and finite. */
  static double checkWeightDecay(String optimizer, double weightDecay) {
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException(
          optimizer + ": weightDecay=" + weightDecay + " is not >= 0 and finite");
    }
    return weightDecay;
  }

  /** Checks a trust coefficient (LARS's eta) is &gt; 0 and finite. */
  static double checkTrustCoefficient(String optimizer, double eta) {
    if (!(eta > 0) || Double.isInfinite(eta)) {
      throw new IllegalArgumentException(
          optimizer + ": trustCoefficient=" + eta + " is not > 0 and finite");
    }
    return eta;
  }

  /**
   * Checks that segments are ascending and do not overlap, so that one pass in order visits each
   * segment and each gap between them once.
   */
  static Segments checkAscending(String optimizer, Segments s) {
    int end = 0;
    for (int i = 0; i < s.count(); i++) {
      if (s.offset(i) < end || s.length(i) < 0) {
        throw new IllegalArgumentException(optimizer + ": segments " + s
            + " are not ascending and disjoint (segment " + i + ")");
      }
      end = s.offset(i) + s.length(i);
    }
    return s;
  }

  /** Checks that every segment lies inside the n parameters. */
  static void checkInside(String optimizer, Segments s, int n) {
    for (int i = 0; i < s.count(); i++) {
      if ((long) s.offset(i) + s.length(i) > n) {
        throw new IllegalArgumentException(optimizer + ": segment " + s.offset(i) + "+"
            + s.length(i) + " lies outside the " + n + " parameters");
      }
    }
  }

  /** Checks eps is positive and finite. */
  static double checkEps(String optimizer, double eps) {
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException(optimizer + ": eps=" + eps + " is not > 0 and finite");
    }
    return eps;
  }
}
