package dev.sparkmlp.math;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A set of disjoint [offset, offset+length) ranges of the flat parameter vector, for example "all
 * weight matrices" (the part that L1, L2 and decoupled weight decay act on, biases excluded).
 */
public final class Segments implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] offsets;
  private final int[] lengths;

  public Segments(int[] offsets, int[] lengths) {
    if (offsets.length != lengths.length) {
      throw new IllegalArgumentException("offsets and lengths differ in count");
    }
    this.offsets = offsets.clone();
    this.lengths = lengths.clone();
  }

  public static Segments of(int offset, int length) {
    return new Segments(new int[] {offset}, new int[] {length});
  }

  public static final Segments EMPTY = new Segments(new int[0], new int[0]);

  public int count() {
    return offsets.length;
  }

  public int offset(int i) {
    return offsets[i];
  }

  public int length(int i) {
    return lengths[i];
  }

  /** Total number of elements covered. */
  public int size() {
    int n = 0;
    for (int l : lengths) n += l;
    return n;
  }

  /** Sum of squares of x over all ranges. */
  public double sumSquares(float[] x) {
    double s = 0;
    for (int i = 0; i < offsets.length; i++) s += Vec.sumSquares(x, offsets[i], lengths[i]);
    return s;
  }

  /** Sum of absolute values of x over all ranges. */
  public double sumAbs(float[] x) {
    double s = 0;
    for (int i = 0; i < offsets.length; i++) s += Vec.sumAbs(x, offsets[i], lengths[i]);
    return s;
  }

  /** A mask with 1 inside the ranges and 0 elsewhere, of length n. */
  public float[] mask(int n) {
    float[] m = new float[n];
    for (int i = 0; i < offsets.length; i++) Arrays.fill(m, offsets[i], offsets[i] + lengths[i], 1f);
    return m;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Segments[");
    for (int i = 0; i < offsets.length; i++) {
      if (i > 0) sb.append(", ");
      sb.append(offsets[i]).append('+').append(lengths[i]);
    }
    return sb.append(']').toString();
  }
}
