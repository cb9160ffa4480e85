package dev.sparkmlp.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API path of {@link Rectifier}: a compare and a blend per vector, the tail by the
 * scalar loop. Only {@link Rectifier} refers to this class, and only when the module is present.
 */
final class RectifierVector {
  private RectifierVector() {}

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  static void forward(float alpha, float[] x, float[] y, int n) {
    int end = SPECIES.loopBound(n);
    int i = 0;
    for (; i < end; i += SPECIES.length()) {
      FloatVector v = FloatVector.fromArray(SPECIES, x, i);
      VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
      v.mul(alpha).blend(v, pos).intoArray(y, i);
    }
    for (; i < n; i++) y[i] = x[i] > 0f ? x[i] : alpha * x[i];
  }

  static void backward(float alpha, boolean zeroBelow, float[] x, float[] dy, float[] dx,
      int n) {
    int end = SPECIES.loopBound(n);
    int i = 0;
    FloatVector zero = FloatVector.zero(SPECIES);
    for (; i < end; i += SPECIES.length()) {
      VectorMask<Float> pos = FloatVector.fromArray(SPECIES, x, i).compare(VectorOperators.GT, 0f);
      FloatVector d = FloatVector.fromArray(SPECIES, dy, i);
      FloatVector below = zeroBelow ? zero : d.mul(alpha);
      below.blend(d, pos).intoArray(dx, i);
    }
    for (; i < n; i++) dx[i] = x[i] > 0f ? dy[i] : zeroBelow ? 0f : alpha * dy[i];
  }
}
