package dev.sparkmlp.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector-API path of {@link Vec#allFinite}. Only {@link Vec} refers to this class, and only
 * when the jdk.incubator.vector module is present, so the JVM never links it otherwise.
 */
final class FiniteVector {
  private FiniteVector() {}

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  /**
   * acc := sum over i of (x_i - x_i), lane by lane: 0 when every x_i is finite, NaN as soon as one
   * is NaN or infinite (Inf - Inf = NaN, and NaN stays). No overflow is possible, since every
   * term of a finite array is exactly 0. Not modified: x.
   */
  static boolean allFinite(float[] x, int off, int n) {
    FloatVector acc = FloatVector.zero(SPECIES);
    int i = 0;
    int bound = SPECIES.loopBound(n);
    for (; i < bound; i += SPECIES.length()) {
      FloatVector v = FloatVector.fromArray(SPECIES, x, off + i);
      acc = acc.add(v.sub(v));
    }
    float r = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) r += x[off + i] - x[off + i];
    return r == 0f;
  }
}
